package org.cnf4j.run;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.cnf4j.data.DataSets;
import org.cnf4j.data.Dataset;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.eval.Flow;
import org.cnf4j.ode.Tableau;
import org.cnf4j.plot.Charts;
import org.cnf4j.plot.TrainingLog;

/**
 * The picture of a run ({@code cnf4j plot}, and the plot.png a training run leaves): in the model's space, for d = 2
 * the learned density as a heat map and test data against samples with a few inverse-flow trajectories; for d > 2
 * the marginals of columns 0-1, 2-3, 4-5; below, the training curves from log.csv.
 */
public final class RunPlot {
    private static final Color DATA = new Color(31, 119, 180, 90), SAMPLE = new Color(214, 39, 40, 90);

    private RunPlot() {}

    /**
     * What to draw: the data to compare with ({@code data} null: the run's own, skipped when it is not available
     * here), the number of samples, the heat-map resolution, the RK4 steps per map ({@code nt} null: the run's
     * nt_val) and the seed of the samples.
     */
    public record Options(String data, int samples, int grid, Integer nt, long seed) {
        public Options {
            if (samples < 1) throw new IllegalArgumentException("--samples must be >= 1, got " + samples);
            if (grid < 2 || grid > 1000) throw new IllegalArgumentException("--grid must be between 2 and 1000, got " + grid);
            if (nt != null && nt < 1) throw new IllegalArgumentException("--nt must be >= 1, got " + nt);
        }

        public static Options defaults() { return new Options(null, 2000, 100, null, 0); }
    }

    /**
     * Draws {@code m} into the PNG file {@code out} (written atomically), with the curves of {@code logFile} if it
     * exists. Returns null, or a one-line note when the run's own data were left out: not available here, or
     * changed since training (data given in {@code o} are drawn or fail).
     */
    public static String draw(RunModel m, Path logFile, Path out, Options o, EngineOptions engine) throws IOException {
        return draw(m, logFile, out, o, engine, null);
    }

    /**
     * As {@link #draw(RunModel, Path, Path, Options, EngineOptions)}, with the run's data already loaded
     * ({@code loaded}, null to load {@code o.data()} or the run's source). A training run passes its own: a pipe or
     * FIFO it was read from cannot be read a second time (a FIFO would block until someone writes to it again).
     */
    static String draw(RunModel m, Path logFile, Path out, Options o, EngineOptions engine, Dataset loaded) throws IOException {
        String data = o.data();
        int samples = o.samples(), grid = o.grid();
        long seed = o.seed();
        Integer nt = o.nt();
        int d = m.d(), steps = nt != null ? nt : m.nt();
        double[] test = null;
        String source = data != null ? data : m.data();
        String note = null;
        String changed = loaded == null && data == null && m.dir() != null && Files.isRegularFile(m.dir().resolve("config.json"))
                ? RunDirectory.open(m.dir()).dataFileChange() : null;
        if (loaded != null && loaded.d() == d) {
            test = Arrays.copyOf(loaded.test(), Math.min(samples, loaded.nTest()) * d);
        } else if (changed != null) {
            note = changed + "; plotted the model without the data (--data " + source + " draws them anyway)";
        } else if (source != null) {
            try {
                Dataset ds = DataSets.isToy(source)
                        ? DataSets.load(source, m.seed(), DataSets.Options.defaults().withToySizes(2, 2, samples))
                        : DataSets.load(source, m.seed());
                if (ds.d() != d) throw new IllegalArgumentException(source + " has " + ds.d() + " columns but the model has dimension d=" + d);
                test = Arrays.copyOf(ds.test(), Math.min(samples, ds.nTest()) * d);
            } catch (IOException | IllegalArgumentException e) {
                if (data != null) throw e;
                test = null;   // the run's data are not available here: plot the model alone, and say so
                note = "the run's data " + source + " are not available here (" + e.getMessage() + "); plotted the model without the data";
            }
        }
        TrainingLog log = logFile != null && Files.isRegularFile(logFile) ? TrainingLog.read(logFile) : null;
        int pairs = d == 2 ? 1 : Math.max(1, Math.min(3, d / 2));
        int cols = d == 2 ? 2 : pairs;
        int curveCols = 2;
        Charts ch = new Charts(Math.max(cols, curveCols), 2);
        try (FlowEngine e = Engines.create(m.shape(), engine)) {
            Flow fm = m.flow(e, steps);
            double[] smp = fm.sample(samples, seed, null);
            if (d == 2) {
                double[] b = bounds(test != null ? test : smp, 2, 0, 1);
                double[] pts = new double[grid * grid * 2];
                for (int gy = 0; gy < grid; gy++) {
                    for (int gx = 0; gx < grid; gx++) {
                        pts[(gy * grid + gx) * 2] = b[0] + (gx + 0.5) * (b[1] - b[0]) / grid;
                        pts[(gy * grid + gx) * 2 + 1] = b[2] + (gy + 0.5) * (b[3] - b[2]) / grid;
                    }
                }
                double[] lp = fm.logDensity(pts, grid * grid);
                double[] dens = new double[lp.length];
                for (int i = 0; i < lp.length; i++) dens[i] = Math.exp(lp[i]);
                ch.panel(0, 0, b[0], b[1], b[2], b[3]).heat(dens, grid, grid).frame("learned density p(x)", "x0", "x1");
                Charts.Panel p = ch.panel(1, 0, b[0], b[1], b[2], b[3]).frame("data (blue) vs samples (red), trajectories", "x0", "x1");
                if (test != null) p.scatter(test, 2, 0, 1, DATA, 3);
                p.scatter(smp, 2, 0, 1, SAMPLE, 3);
                trajectories(e, m, p, steps);
                p.legend(test != null ? List.of("data", "samples") : List.of("samples"), test != null ? List.of(DATA, SAMPLE) : List.of(SAMPLE));
            } else {
                for (int k = 0; k < pairs; k++) {
                    int a = 2 * k, c = Math.min(d - 1, 2 * k + 1);
                    double[] b = bounds(test != null ? test : smp, d, a, c);
                    Charts.Panel p = ch.panel(k, 0, b[0], b[1], b[2], b[3]).frame("marginal x" + a + " vs x" + c, "x" + a, "x" + c);
                    if (test != null) p.scatter(test, d, a, c, DATA, 3);
                    p.scatter(smp, d, a, c, SAMPLE, 3);
                    p.legend(test != null ? List.of("data", "samples") : List.of("samples"), test != null ? List.of(DATA, SAMPLE) : List.of(SAMPLE));
                }
            }
        }
        if (log != null && log.size() > 0) {
            double x1 = log.iter()[log.size() - 1];
            double[] jr = range(tail(log.j()), log.valJ());
            Charts.Panel jp = jr[0] > 0 ? ch.logPanel(0, 1, 0, x1, jr[0], range(log.j(), log.valJ())[1]) : ch.panel(0, 1, 0, x1, jr[0], jr[1]);
            jp.frame("training loss J" + (jr[0] > 0 ? " (log scale)" : ""), "iteration", "J")
                    .line(log.iter(), log.j(), new Color(31, 119, 180), 1.2f)
                    .line(log.valIter(), log.valJ(), new Color(255, 127, 14), 2f)
                    .legend(List.of("train J", "validation J"), List.of(new Color(31, 119, 180), new Color(255, 127, 14)));
            double[] tr = range(tail(log.l()), tail(log.c()), tail(log.r()));
            ch.panel(1, 1, 0, x1, tr[0], tr[1]).frame("terms L (transport), C (NLL), R (HJB)", "iteration", "value")
                    .line(log.iter(), log.l(), new Color(44, 160, 44), 1.2f)
                    .line(log.iter(), log.c(), new Color(148, 103, 189), 1.2f)
                    .line(log.iter(), log.r(), new Color(140, 86, 75), 1.2f)
                    .legend(List.of("L", "C", "R"), List.of(new Color(44, 160, 44), new Color(148, 103, 189), new Color(140, 86, 75)));
        } else {
            ch.note(0, 1, "no training log (log.csv) in this run");
        }
        ch.write(out);
        return note;
    }

