package org.cnf4j.model;

import org.cnf4j.backend.DType;
import org.cnf4j.backend.Mat;

/**
 * Accumulators for dLoss/dparameter of one worker, in the engine precision (the K_i parts are BLAS
 * outputs). {@link #addTo} folds them into a flat double vector in the layout of {@link PhiParams},
 * turning the accumulated dLoss/dM (M = A^T A) into dLoss/dA = A (Mbar + Mbar^T). In the low-rank form
 * ({@link PhiHostMath#lowRank}) the kernel accumulates dLoss/dA of the products itself
 * ((A gBar) s^T + (A s) gBar^T, O(r d) per sample) and the trace's weight; no d1 x d1 matrix exists.
 */
final class PhiGradient {
    final Mat[] k;
    final double[][] b;
    final double[] w;
    final double[] cw;
    /** dLoss/dM, M = A^T A; null in the low-rank form. */
    final Mat mBar;
    /** Low-rank form: dLoss/dA from grad = A^T A s (r x (d+1)), and the summed dLoss/dtrH that trace(M[:d,:d]) receives. */
    final Mat aBar;
    double traceBar;

    PhiGradient(PhiShape s, DType dtype) {
        k = new Mat[s.nTh()];
        b = new double[s.nTh()][s.m()];
        for (int i = 0; i < s.nTh(); i++) k[i] = Mat.create(dtype, s.m(), s.fanIn(i));
        w = new double[s.m()];
        cw = new double[s.d() + 1];
        boolean low = PhiHostMath.lowRank(s.r(), s.d() + 1);
        mBar = low ? null : Mat.create(dtype, s.d() + 1, s.d() + 1);
        aBar = low ? Mat.create(dtype, s.r(), s.d() + 1) : null;
    }

    void clear() {
        for (Mat x : k) x.fill(0);
        for (double[] x : b) java.util.Arrays.fill(x, 0);
        java.util.Arrays.fill(w, 0);
        java.util.Arrays.fill(cw, 0);
        if (mBar != null) mBar.fill(0);
        if (aBar != null) aBar.fill(0);
        traceBar = 0;
    }

    /** grad += this, in the flat layout of {@code p}. */
    void addTo(PhiParams p, double[] grad) {
        PhiShape s = p.shape;
        for (int i = 0; i < s.nTh(); i++) {
            k[i].addTo(grad, p.tensor(PhiParams.layerWeight(i)).offset());
            add(b[i], grad, p.tensor(PhiParams.layerBias(i)).offset());
        }
        add(w, grad, p.tensor("w.weight").offset());
        add(cw, grad, p.tensor("c.weight").offset());
        int aOff = p.tensor("A").offset();
        if (mBar != null) {
            PhiHostMath.addGramAdjoint(p.data, aOff, s.r(), s.d() + 1, mBar.toArray(), grad, aOff);
        } else {
            // trace(M[:d,:d]) = sum_{q, i<d} A[q,i]^2, so its weight adds 2 traceBar A[q,i] for i < d
            int d1 = s.d() + 1;
            aBar.addTo(grad, aOff);
            for (int q = 0; q < s.r(); q++) {
                for (int i = 0; i < s.d(); i++) grad[aOff + q * d1 + i] += 2 * traceBar * p.data[aOff + q * d1 + i];
            }
        }
    }

    private static void add(double[] src, double[] dst, int off) {
        for (int i = 0; i < src.length; i++) dst[off + i] += src[i];
    }
}
