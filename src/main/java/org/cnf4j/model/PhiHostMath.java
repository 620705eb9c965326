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

    /**
     * Whether the CPU kernel applies the quadratic term through A (r x d1) instead of M = A^T A (d1 x d1): M s costs
     * d1^2 per sample and the fold of dLoss/dM into dLoss/dA r d1^2 per chunk, against 2 r d1 per sample for
     * A^T (A s) and its adjoint. At d = 5000 the dense form took 70 s per iteration (the fold alone ran once per chunk of
     * one sample); below d1 = 2r (d < 20) it is the cheaper one and stays as it was, bit for bit.
     */
    public static boolean lowRank(int r, int d1) { return 2 * r < d1; }

    /** trace(M[:d, :d]) with M = A^T A, from A: the same sums in the same order as {@code traceX(gram(a, r, d1), d1, d)}. */
    public static double traceXOfGram(double[] a, int r, int d1, int d) {
        double tr = 0;
        for (int i = 0; i < d; i++) {
            double s = 0;
            for (int q = 0; q < r; q++) s += a[q * d1 + i] * a[q * d1 + i];
            tr += s;
        }
        return tr;
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
