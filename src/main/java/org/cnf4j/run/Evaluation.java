package org.cnf4j.run;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.eval.AdaptiveFlow;
import org.cnf4j.eval.Flow;
import org.cnf4j.eval.FlowModel;
import org.cnf4j.eval.Mmd;
import org.cnf4j.model.PhiParams;
import org.cnf4j.ode.Tableau;
import org.cnf4j.plot.Charts;

/**
 * What {@code cnf4j eval} measures on a model's test rows (in the model's standardised space): what the OT-Flow
 * reference's evaluateLargeOTflow.py reports (the test costs L, C, R and J, the NLL, the inverse error, the MMD
 * between test rows and samples, the parameter count and the times), and JKO-Flow's per-map protocol.
 *
 * <p><b>Costs.</b> With fixed-step RK4, one forward integration per map gives every sample's transport cost L, HJB
 * penalty R and log-determinant; C is the NLL and {@code J = a0 L + a1 C + a2 R}. For a JKO-Flow model L and R are
 * summed over its maps (each map measured on the rows the maps before it pushed) and C is the composed NLL. The
 * NLL is computed as {@code cnf4j logp} computes log p, bit for bit. With the adaptive integrator only the NLL is
 * measured (the costs are those of fixed steps).
 *
 * <p><b>Per map</b> (k = 0..K, the JKO-Flow reference's EvaluateToy/EvaluateMiniboone protocol): the MMD between the
 * test rows and y ~ N(0, I) pulled back through the last k maps (F_{K-k+1}^{-1} o ... o F_K^{-1}), so k = 0 compares
 * the data with the Gaussian and k = K with the model's own samples (the same samples as the overall MMD); and, where
 * the density is defined by the first k maps, the NLL of the model F_k o ... o F_1 (k = 0: the standard normal), with
 * map k's own L and R.
 */
public final class Evaluation {
    private Evaluation() {}

    /** The MMD estimator: the unbiased U-statistic, or the biased V-statistic the JKO-Flow reference uses for large samples. */
    public enum Estimator { UNBIASED, BIASED }

    /**
     * @param nt         RK4 steps per map (ignored when adaptive)
     * @param mmdScale   kernel length scale h: k = exp(-|x - y|^2 / h^2)
     * @param mmdColumns the columns (0-based) the MMD compares, or null for all
     */
    public record Options(int nt, boolean adaptive, double rtol, double atol, double mmdScale, int[] mmdColumns, Estimator estimator,
                          long seed, boolean perMap) {}

    /** L, C, R and J = a0 L + a1 C + a2 R, means over the test rows. */
    public record Costs(double l, double c, double r, double j) {}

    /** The state after k maps (see the class comment); l and r are map k's (NaN for k = 0). */
    public record MapStep(int k, double nll, double mmd, double l, double r) {}

    /**
     * The measurements; {@code costs} is null for the adaptive integrator, {@code evaluations} is its number of
     * derivative evaluations (-1 for RK4), {@code perMap} is empty unless asked for.
     */
    public record Result(double nll, Costs costs, double inverseError, double mmd, long parameters, long evaluations, List<MapStep> perMap,
                         double secondsNll, double secondsInverse, double secondsMmd, double secondsTotal) {}

    /**
     * Evaluates {@code m} on the n test rows {@code test} (model space) and, for the inverse error and the MMD, on the
     * first {@code nm} of them against nm samples.
     */
    public static Result run(RunModel m, FlowEngine e, double[] test, int n, int nm, Options o) {
        int d = m.d();
        if (o.perMap() && o.adaptive()) throw new IllegalArgumentException("--per-map measures fixed RK4 steps; drop --adaptive");
        if (nm < 2 || nm > n) throw new IllegalArgumentException("the MMD needs between 2 and " + n + " rows, got " + nm);
        double[] sub = Arrays.copyOf(test, nm * d);
        long t0 = System.nanoTime();
        double nll;
        Costs costs = null;
        List<double[]> perMapCosts = new ArrayList<>();   // per map k: {nll after maps 1..k, L_k, R_k}
        List<AdaptiveFlow> adaptiveMaps = new ArrayList<>();
        Flow f;
        if (o.adaptive()) {
            f = m.adaptiveFlow(e, o.rtol(), o.atol(), adaptiveMaps);
            nll = -mean(f.logDensity(test, n));
        } else {
            f = m.flow(e, o.nt());
            costs = costs(m, e, test, n, o.nt(), perMapCosts);
            nll = costs.c();
        }
        double tNll = seconds(t0);
        long t1 = System.nanoTime();
        double invErr = f.inverseError(sub, nm);
        double tInv = seconds(t1);
        long t2 = System.nanoTime();
        double[] y = FlowModel.gaussians(nm * d, o.seed());
        double[] samples = f.pull(y, nm, null);   // what Flow.sample(nm, seed) draws
        double mmd = mmd(sub, samples, d, o);
        double tMmd = seconds(t2);
        List<MapStep> steps = o.perMap() ? perMap(m, e, sub, y, nm, o, perMapCosts, samples) : List.of();
        long evals = o.adaptive() ? adaptiveMaps.stream().mapToLong(AdaptiveFlow::evaluations).sum() : -1;
        long params = 0;
        for (PhiParams p : m.maps()) params += p.size();
        return new Result(nll, costs, invErr, mmd, params, evals, steps, tNll, tInv, tMmd, seconds(t0));
    }

