package org.cnf4j.backend;

import static org.bytedeco.openblas.global.openblas_nolapack.*;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GEMM on {@link Mat}s through the OpenBLAS that ND4J ships and loads, called directly.
 * Measured here: {@code Nd4j.gemm} adds 30-400 us per call (shape checks, op objects), which is more
 * than the whole product at the toy size; the direct call costs a few microseconds.
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

    /** C = alpha * op(A) * op(B) + beta * C, all row-major. */
    public static void gemm(boolean transA, boolean transB, double alpha, Mat a, Mat b, double beta, Mat c) {
        int m = c.rows, n = c.cols;
        int k = transA ? a.rows : a.cols;
        int am = transA ? a.cols : a.rows;
        int bk = transB ? b.cols : b.rows;
        int bn = transB ? b.rows : b.cols;
        if (am != m || bn != n || bk != k) {
            throw new IllegalArgumentException("gemm shapes: op(A) " + am + "x" + k + ", op(B) " + bk + "x" + bn
                    + ", C " + m + "x" + n);
        }
        int ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans;
        if (c.dtype() == DType.FLOAT32) {
            cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, (float) alpha, (FloatPointer) a.pointer(), a.cols,
                    (FloatPointer) b.pointer(), b.cols, (float) beta, (FloatPointer) c.pointer(), c.cols);
        } else {
            cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, (DoublePointer) a.pointer(), a.cols,
                    (DoublePointer) b.pointer(), b.cols, beta, (DoublePointer) c.pointer(), c.cols);
        }
    }
}
