package org.cnf4j.model;

import org.cnf4j.backend.DType;
import org.cnf4j.backend.Mat;

/**
 * Accumulators for dLoss/dparameter of one worker, in the engine precision (the K_i parts are BLAS
 * outputs). {@link #addTo} folds them into a flat double vector in the layout of {@link PhiParams},
 * turning the accumulated dLoss/dM (M = A^T A) into dLoss/dA = A (Mbar + Mbar^T).
 */
final class PhiGradient {
    final Mat[] k;
    final double[][] b;
    final double[] w;
    final double[] cw;
    /** dLoss/dM, M = A^T A. */
    final Mat mBar;

    PhiGradient(PhiShape s, DType dtype) {
        k = new Mat[s.nTh()];
        b = new double[s.nTh()][s.m()];
        for (int i = 0; i < s.nTh(); i++) k[i] = Mat.create(dtype, s.m(), s.fanIn(i));
        w = new double[s.m()];
        cw = new double[s.d() + 1];
        mBar = Mat.create(dtype, s.d() + 1, s.d() + 1);
    }

    void clear() {
        for (Mat x : k) x.fill(0);
        for (double[] x : b) java.util.Arrays.fill(x, 0);
        java.util.Arrays.fill(w, 0);
        java.util.Arrays.fill(cw, 0);
        mBar.fill(0);
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
        PhiHostMath.addGramAdjoint(p.data, aOff, s.r(), s.d() + 1, mBar.toArray(), grad, aOff);
    }

    private static void add(double[] src, double[] dst, int off) {
        for (int i = 0; i < src.length; i++) dst[off + i] += src[i];
    }
}
