package org.cnf4j.backend;

import static org.bytedeco.openblas.global.openblas_nolapack.*;

import org.nd4j.linalg.factory.Nd4j;

/**
 * GEMM on {@link Mat}s through the OpenBLAS that ND4J ships and loads, called directly.
 * Measured here: {@code Nd4j.gemm} adds 30-400 us per call (shape checks, op objects), which is more
 * than the whole product at the toy size; the direct call costs a few microseconds. Operands on the heap are copied
 * into a {@link BlasStaging} and the product back ({@code memcpy}); pinned matrices are read in place.
 */
public final class Blas {
    private static volatile boolean loaded;

    private Blas() {}

    /** Loads ND4J's native backend (and with it OpenBLAS) once. */
    public static void ensureLoaded() {
        if (!loaded) {
            synchronized (Blas.class) {
                if (!loaded) {
                    Nd4j.getBackend();
                    Nd4j.create(1);
                    loaded = true;
                }
            }
        }
    }

    /** Threads OpenBLAS may use per call; the engine parallelises over sample chunks and asks for 1. */
    public static void setBlasThreads(int n) {
        ensureLoaded();
        blas_set_num_threads(n);
    }

    /**
     * The BLAS build in use, as its headers name it: OpenBLAS's version and the target it was built for. The
     * presets' build is DYNAMIC_ARCH: that target (NEHALEM) is only its baseline, and at load time OpenBLAS picks a
     * kernel family for the CPU it runs on, unless OPENBLAS_CORETYPE names one (then that variable is part of the
     * answer: a forced Haswell kernel runs the products 1.3-2.2x slower than the AVX-512 one 0.3.31 picks on Zen 5,
     * docs/BENCHMARKS.md). OPENBLAS_VERBOSE=2 prints the chosen kernel to stderr; the presets do not expose it.
     * Benchmarks record this beside their timings, and the CPU beside it.
     */
    public static String describe() {
        ensureLoaded();
        String v = OPENBLAS_VERSION.trim();
        String forced = System.getenv("OPENBLAS_CORETYPE");
        return (v.startsWith("OpenBLAS") ? v : "OpenBLAS " + v) + "; built for " + OPENBLAS_CHAR_CORENAME.trim()
                + " (DYNAMIC_ARCH: " + (forced == null || forced.isBlank()
                        ? "the kernel is chosen for the CPU at load; OPENBLAS_VERBOSE=2 names it)"
                        : "the kernel is forced by OPENBLAS_CORETYPE=" + forced.trim() + ")");
    }

    /** C = alpha * op(A) * op(B) + beta * C, all row-major, with heap operands staged through {@code st}. */
    public static void gemm(BlasStaging st, boolean transA, boolean transB, double alpha, Mat a, Mat b, double beta, Mat c) {
        checkShapes(st, transA, transB, a, b, c.rows, c.cols, c.dtype());
        if (c.pinned() != null) throw new IllegalArgumentException("gemm: the product cannot be a pinned matrix");
        if (c.size() > st.elements) throw new IllegalArgumentException("gemm: C has " + c.size() + " elements, staging holds " + st.elements);
        NativeBuffer nc = st.slots[2];
        if (beta != 0) c.toNative(nc.address());
        call(st, transA, transB, alpha, a, b, beta, nc, c.rows, c.cols);
        c.fromNative(nc.address());
    }

    /** C += alpha * op(A) * op(B) into a native accumulator, which is neither staged nor copied back. */
    public static void gemmAccumulate(BlasStaging st, boolean transA, boolean transB, double alpha, Mat a, Mat b, NativeAccumulator c) {
        checkShapes(st, transA, transB, a, b, c.rows, c.cols, c.dtype);
        call(st, transA, transB, alpha, a, b, 1, c.buffer, c.rows, c.cols);
    }

    private static void checkShapes(BlasStaging st, boolean transA, boolean transB, Mat a, Mat b, int m, int n, DType cType) {
        int k = transA ? a.rows : a.cols;
        int am = transA ? a.cols : a.rows;
        int bk = transB ? b.cols : b.rows;
        int bn = transB ? b.rows : b.cols;
        if (am != m || bn != n || bk != k) {
            throw new IllegalArgumentException("gemm shapes: op(A) " + am + "x" + k + ", op(B) " + bk + "x" + bn
                    + ", C " + m + "x" + n);
        }
        if (cType != st.dtype || a.dtype() != st.dtype || b.dtype() != st.dtype) throw new IllegalArgumentException("gemm: mixed precisions");
    }

    /** The BLAS call on native C (m x n, ldc n), A and B staged or pinned. */
    private static void call(BlasStaging st, boolean transA, boolean transB, double alpha, Mat a, Mat b, double beta,
                             NativeBuffer nc, int m, int n) {
        NativeBuffer na = stage(st, 0, a), nb = stage(st, 1, b);
        int k = transA ? a.rows : a.cols;
        int ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans;
        if (st.dtype == DType.FLOAT32) {
            cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, (float) alpha, na.floats, a.cols, nb.floats, b.cols, (float) beta, nc.floats, n);
        } else {
            cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, na.doubles, a.cols, nb.doubles, b.cols, beta, nc.doubles, n);
        }
    }

    private static NativeBuffer stage(BlasStaging st, int slot, Mat x) {
        NativeBuffer p = x.pinned();
        if (p != null) return p;
        if (x.size() > st.elements) throw new IllegalArgumentException("gemm: an operand has " + x.size() + " elements, staging holds " + st.elements);
        NativeBuffer b = st.slots[slot];
        x.toNative(b.address());
        return b;
    }
}
