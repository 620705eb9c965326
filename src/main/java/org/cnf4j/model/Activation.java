package org.cnf4j.model;

/**
 * The activation act(u) = log(2 cosh u) and its derivative tanh (ALGORITHMS.md section 2), in two
 * accuracies. {@code Math.tanh} costs 30-40 ns here (not an intrinsic) and these two functions are
 * most of the element-wise time, so:
 * <ul>
 *   <li>exact (float64 engine): tanh from one {@code Math.exp} (relative error below 1e-13; a Taylor
 *       polynomial below |u| = 1e-3 where 1 - exp(-2|u|) would cancel), act from the same exponential;</li>
 *   <li>float (float32 engine, in float arithmetic so that the loops vectorise): a rational minimax tanh
 *       (Eigen's, a few float ulp) and act = |u| + log 2 - log1p(|tanh u|) with log1p from its atanh series,
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

    private static final float CLAMP = 7.90531110763549805f;

    /**
     * tanh(u) in float arithmetic (absolute error below 5e-7, a few float ulp): Eigen's rational minimax
     * approximation on [-7.9, 7.9], polynomials by Estrin's scheme. The clamp is {@code Math.min/max}, which C2
     * vectorises; a conditional clamp compiled to branches that mispredicted on every other sample (measured 5 ns
     * against 1 ns per element, and the earlier one-thread toy timings were bimodal on that).
     */
    public static float tanhFloat(float u) {
        float x = Math.min(CLAMP, Math.max(-CLAMP, u));
        float x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;
        float p01 = 4.89352455891786e-03f + x2 * 6.37261928875436e-04f;
        float p23 = 1.48572235717979e-05f + x2 * 5.12229709037114e-08f;
        float p45 = -8.60467152213735e-11f + x2 * 2.00018790482477e-13f;
        float p = x * ((p01 + x4 * p23) + x8 * (p45 + x4 * -2.76076847742355e-16f));
        float q = (4.89352518554385e-03f + x2 * 2.26843463243900e-03f) + x4 * (1.18534705686654e-04f + x2 * 1.19825839466702e-06f);
        return p / q;
    }

    /**
     * act(u) in float arithmetic from t = tanh(u): |u| + log 2 - log1p(|t|), with log1p(t) = 2 atanh(t / (2 + t))
     * by its series (y below 1/3, so eight terms reach float precision); no exp or log.
     */
    public static float actFloat(float u, float t) {
        float at = Math.abs(t);
        float y = at / (2 + at);
        float y2 = y * y, y4 = y2 * y2, y8 = y4 * y4;
        float series = (1 + y2 * (1f / 3)) + y4 * (1f / 5 + y2 * (1f / 7))
                + y8 * ((1f / 9 + y2 * (1f / 11)) + y4 * (1f / 13 + y2 * (1f / 15)));
        return Math.abs(u) + (float) LOG2 - 2 * y * series;
    }
}
