package org.cnf4j.model;

/**
 * The small host-side arithmetic on the weights that every engine does once per step, written once so
 * that the CPU engine ({@link PhiWeights}, {@link PhiGradient}) and the GPU engine (which uploads the
 * results) compute the same numbers bit for bit: the summation orders here are part of the results
 * (the reference fixture and the emulated GPU engine are compared with them).
 *
 * <p>All matrices are row-major double arrays. Callers round the inputs to the engine precision
 * first where the engine stores them in that precision.
 */
public final class PhiHostMath {
    private PhiHostMath() {}

    /**
     * M = A^T A for A (r x d1, row-major): {@code M[i d1 + j] = sum_q A[q d1 + i] A[q d1 + j]}, summed over
     * q in increasing order. The result is symmetric (the same products in either order).
     */
    public static double[] gram(double[] a, int r, int d1) {
        double[] mm = new double[d1 * d1];
        for (int i = 0; i < d1; i++) {
            for (int j = 0; j < d1; j++) {
                double s = 0;
                for (int q = 0; q < r; q++) s += a[q * d1 + i] * a[q * d1 + j];
                mm[i * d1 + j] = s;
            }
        }
        return mm;
    }

    /** trace(M[:d, :d]) of a d1 x d1 matrix: the x-part of the Hessian trace of the quadratic term, the same for every sample. */
    public static double traceX(double[] mm, int d1, int d) {
        double tr = 0;
        for (int i = 0; i < d; i++) tr += mm[i * d1 + i];
        return tr;
    }

    /**
     * {@code g[j] = sum_{k < cols} a[j ld + k]^2} for the rows x ld matrix a, in increasing k. With K0 and
     * cols = d these are G0_j = |K0x row j|^2, the opening layer's Hessian-trace weights.
     */
    public static double[] squaredRowNorms(double[] a, int rows, int cols, int ld) {
        double[] g = new double[rows];
        for (int j = 0; j < rows; j++) {
            for (int k = 0; k < cols; k++) {
                double v = a[j * ld + k];
                g[j] += v * v;
            }
        }
        return g;
    }

    /**
     * Folds dLoss/dM (M = A^T A, mBar d1 x d1) into dLoss/dA = A (Mbar + Mbar^T):
     * {@code grad[gOff + q d1 + j] += sum_i A[aOff + q d1 + i] (Mbar[i d1 + j] + Mbar[j d1 + i])}, summed over
     * i in increasing order, for the r x d1 matrix A at {@code a[aOff]}.
     */
    public static void addGramAdjoint(double[] a, int aOff, int r, int d1, double[] mBar, double[] grad, int gOff) {
        for (int q = 0; q < r; q++) {
            for (int j = 0; j < d1; j++) {
                double s = 0;
                for (int i = 0; i < d1; i++) s += a[aOff + q * d1 + i] * (mBar[i * d1 + j] + mBar[j * d1 + i]);
                grad[gOff + q * d1 + j] += s;
            }
        }
    }
}
