package org.cnf4j.backend;

import static org.cnf4j.backend.RawMemory.U;

/**
 * A matrix that lives only in native memory: the target of products summed over many BLAS calls
 * ({@link Blas#gemmAccumulate}, beta = 1). A heap {@link Mat} there would be staged into native memory and back on
 * every call; this one is read once, when the sum is complete ({@link #moveTo}).
 */
public final class NativeAccumulator {
    public final DType dtype;
    public final int rows, cols;
    final NativeBuffer buffer;

    /** A rows x cols accumulator of zeros; its bytes count in {@link BlasStaging#allocatedBytes}. */
    public NativeAccumulator(DType dtype, int rows, int cols) {
        if (rows < 1 || cols < 1) throw new IllegalArgumentException("accumulator shape " + rows + "x" + cols);
        this.dtype = dtype;
        this.rows = rows;
        this.cols = cols;
        buffer = new NativeBuffer(bytes(dtype, rows, cols));
        clear();
    }

    /** Native bytes of a rows x cols accumulator. */
    public static long bytes(DType dtype, long rows, long cols) { return rows * cols * dtype.bytes(); }

    public void clear() { U.setMemory(buffer.address(), bytes(dtype, rows, cols), (byte) 0); }

    /** Copies the sum into {@code dst} (same shape and precision) and starts a new one at zero. */
    public void moveTo(Mat dst) {
        if (dst.rows != rows || dst.cols != cols || dst.dtype() != dtype) {
            throw new IllegalArgumentException("accumulator " + rows + "x" + cols + " into " + dst.rows + "x" + dst.cols);
        }
        dst.fromNative(buffer.address());
        clear();
    }
}
