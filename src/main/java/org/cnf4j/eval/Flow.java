package org.cnf4j.eval;

/**
 * A normalising flow F from data to N(0, I) with its log-determinant, bound to an integrator: what
 * eval, logp, sample and plot need, whether the model is one OT-Flow map (fixed-step RK4 or adaptive)
 * or a JKO-Flow composition of several.
 */
public interface Flow {
    int dimension();

    /** F(x) (n x d); {@code logDet} (length n), if given, receives log|det dF/dx| per sample. */
    double[] push(double[] x, int n, double[] logDet);

    /** F^{-1}(y) (n x d); {@code logDet}, if given, receives log|det dF/dx| at the point x reached. */
    double[] pull(double[] y, int n, double[] logDet);

    /** log p(x) = log N(F(x)) + log|det dF/dx| per sample, in nats. */
    default double[] logDensity(double[] x, int n) {
        double[] logDet = new double[n];
        double[] y = push(x, n, logDet);
        double[] out = logNormal(y, n, dimension());
        for (int i = 0; i < n; i++) out[i] += logDet[i];
        return out;
    }

    /** The mean of {@link #logDensity} over the rows: minus the NLL. */
    default double meanLogDensity(double[] x, int n) {
        double s = 0;
        for (double v : logDensity(x, n)) s += v;
        return s / n;
    }

    /** n samples F^{-1}(y), y ~ N(0, I) from {@link FlowModel#gaussians}; with {@code logp} (length n) also their log-densities. */
    default double[] sample(int n, long seed, double[] logp) {
        int d = dimension();
        double[] y = FlowModel.gaussians(n * d, seed);
        double[] logDet = logp == null ? null : new double[n];
        double[] x = pull(y, n, logDet);
        if (logp != null) {
            double[] ly = logNormal(y, n, d);
            for (int i = 0; i < n; i++) logp[i] = ly[i] + logDet[i];
        }
        return x;
    }

    /** mean |x - F^{-1}(F(x))| over all coordinates. */
    default double inverseError(double[] x, int n) {
        double[] back = pull(push(x, n, null), n, null);
        double s = 0;
        for (int i = 0; i < back.length; i++) s += Math.abs(back[i] - x[i]);
        return s / back.length;
    }

    /** log N(y; 0, I) per row. */
    static double[] logNormal(double[] y, int n, int d) {
        double logNorm = 0.5 * d * Math.log(2 * Math.PI);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double sq = 0;
            for (int q = 0; q < d; q++) sq += y[i * d + q] * y[i * d + q];
            out[i] = -0.5 * sq - logNorm;
        }
        return out;
    }
}
