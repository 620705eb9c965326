package org.cnf4j.backend;

import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A dense row-major matrix in off-heap memory owned by ND4J, so that OpenBLAS reads it in place.
 * Element access from Java reads and writes that memory through {@code Unsafe} at the buffer's address
 * ({@link F32Mat}, {@link F64Mat}; bounds are checked by {@code assert}, which the tests run with -ea), not
 * through an NIO buffer, whose per-element checks cost too much in the fused loops (docs/DESIGN.md). The loops
 * use {@link #get}/{@link #set} and are monomorphic in a process that uses one precision.
 */
public abstract class Mat {
    public final int rows;
    public final int cols;
    /** The ND4J array that owns the memory (kept so the buffer lives as long as this object). */
    protected final INDArray array;

    protected Mat(int rows, int cols, INDArray array) {
        if (rows < 1 || cols < 1) throw new IllegalArgumentException("matrix shape " + rows + "x" + cols);
        this.rows = rows;
        this.cols = cols;
        this.array = array;
    }

    /** Bytes of every matrix created so far: memory estimates (engine.MemoryEstimate) are tested against it. */
    private static final java.util.concurrent.atomic.AtomicLong CREATED = new java.util.concurrent.atomic.AtomicLong();

    /** The bytes of all matrices created in this process so far (not those still alive: ND4J frees through GC). */
    public static long createdBytes() { return CREATED.get(); }

    public static Mat create(DType dtype, int rows, int cols) {
        CREATED.addAndGet((long) rows * cols * (dtype == DType.FLOAT32 ? 4 : 8));
        DataType t = dtype == DType.FLOAT32 ? DataType.FLOAT : DataType.DOUBLE;
        INDArray a = Nd4j.create(t, rows, cols); // zero-filled, 'c' order
        return dtype == DType.FLOAT32 ? new F32Mat(rows, cols, a) : new F64Mat(rows, cols, a);
    }

    public abstract DType dtype();

    public abstract double get(int i);

    public abstract void set(int i, double v);

    public final void add(int i, double v) { set(i, get(i) + v); }

    public final double get(int r, int c) { return get(r * cols + c); }

    public final void set(int r, int c, double v) { set(r * cols + c, v); }

    public final int size() { return rows * cols; }

    /** Native address of element 0, typed for BLAS. */
    abstract Pointer pointer();

    public void fill(double v) { for (int i = 0, n = size(); i < n; i++) set(i, v); }

    public void copyFrom(double[] src, int offset) { for (int i = 0, n = size(); i < n; i++) set(i, src[offset + i]); }

    public void copyFrom(Mat src) { for (int i = 0, n = size(); i < n; i++) set(i, src.get(i)); }

    /** Adds every element to {@code dst[offset + i]} (double accumulation of chunk results). */
    public void addTo(double[] dst, int offset) { for (int i = 0, n = size(); i < n; i++) dst[offset + i] += get(i); }

    public double[] toArray() {
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) out[i] = get(i);
        return out;
    }
}
