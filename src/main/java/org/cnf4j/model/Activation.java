package org.cnf4j.model;

import org.cnf4j.backend.Mat;

/**
 * The activation act(u) = log(2 cosh u) and its derivative tanh (ALGORITHMS.md section 2), in two
 * accuracies. {@code Math.tanh} costs 30-40 ns here (not an intrinsic) and these two functions are
 * most of the element-wise time, so:
 * <ul>
 *   <li>exact (float64 engine): tanh from one {@code Math.exp} (relative error below 1e-13; a Taylor
 *       polynomial below |u| = 1e-3 where 1 - exp(-2|u|) would cancel), act from the same exponential;</li>
 *   <li>single (float32 engine): a rational minimax tanh (Eigen's, a few float ulp) and
 *       act = |u| + log 2 - log1p(|tanh u|) with log1p from its atanh series (error below 2e-8),
 *       no exp or log at all.</li>
 * </ul>
 */
public final class Activation {
    private static final double TAYLOR_LIMIT = 1e-3;
    private static final double LOG2 = Math.log(2);

    private Activation() {}

    /** tanh(u), exact to ~1e-13 relative. */
    public static double tanh(double u) {
        return tanhFromExp(u, Math.exp(-2 * Math.abs(u)));
    }

    /** act(u) = |u| + log(1 + exp(-2|u|)), overflow-safe. */
    public static double act(double u) {
        return actFromExp(u, Math.exp(-2 * Math.abs(u)));
    }

    /** tanh(u) given e = exp(-2|u|), exact (shares the exponential with {@link #actFromExp}). */
    public static double tanhFromExp(double u, double e) {
        if (Math.abs(u) < TAYLOR_LIMIT) {
            double u2 = u * u;
            return u * (1 - u2 * (1.0 / 3 - u2 * (2.0 / 15)));
        }
        return Math.copySign((1 - e) / (1 + e), u);
    }

    /** act(u) given e = exp(-2|u|). */
    public static double actFromExp(double u, double e) { return Math.abs(u) + Math.log(1 + e); }

    private static final double CLAMP = 7.90531110763549805;

    /**
     * tanh(u) to float precision (absolute error below 3e-8): Eigen's rational minimax approximation
     * on [-7.9, 7.9], polynomials evaluated by Estrin's scheme (short dependency chains).
     */
    public static double tanhSingle(double u) {
        double x = u > CLAMP ? CLAMP : (u < -CLAMP ? -CLAMP : u);
        double x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;
        double p01 = 4.89352455891786e-03 + x2 * 6.37261928875436e-04;
        double p23 = 1.48572235717979e-05 + x2 * 5.12229709037114e-08;
        double p45 = -8.60467152213735e-11 + x2 * 2.00018790482477e-13;
        double p = x * ((p01 + x4 * p23) + x8 * (p45 + x4 * -2.76076847742355e-16));
        double q = (4.89352518554385e-03 + x2 * 2.26843463243900e-03) + x4 * (1.18534705686654e-04 + x2 * 1.19825839466702e-06);
        return p / q;
    }

    /**
     * act(u) to float precision from t = tanh(u) (relative error below 3e-8):
     * |u| + log 2 - log1p(|t|), with log1p(t) = 2 atanh(t / (2 + t)) by its series.
     */
    public static double actSingle(double u, double t) {
        double at = Math.abs(t);
        double y = at / (2 + at); // in [0, 1/3)
        double y2 = y * y, y4 = y2 * y2, y8 = y4 * y4;
        double series = (1 + y2 * (1.0 / 3)) + y4 * (1.0 / 5 + y2 * (1.0 / 7))
                + y8 * ((1.0 / 9 + y2 * (1.0 / 11)) + y4 * (1.0 / 13 + y2 * (1.0 / 15)));
        return Math.abs(u) + LOG2 - 2 * y * series;
    }

    // ---- block loops: small methods so the JIT compiles each tight loop on its own ----------------

    /** Opening layer: tau = tanh(a), u = act(a) with a = pre + b (row j of an m x cs block gets b_j). */
    static void openingLayer(Mat pre, double[] b, Mat tau, Mat u, int cs, boolean single) {
        if (single) openingSingle(pre, b, tau, u, cs); else openingExact(pre, b, tau, u, cs);
    }

    private static void openingSingle(Mat pre, double[] b, Mat tau, Mat u, int cs) {
        for (int j = 0; j < b.length; j++) {
            double bj = b[j];
            for (int i = j * cs, end = i + cs; i < end; i++) {
                double a = pre.get(i) + bj;
                double t = tanhSingle(a);
                tau.set(i, t);
                u.set(i, actSingle(a, t));
            }
        }
    }

    private static void openingExact(Mat pre, double[] b, Mat tau, Mat u, int cs) {
        for (int j = 0; j < b.length; j++) {
            double bj = b[j];
            for (int i = j * cs, end = i + cs; i < end; i++) {
                double a = pre.get(i) + bj;
                double e = Math.exp(-2 * Math.abs(a));
                tau.set(i, tanhFromExp(a, e));
                u.set(i, actFromExp(a, e));
            }
        }
    }

    /** Residual layer: tau = tanh(a); when uOut is given, uOut = uPrev + h act(a). */
    static void residualLayer(Mat pre, double[] b, Mat tau, Mat uPrev, Mat uOut, double h, int cs, boolean single) {
        if (uOut == null) {
            if (single) tanhOnlySingle(pre, b, tau, cs); else tanhOnlyExact(pre, b, tau, cs);
            return;
        }
        for (int j = 0; j < b.length; j++) {
            double bj = b[j];
            for (int i = j * cs, end = i + cs; i < end; i++) {
                double a = pre.get(i) + bj;
                double t = single ? tanhSingle(a) : tanh(a);
                tau.set(i, t);
                uOut.set(i, uPrev.get(i) + h * (single ? actSingle(a, t) : act(a)));
            }
        }
    }

    private static void tanhOnlySingle(Mat pre, double[] b, Mat tau, int cs) {
        for (int j = 0; j < b.length; j++) {
            double bj = b[j];
            for (int i = j * cs, end = i + cs; i < end; i++) tau.set(i, tanhSingle(pre.get(i) + bj));
        }
    }

    private static void tanhOnlyExact(Mat pre, double[] b, Mat tau, int cs) {
        for (int j = 0; j < b.length; j++) {
            double bj = b[j];
            for (int i = j * cs, end = i + cs; i < end; i++) tau.set(i, tanh(pre.get(i) + bj));
        }
    }
}
