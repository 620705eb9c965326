package org.cnf4j.eval;

import java.util.SplittableRandom;
import org.cnf4j.model.PhiParams;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.ode.Tableau;

/**
 * A trained OT-Flow map F (data at t=0 to N(0, I) at t=1) with what users ask of it: log-densities,
 * samples by the inverse flow, and the inverse error. All per-sample work goes to the engine.
 */
public final class FlowModel {
    private final FlowEngine engine;
    private final PhiParams params;
    private final double a0;
    private final Tableau tableau;
    private final int d;

    public FlowModel(FlowEngine engine, PhiParams params, double a0, Tableau tableau) {
        if (!engine.shape().equals(params.shape)) throw new IllegalArgumentException("engine and model shapes differ");
        this.engine = engine;
        this.params = params;
        this.a0 = a0;
        this.tableau = tableau;
        this.d = params.shape.d();
    }

    /** Augmented start states [x, 0, 0, 0]. */
    private double[] augment(double[] x, int n) {
        if (x.length != n * d) throw new IllegalArgumentException("expected " + n + " x " + d + " values, got " + x.length);
        double[] z = new double[n * (d + 3)];
        for (int i = 0; i < n; i++) System.arraycopy(x, i * d, z, i * (d + 3), d);
        return z;
    }

    /** End states [F(x), l, v, r] of the forward flow (n x (d+3)). */
    public double[] forward(double[] x, int n, int nt) { return engine.integrate(params, augment(x, n), n, 0, 1, nt, tableau, a0); }

    /** This map integrated with {@code nt} fixed steps of its tableau, as a {@link Flow}. */
    public Flow steps(int nt) {
        if (nt < 1) throw new IllegalArgumentException("nt must be >= 1, got " + nt);
        return new Flow() {
            @Override public int dimension() { return d; }

            @Override public double[] push(double[] x, int n, double[] logDet) {
                double[] z = forward(x, n, nt);
                double[] y = new double[n * d];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(z, i * (d + 3), y, i * d, d);
                    if (logDet != null) logDet[i] = z[i * (d + 3) + d];
                }
                return y;
            }

            /** l integrated from 1 back to 0 is minus the log-determinant of F at the point reached. */
            @Override public double[] pull(double[] y, int n, double[] logDet) {
                double[] x = inverse(y, n, nt, logDet);
                if (logDet != null) for (int i = 0; i < n; i++) logDet[i] = -logDet[i];
                return x;
            }
        };
    }

    /** log p(x) = log N(F(x)) + l(1) per sample, in nats. */
    public double[] logDensity(double[] x, int n, int nt) { return steps(nt).logDensity(x, n); }

    /** F^{-1}(y) by integrating from t=1 back to t=0 (n x d); {@code logDet}, if given, gets l(0) per sample. */
    public double[] inverse(double[] y, int n, int nt, double[] logDet) {
        double[] z = engine.integrate(params, augment(y, n), n, 1, 0, nt, tableau, a0);
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(z, i * (d + 3), x, i * d, d);
            if (logDet != null) logDet[i] = z[i * (d + 3) + d];
        }
        return x;
    }

    /**
     * n samples of the model: y ~ N(0, I) pushed through F^{-1}. With {@code logp} (length n), also
     * their log-densities log N(y) - l, where l is the log-determinant accumulated backwards.
     */
    public double[] sample(int n, int nt, long seed, double[] logp) { return steps(nt).sample(n, seed, logp); }

    /** mean |x - F^{-1}(F(x))| over all coordinates. */
    public double inverseError(double[] x, int n, int nt) { return steps(nt).inverseError(x, n); }

    public int dimension() { return d; }

    /** {@code len} N(0, 1) draws from SplittableRandom(seed): the draws {@link #sample} pushes through F^{-1}. */
    public static double[] gaussians(int len, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] y = new double[len];
        for (int i = 0; i < len; i++) y[i] = gaussian(rng);
        return y;
    }

    /** One N(0, 1) draw (Marsaglia's polar method). */
    private static double gaussian(SplittableRandom r) {
        double u, v, q;
        do {
            u = 2 * r.nextDouble() - 1;
            v = 2 * r.nextDouble() - 1;
            q = u * u + v * v;
        } while (q >= 1 || q == 0);
        return u * Math.sqrt(-2 * Math.log(q) / q);
    }
}
