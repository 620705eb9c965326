package org.cnf4j.model;

import org.cnf4j.backend.DType;
import org.cnf4j.backend.Mat;

/**
 * Read-only copy of the parameters in the engine's precision, laid out for the kernels: the K_i as
 * BLAS matrices (pinned: their native copies are made once per step, not staged per product), small vectors as
 * Java arrays, and the derived quantities that every sample shares
 * (M = A^T A, the squared row norms of K0x, trace(M[:d,:d])). Built once per optimiser step and
 * shared by all worker threads. Where {@link PhiHostMath#lowRank} holds, the quadratic term is applied through A
 * and M is never formed (at d = 5000 it would be 25 million entries per step).
 */
public final class PhiWeights {
    public final PhiShape shape;
    public final DType dtype;
    /** K_i, m x fan_in. */
    final Mat[] k;
    /** b_i. */
    final double[][] b;
    final double[] w;
    /** c.weight (d+1) and c.bias. */
    final double[] cw;
    final double cb;
    /** Whether the kernel uses A (r x (d+1)) rather than M = A^T A; see {@link PhiHostMath#lowRank}. */
    final boolean lowRank;
    /** M = A^T A, (d+1) x (d+1), as a matrix for GEMM and as a Java array; null when {@link #lowRank}. */
    final Mat mMat;
    final double[] m;
    /** A, r x (d+1), as a matrix for GEMM; null unless {@link #lowRank}. */
    final Mat aMat;
    /** K0x = K0[:, :d] row-major, and its squared row norms G0_j = sum_k K0x[j,k]^2. */
    final double[] k0x;
    final double[] g0;
    final double traceMx;
    /** See {@link #openingStack}: built with the weights where the kernels use it, else on first use (tests). */
    private volatile Mat openingStack;

    public PhiWeights(PhiParams p, DType dtype) {
        this.shape = p.shape;
        this.dtype = dtype;
        int d = shape.d(), mm = shape.m(), nTh = shape.nTh();
        k = new Mat[nTh];
        b = new double[nTh][];
        for (int i = 0; i < nTh; i++) {
            k[i] = Mat.create(dtype, mm, shape.fanIn(i));
            k[i].copyFrom(p.data, p.tensor(PhiParams.layerWeight(i)).offset());
            k[i].pinNative();
            b[i] = round(p.copyOf(PhiParams.layerBias(i)));
        }
        w = round(p.copyOf("w.weight"));
        cw = round(p.copyOf("c.weight"));
        cb = round(p.copyOf("c.bias"))[0];
        int d1 = d + 1;
        double[] a = round(p.copyOf("A"));
        lowRank = PhiHostMath.lowRank(shape.r(), d1);
        if (lowRank) {
            m = null;
            mMat = null;
            aMat = Mat.create(dtype, shape.r(), d1);
            aMat.copyFrom(a, 0);
            aMat.pinNative();
            traceMx = PhiHostMath.traceXOfGram(a, shape.r(), d1, d);
        } else {
            m = PhiHostMath.gram(a, shape.r(), d1);
            mMat = Mat.create(dtype, d1, d1);
            mMat.copyFrom(m, 0);
            mMat.pinNative();
            aMat = null;
            traceMx = PhiHostMath.traceX(m, d1, d);
        }
        k0x = new double[mm * d];
        for (int j = 0; j < mm; j++) {
            for (int q = 0; q < d; q++) k0x[j * d + q] = k[0].get(j, q);
        }
        g0 = PhiHostMath.squaredRowNorms(k0x, mm, d, d);
        if (PhiKernel.stackedOpening(shape)) openingStack(); // now, so that the workers never wait on its lock
    }

    /**
     * B = [K1 diag(K0x[:, k])] stacked as (d m) x m with row i d + k: B[i d + k, a] = K1[i, a] K0x[a, k]. Since
     * J_0 = diag(tanh a_0) K0x, the product K1 J_0 of a chunk is B tanh(a_0), one GEMM that never forms J_0, and its
     * rows come out in the layout of K1 J_0 (docs/DESIGN.md, "The opening product"). Made once per step.
     */
    Mat openingStack() {
        Mat s = openingStack;
        if (s != null) return s;
        synchronized (this) {
            if (openingStack == null) {
                int d = shape.d(), mm = shape.m();
                Mat b = Mat.create(dtype, d * mm, mm);
                Mat k1 = k[1];
                for (int i = 0; i < mm; i++) {
                    for (int q = 0; q < d; q++) {
                        for (int a = 0; a < mm; a++) b.set((i * d + q) * mm + a, k1.get(i * mm + a) * k0x[a * d + q]);
                    }
                }
                b.pinNative();
                openingStack = b;
            }
            return openingStack;
        }
    }

    /**
     * Bytes of the matrices of one copy (the K_i and M or A), on the heap and again off it (each keeps a native copy
     * for BLAS, {@link Mat#pinNative}); an engine builds one per loss evaluation, and the garbage collector frees the
     * previous ones only eventually.
     */
    public static double matrixBytes(PhiShape s, DType dtype) {
        double d1 = s.d() + 1, m = s.m();
        boolean low = PhiHostMath.lowRank(s.r(), s.d() + 1);
        double stack = PhiKernel.stackedOpening(s) ? s.d() * m * m : 0;
        return (m * d1 + (s.nTh() - 1) * m * m + (low ? s.r() * d1 : d1 * d1) + stack) * PhiKernel.elementBytes(dtype);
    }

    /** Rounds to the engine precision so the Java-side copies agree with the BLAS matrices. */
    private double[] round(double[] v) {
        if (dtype == DType.FLOAT32) for (int i = 0; i < v.length; i++) v[i] = (float) v[i];
        return v;
    }
}