    /** A few inverse-flow paths from N(0, I) draws at t=1 back to t=0 (through F_K^-1, ..., F_1^-1 for JKO-Flow). */
    private static void trajectories(FlowEngine e, RunModel m, Charts.Panel p, int steps) {
        int n = 12, d = 2, w = d + 3, maps = m.maps().size();
        double[] y = org.cnf4j.eval.FlowModel.gaussians(n * d, 12345);
        double[][] xs = new double[n][maps * steps + 1], ys = new double[n][maps * steps + 1];
        double[] z0 = new double[n * w];
        for (int i = 0; i < n; i++) {
            z0[i * w] = y[i * d];
            z0[i * w + 1] = y[i * d + 1];
            xs[i][0] = y[i * d];
            ys[i][0] = y[i * d + 1];
        }
        double[] z = z0;
        for (int j = maps - 1, col = 0; j >= 0; j--) {
            for (int k = 1; k <= steps; k++) {
                z = e.integrate(m.maps().get(j), z, n, 1 - (k - 1.0) / steps, 1 - (double) k / steps, 1, Tableau.RK4, m.alpha().a0());
                col++;
                for (int i = 0; i < n; i++) {
                    xs[i][col] = z[i * w];
                    ys[i][col] = z[i * w + 1];
                }
            }
        }
        for (int i = 0; i < n; i++) p.line(xs[i], ys[i], Color.BLACK, 1.2f);
    }

    /** 0.5 / 99.5 percent quantiles of two columns, with a 10 percent margin: {xmin, xmax, ymin, ymax}. */
    static double[] bounds(double[] pts, int d, int a, int c) {
        int n = pts.length / d;
        double[] xa = new double[n], xc = new double[n];
        for (int i = 0; i < n; i++) {
            xa[i] = pts[i * d + a];
            xc[i] = pts[i * d + c];
        }
        double[] ba = quant(xa), bc = quant(xc);
        return new double[] {ba[0], ba[1], bc[0], bc[1]};
    }

    private static double[] quant(double[] v) {
        double[] s = Arrays.stream(v).filter(Double::isFinite).sorted().toArray();
        if (s.length == 0) return new double[] {-1, 1};
        double lo = s[(int) (0.005 * (s.length - 1))], hi = s[(int) Math.ceil(0.995 * (s.length - 1))];
        double m = 0.1 * Math.max(hi - lo, 1e-9);
        return new double[] {lo - m, hi + m};
    }

    /** All but the first 5 percent of a curve (the first iterations would flatten the rest). */
    private static double[] tail(double[] a) {
        return Arrays.copyOfRange(a, a.length / 20, a.length);
    }

    private static double[] range(double[]... arrays) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] a : arrays) for (double v : a) if (Double.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        if (lo > hi) return new double[] {0, 1};
        double m = 0.05 * Math.max(hi - lo, 1e-9);
        return new double[] {lo - m, hi + m};
    }
}