    /**
     * One forward integration per map: per-sample L, R and log-determinants; the NLL as {@link Flow#logDensity}
     * computes it (the log-determinants summed in map order, then log N(F(x)) added), the same bits.
     */
    private static Costs costs(RunModel m, FlowEngine e, double[] test, int n, int nt, List<double[]> perMap) {
        int d = m.d(), w = d + 3;
        double a0 = m.alpha().a0();
        double[] x = test, logDet = new double[n];
        double sumL = 0, sumR = 0;
        for (PhiParams p : m.maps()) {
            double[] z = new FlowModel(e, p, a0, Tableau.RK4).forward(x, n, nt);
            double[] next = new double[n * d];
            double l = 0, r = 0;
            for (int i = 0; i < n; i++) {
                System.arraycopy(z, i * w, next, i * d, d);
                logDet[i] += z[i * w + d];
                l += z[i * w + d + 1];
                r += z[i * w + d + 2];
            }
            x = next;
            perMap.add(new double[] {-meanLogDensity(x, logDet, n, d), l / n, r / n});
            sumL += l / n;
            sumR += r / n;
        }
        double c = perMap.get(perMap.size() - 1)[0];
        return new Costs(sumL, c, sumR, m.alpha().a0() * sumL + m.alpha().a1() * c + m.alpha().a2() * sumR);
    }

    /** mean of log N(y) + logDet over the rows, summed as {@code cnf4j logp}'s mean. */
    private static double meanLogDensity(double[] y, double[] logDet, int n, int d) {
        double logNorm = 0.5 * d * Math.log(2 * Math.PI);
        double[] lp = new double[n];
        for (int i = 0; i < n; i++) {
            double sq = 0;
            for (int q = 0; q < d; q++) sq += y[i * d + q] * y[i * d + q];
            lp[i] = -0.5 * sq - logNorm + logDet[i];
        }
        return mean(lp);
    }

    private static List<MapStep> perMap(RunModel m, FlowEngine e, double[] sub, double[] y, int nm, Options o, List<double[]> costs,
                                        double[] samples) {
        int d = m.d(), k = m.maps().size();
        List<MapStep> out = new ArrayList<>();
        out.add(new MapStep(0, standardNormalNll(sub, nm, d), mmd(sub, y, d, o), Double.NaN, Double.NaN));
        double[] cur = y;
        for (int j = 1; j <= k; j++) {
            PhiParams map = m.maps().get(k - j);
            // the last map's pull-back is the model's sample: reuse it, so the k = K entry is the overall MMD exactly
            cur = j == k ? samples : new FlowModel(e, map, m.alpha().a0(), Tableau.RK4).steps(o.nt()).pull(cur, nm, null);
            double[] c = costs.get(j - 1);
            out.add(new MapStep(j, c[0], mmd(sub, cur, d, o), c[1], c[2]));
        }
        return out;
    }

    /**
     * The per-map metrics against k as one PNG: the NLL of the first k maps' model and the MMD of the samples pulled
     * back through the last k maps (see the class comment).
     */
    public static void plotPerMap(List<MapStep> steps, Path png) throws IOException {
        if (steps.isEmpty()) throw new IllegalArgumentException("no per-map results to plot");
        int n = steps.size();
        double[] k = new double[n], nll = new double[n], mmd = new double[n];
        for (int i = 0; i < n; i++) {
            k[i] = steps.get(i).k();
            nll[i] = steps.get(i).nll();
            mmd[i] = steps.get(i).mmd();
        }
        Charts c = new Charts(2, 1);
        c.panel(0, 0, 0, n - 1, min(nll), max(nll)).frame("NLL of the first k maps (nats)", "k", "test NLL")
                .line(k, nll, new Color(0x1f77b4), 2f).points(k, nll, new Color(0x1f77b4), 5);
        c.panel(1, 0, 0, n - 1, Math.min(0, min(mmd)), max(mmd)).frame("MMD^2, y pulled back through the last k maps", "k", "MMD^2")
                .line(k, mmd, new Color(0xd62728), 2f).points(k, mmd, new Color(0xd62728), 5);
        c.write(png);
    }

    private static double min(double[] a) {
        double m = Double.POSITIVE_INFINITY;
        for (double v : a) if (Double.isFinite(v)) m = Math.min(m, v);
        return Double.isFinite(m) ? m : 0;
    }

    private static double max(double[] a) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : a) if (Double.isFinite(v)) m = Math.max(m, v);
        return Double.isFinite(m) ? m : 1;
    }

    private static double standardNormalNll(double[] x, int n, int d) { return -meanLogDensity(x, new double[n], n, d); }

    /** The MMD of the options: their columns, scale and estimator. */
    static double mmd(double[] a, double[] b, int d, Options o) {
        double[] x = a, y = b;
        int dd = d;
        if (o.mmdColumns() != null) {
            x = Mmd.columns(a, d, o.mmdColumns());
            y = Mmd.columns(b, d, o.mmdColumns());
            dd = o.mmdColumns().length;
        }
        if (o.mmdScale() != 1) {
            x = scaled(x, o.mmdScale());
            y = scaled(y, o.mmdScale());
        }
        return o.estimator() == Estimator.BIASED ? Mmd.mmd2Biased(x, y, dd) : Mmd.mmd2(x, y, dd);
    }

    private static double[] scaled(double[] a, double h) {
        double[] b = new double[a.length];
        for (int i = 0; i < a.length; i++) b[i] = a[i] / h;
        return b;
    }

    static double mean(double[] a) {
        double s = 0;
        for (double v : a) s += v;
        return a.length == 0 ? Double.NaN : s / a.length;
    }

    private static double seconds(long t0) { return (System.nanoTime() - t0) / 1e9; }
}
