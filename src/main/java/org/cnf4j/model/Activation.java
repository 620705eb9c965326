package org.cnf4j.model;

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

    /** tanh(u) to float precision: Eigen's rational approximation on [-7.9, 7.9]. */
    public static double tanhSingle(double u) {
        double x = Math.max(-7.90531110763549805, Math.min(7.90531110763549805, u));
        if (Math.abs(x) < 4e-4) return x;
        double x2 = x * x;
        double p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13;
        p = x2 * p + -8.60467152213735e-11;
        p = x2 * p + 5.12229709037114e-08;
        p = x2 * p + 1.48572235717979e-05;
        p = x2 * p + 6.37261928875436e-04;
        p = x2 * p + 4.89352455891786e-03;
        p = x * p;
        double q = x2 * 1.19825839466702e-06 + 1.18534705686654e-04;
        q = x2 * q + 2.26843463243900e-03;
        q = x2 * q + 4.89352518554385e-03;
        return p / q;
    }

    /** act(u) to float precision from t = tanh(u): |u| + log 2 - log1p(|t|), log1p by its atanh series. */
    public static double actSingle(double u, double t) {
        double at = Math.abs(t);
        double y = at / (2 + at); // in [0, 1/3)
        double y2 = y * y;
        double s = 1 + y2 * (1.0 / 3 + y2 * (1.0 / 5 + y2 * (1.0 / 7 + y2 * (1.0 / 9 + y2 * (1.0 / 11 + y2 * (1.0 / 13 + y2 * (1.0 / 15)))))));
        return Math.abs(u) + LOG2 - 2 * y * s;
    }
}
