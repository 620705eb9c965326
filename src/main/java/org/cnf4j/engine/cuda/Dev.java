package org.cnf4j.engine.cuda;

import org.cnf4j.backend.DType;

/**
 * The few operations the GPU engine needs from a device: buffers, copies, column-major GEMM (cuBLAS
 * semantics) and launches of the kernels of {@code src/main/cuda/otflow_kernels.cu} by name (the
 * engine calls them through the typed methods of {@link Kernels}).
 * {@link CudaDev} runs them on an NVIDIA GPU; {@link JavaDev} runs their Java twins on the CPU, so
 * that the engine's orchestration is tested without a GPU; {@link LockstepDev} runs both and reports
 * the first operation whose results differ.
 *
 * <p>Buffers hold elements of the engine type T ({@link #alloc}) or double accumulators
 * ({@link #allocDouble}). Kernel arguments are {@link Buf}/{@link Ptr} (or null), Integer and Double.
 * All work is ordered on one stream; only downloads wait for it.
 */
interface Dev extends AutoCloseable {
    DType dtype();

    String describe();

    Buf alloc(long elems);

    Buf allocDouble(long elems);

    void free(Buf b);

    void upload(double[] src, int srcOff, Ptr dst, long count);

    void download(Ptr src, long count, double[] dst, int dstOff);

    void zero(Ptr p, long count);

    /** C = alpha op(A) op(B) + beta C, column-major, as cublas?gemm. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Ptr a, int lda, Ptr b, int ldb,
              double beta, Ptr c, int ldc);

    /** {@code batches} independent GEMMs, the i-th on A + i strideA, B + i strideB, C + i strideC (cublas?gemmStridedBatched). */
    void gemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, Ptr a, int lda, long strideA,
                            Ptr b, int ldb, long strideB, double beta, Ptr c, int ldc, long strideC, int batches);

    /**
     * {@link #gemm} for the m x m x (n d) products of the Hessian trace (K_l J, its adjoint and K_l's accumulation
     * over the Jacobians): nearly all of a step's arithmetic at large sizes. With the opt-in math mode tf32 (float32
     * only) they run on the tensor cores with operands rounded to TF32 and float32 sums; every
     * other product (the ResNet, the quadratic part) stays strict: a fifth of a TF32 step at the MINIBOONE size
     * (docs/GPU.md), and what rounding them would do to the gradient was not measured.
     */
    default void traceGemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Ptr a, int lda, Ptr b, int ldb,
                           double beta, Ptr c, int ldc) {
        gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /** {@link #gemmStridedBatched} for the trace products, as {@link #traceGemm}. */
    default void traceGemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, Ptr a, int lda, long strideA,
                                         Ptr b, int ldb, long strideB, double beta, Ptr c, int ldc, long strideC, int batches) {
        gemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batches);
    }

    /** Launches kernel {@code name} (without the _f32/_f64 suffix) on a (gx, gy) grid of (bx, by) blocks. */
    void launch(String name, int gx, int gy, int bx, int by, Object... args);

    void synchronize();

    /** Makes the device current on the calling thread (CUDA contexts are per thread). */
    default void bind() {}

    /** Whether the stream's work can be captured into a replayable graph (CUDA graphs). */
    default boolean supportsGraphs() { return false; }

    /** Starts capturing the stream's work instead of running it. */
    default void beginCapture() { throw new UnsupportedOperationException("graphs"); }

    /** Ends the capture and returns the instantiated graph; on failure ends it anyway and throws. */
    default Object endCapture() { throw new UnsupportedOperationException("graphs"); }

    default void launchGraph(Object graph) { throw new UnsupportedOperationException("graphs"); }

    default void destroyGraph(Object graph) {}

    @Override void close();

    /** A device buffer. */
    abstract class Buf {
        final long elems;
        final boolean isDouble;

        Buf(long elems, boolean isDouble) {
            this.elems = elems;
            this.isDouble = isDouble;
        }

        Ptr at(long off) {
            if (off < 0 || off > elems) throw new IndexOutOfBoundsException("offset " + off + " of " + elems);
            return new Ptr(this, off);
        }

        Ptr p() { return new Ptr(this, 0); }
    }

    /** A buffer and an element offset into it. */
    record Ptr(Buf buf, long off) {
        Ptr plus(long d) { return buf.at(off + d); }
    }

    /** Converts a kernel argument that is a buffer or pointer (or null) to a Ptr (or null). */
    static Ptr ptr(Object o) {
        if (o == null) return null;
        if (o instanceof Ptr p) return p;
        if (o instanceof Buf b) return b.p();
        throw new IllegalArgumentException("not a buffer: " + o);
    }
}
