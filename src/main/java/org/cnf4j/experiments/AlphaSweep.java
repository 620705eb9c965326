package org.cnf4j.experiments;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.cnf4j.data.ToyData;
import org.cnf4j.eval.Flow;
import org.cnf4j.eval.FlowModel;
import org.cnf4j.eval.Mmd;
import org.cnf4j.model.PhiParams;
import org.cnf4j.ode.Alpha;
import org.cnf4j.ode.Tableau;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.plot.Charts;
import org.cnf4j.run.Recipe;
import org.cnf4j.run.TrainingOptions;

/**
 * Experiment 1: OT-Flow with a1 in a list versus JKO-Flow with the same fixed a1 and K subproblems, on toy data,
 * at an equal total iteration budget (or, with {@code perMapBudget}, the whole budget for every map as the papers run
 * it). alpha = (1, a1, a2): a2 held fixed ({@code a2Fixed}), so that only the weight of the transport cost changes, or
 * scaled with a1 ({@code a2Fixed} null: a2 = a2Ratio * a1, the balance of the toy recipes of both papers, a2 / a1 =
 * 0.05), which moves the HJB weight along with it. Every cell: test NLL on fresh samples, KL = NLL - entropy where the entropy is known, MMD^2
 * between samples and test points, inverse error, iterations run and training wall time. Cells run in parallel,
 * one engine thread each; results do not depend on the number of workers.
 */
public final class AlphaSweep implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** The sweep's settings; {@link #defaults} is what experiments/README.md reports, {@link #quick} a smoke version. */
    public record Settings(List<String> datasets, List<Double> a1s, List<Integer> ks, int budget, int width, int batch, int nt, int ntEval,
                           double lr, double a2Ratio, Double a2Fixed, boolean perMapBudget, boolean carryAdam, int resampleEvery, int valEvery, int nVal,
                           int nTest, int nMmd, int grid, List<Long> seeds, int workers)
            implements java.io.Serializable {
        /** The HJB weight held fixed by default: the toy recipe's (1, 100, 5) at a1 = 100. */
        public static final double A2 = 5;

        public static Settings defaults() {
            return new Settings(List.of("8gaussians", "checkerboard", "swissroll"), List.of(1.0, 5.0, 10.0, 50.0, 100.0), List.of(3, 5, 10),
                    600, 16, 1000, 6, 8, 0.02, 0.05, A2, false, false, 10, 30, 2000, 10000, 2000, 60, List.of(0L, 1L, 2L), 2);
        }

        public static Settings quick() {
            return new Settings(List.of("8gaussians"), List.of(1.0, 100.0), List.of(2), 8, 8, 64, 2, 2, 0.02, 0.05, A2, false, false, 2, 2, 64, 200, 100,
                    8, List.of(0L), 2);
        }

        /** The cell's alpha = (1, a1, a2). */
        public Alpha alpha(double a1) { return new Alpha(1, a1, a2Fixed != null ? a2Fixed : a2Ratio * a1); }

        /** Iterations of each of K maps (K = 0: OT-Flow's whole budget). */
        public int itersPerMap(int k) { return k == 0 || perMapBudget ? budget : Recipe.perSubproblem(budget, k); }

        /**
         * The command line's settings: {@link #defaults} (or {@link #quick}) with the options a user may change (null:
         * unchanged), each checked.
         */
        public static Settings of(boolean quick, Integer budget, Integer workers, List<String> datasets, List<Long> seeds) {
            return of(quick, budget, workers, datasets, seeds, null, null, null, null, null);
        }

        /**
         * {@link #of(boolean, Integer, Integer, List, List)} with the protocol's choices: {@code a2} a number (held fixed)
         * or "scaled" (a2Ratio * a1), the a1 and K lists, and JKO-Flow's budget ("total" or "per-map") and optimiser
         * ("reset" or "carry").
         */
        public static Settings of(boolean quick, Integer budget, Integer workers, List<String> datasets, List<Long> seeds, String a2,
                                  List<Double> a1s, List<Integer> ks, String jkoBudget, String jkoAdam) {
            Settings d = quick ? quick() : defaults();
            Double fixed = d.a2Fixed();
            if (a2 != null) {
                if (a2.trim().equalsIgnoreCase("scaled")) fixed = null;
                else {
                    try {
                        fixed = Double.parseDouble(a2.trim());
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--a2 must be a number (held fixed) or 'scaled' (0.05 * a1), got '" + a2 + "'");
                    }
                    if (!(fixed >= 0) || !Double.isFinite(fixed)) throw new IllegalArgumentException("--a2 must be >= 0, got " + a2);
                }
            }
            List<Double> as = a1s != null ? List.copyOf(a1s) : d.a1s();
            for (double a : as) if (!(a > 0) || !Double.isFinite(a)) throw new IllegalArgumentException("--a1 values must be > 0, got " + a);
            List<Integer> kk = ks != null ? List.copyOf(ks) : d.ks();
            for (int k : kk) if (k < 1) throw new IllegalArgumentException("--ks values must be >= 1, got " + k);
            boolean perMap = choice(jkoBudget, "--jko-budget", "total", "per-map");
            boolean carry = choice(jkoAdam, "--jko-adam", "reset", "carry");
            if (budget != null && budget < 1) throw new IllegalArgumentException("--budget must be >= 1, got " + budget);
            if (workers != null && workers < 1) throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
            int b = budget != null ? budget : d.budget();
            List<String> ds = datasets != null ? List.copyOf(datasets) : d.datasets();
            for (String name : ds) {
                if (!org.cnf4j.data.DataSets.isToy(name)) throw new IllegalArgumentException("--datasets: '" + name + "' is not a toy data set");
            }
            for (int k : kk) {
                if (!perMap && b < k) throw new IllegalArgumentException("--budget " + b + " is smaller than K=" + k + ": each map needs at least one iteration");
            }
            return new Settings(ds, as, kk, b, d.width(), d.batch(), d.nt(), d.ntEval(), d.lr(), d.a2Ratio(), fixed, perMap, carry, d.resampleEvery(),
                    d.valEvery(), d.nVal(), d.nTest(), d.nMmd(), d.grid(), seeds != null ? List.copyOf(seeds) : d.seeds(), workers != null ? workers : d.workers());
        }

        /** false for the first value (or null), true for the second; anything else is a one-line error. */
        private static boolean choice(String v, String flag, String no, String yes) {
            if (v == null || v.trim().equalsIgnoreCase(no)) return false;
            if (v.trim().equalsIgnoreCase(yes)) return true;
            throw new IllegalArgumentException("unknown " + flag + " '" + v + "': use " + no + " or " + yes);
        }
    }

    /** One cell: a data set, the method (0: OT-Flow, K: JKO-Flow with K maps), a1 and the seed. */
    public record Cell(String dataset, int steps, double a1, long seed) implements java.io.Serializable {}

    /**
     * A cell's metrics, its density on the plotting grid (first seed's panels) and, for JKO-Flow, the MMD^2 of y ~ N(0, I)
     * pulled back through the last k maps, k = 0..K (the last is {@code mmd}; OT-Flow: k = 0, 1).
     */
    public record CellResult(Cell cell, int iterations, double seconds, double nll, double entropy, double mmd, double inverseError, double[] density,
                             double[] mmdPerMap)
            implements java.io.Serializable {
        double kl() { return nll - entropy; }
    }

    private static final double BOX = 4.5;

    private final Settings s;

    public AlphaSweep(Settings s) { this.s = s; }

    /** Trains a list of cells and returns their results in the same order (a thread pool here, Spark tasks in cnf4j-spark). */
    @FunctionalInterface
    public interface Runner {
        List<CellResult> trainAll(AlphaSweep sweep, List<Cell> cells) throws IOException, InterruptedException;
    }

    /**
     * Runs every cell, {@link Settings#workers} at a time on this machine, and writes results.csv, results.md,
     * nll-vs-alpha.png and densities-DATASET.png into {@code out}.
     */
    public List<CellResult> run(Path out, String command) throws IOException, InterruptedException {
        return run(out, command, AlphaSweep::inThreads);
    }

    /** {@link #run(Path, String)} with the cells trained by {@code runner}; the results and files depend only on the cells. */
    public List<CellResult> run(Path out, String command, Runner runner) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        List<Cell> cells = cells();
        Files.createDirectories(out);   // a --out that cannot be a folder fails now, not after hours of training
        List<CellResult> results = runner.trainAll(this, cells);
        for (CellResult r : results) {
            System.out.printf(Locale.ROOT, "%-12s %-14s a1 %6.1f seed %d  NLL %.4f  MMD2 %.2e  %5d iters  %.1fs%n", r.cell().dataset(),
                    FlowRun.methodName(r.cell().steps()), r.cell().a1(), r.cell().seed(), r.nll(), r.mmd(), r.iterations(), r.seconds());
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        write(out, results, command, wall);
        return results;
    }

    public Settings settings() { return s; }

    /** The cells of the sweep, in the order of the result files. */
    public List<Cell> cells() {
        List<Cell> cells = new ArrayList<>();
        for (String ds : s.datasets()) {
            ToyData.entropy(ds);   // fails early on an unknown name
            for (long seed : s.seeds()) {
                for (double a1 : s.a1s()) {
                    cells.add(new Cell(ds, 0, a1, seed));
                    for (int k : s.ks()) cells.add(new Cell(ds, k, a1, seed));
                }
            }
        }
        return cells;
    }

    private static List<CellResult> inThreads(AlphaSweep sweep, List<Cell> cells) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(sweep.s.workers());
        List<Future<CellResult>> futures = new ArrayList<>();
        for (Cell c : cells) futures.add(pool.submit(() -> sweep.runCell(c)));
        pool.shutdown();
        List<CellResult> results = new ArrayList<>();
        try {
            for (Future<CellResult> f : futures) results.add(f.get());
        } catch (ExecutionException e) {
            pool.shutdownNow();
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
        return results;
    }

    /** Trains and evaluates one cell (one engine thread); a pure function of the settings and the cell, wherever it runs. */
    public CellResult runCell(Cell c) {
        TrainingOptions o = new TrainingOptions().data(c.dataset()).width(s.width()).layers(2).alpha(s.alpha(c.a1()).toString())
                .nt(s.nt()).ntVal(s.ntEval()).batch(s.batch()).valBatch(s.nVal()).lr(s.lr()).dropEvery(0).lrDrop(0.5).clamp(0.0)
                .resampleEvery(s.resampleEvery()).valEvery(s.valEvery()).seed(c.seed()).earlyStopping(0).gradTol(0.0);
        if (c.steps() > 0 && s.carryAdam()) o.adam("carry");
        FlowRun run = FlowRun.trainPerMap(o, c.steps(), s.itersPerMap(c.steps()));
        double[] test = ToyData.sample(c.dataset(), s.nTest(), c.seed() + 7919);
        try (CpuFlowEngine e = run.evalEngine()) {
            Flow f = run.flow(e, 1, s.ntEval());
            double nll = -f.meanLogDensity(test, s.nTest());
            double[] sub = java.util.Arrays.copyOf(test, s.nMmd() * 2);
            double[] smp = f.sample(s.nMmd(), c.seed() + 1, null);
            double mmd = Mmd.mmd2(sub, smp, 2);
            // y ~ N(0, I) (the draws f.sample pulled back) through the last k maps, k = 0..K: k = K is the sample above
            List<PhiParams> maps = run.maps();
            double[] perMap = new double[maps.size() + 1];
            double[] cur = FlowModel.gaussians(s.nMmd() * 2, c.seed() + 1);
            perMap[0] = Mmd.mmd2(sub, cur, 2);
            for (int j = 1; j <= maps.size(); j++) {
                cur = j == maps.size() ? smp : new FlowModel(e, maps.get(maps.size() - j), 1, Tableau.RK4).steps(s.ntEval()).pull(cur, s.nMmd(), null);
                perMap[j] = j == maps.size() ? mmd : Mmd.mmd2(sub, cur, 2);
            }
            int nInv = Math.min(1000, s.nTest());
            double inv = f.inverseError(java.util.Arrays.copyOf(test, nInv * 2), nInv);
            double[] pts = new double[s.grid() * s.grid() * 2];
            for (int gy = 0; gy < s.grid(); gy++) {
                for (int gx = 0; gx < s.grid(); gx++) {
                    pts[(gy * s.grid() + gx) * 2] = -BOX + (gx + 0.5) * 2 * BOX / s.grid();
                    pts[(gy * s.grid() + gx) * 2 + 1] = -BOX + (gy + 0.5) * 2 * BOX / s.grid();
                }
            }
            double[] dens = f.logDensity(pts, s.grid() * s.grid());
            for (int i = 0; i < dens.length; i++) dens[i] = Math.exp(dens[i]);
            return new CellResult(c, run.iterations(), run.seconds(), nll, ToyData.entropy(c.dataset()), mmd, inv, dens, perMap);
        }
    }

    private void write(Path out, List<CellResult> results, String command, double wall) throws IOException {
        List<List<String>> rows = new ArrayList<>();
        for (CellResult r : results) {
            Cell c = r.cell();
            Alpha al = s.alpha(c.a1());
            StringBuilder pm = new StringBuilder();
            for (double v : r.mmdPerMap()) pm.append(pm.length() > 0 ? ";" : "").append(ResultFiles.sci(v));
            rows.add(ResultFiles.row(c.dataset(), c.steps() == 0 ? "otflow" : "jko", c.steps() == 0 ? 1 : c.steps(), c.a1(), c.seed(),
                    "1;" + al.a1() + ";" + al.a2(), s.itersPerMap(c.steps()) * Math.max(1, c.steps()), r.iterations(), ResultFiles.num(r.nll(), 4),
                    ResultFiles.num(r.entropy(), 4), ResultFiles.num(r.kl(), 4), ResultFiles.sci(r.mmd()), ResultFiles.sci(r.inverseError()),
                    ResultFiles.num(r.seconds(), 1), pm.toString()));
        }
        ResultFiles.csv(out.resolve("results.csv"), List.of("dataset", "method", "maps", "a1", "seed", "alpha", "budget", "iterations", "test_nll", "entropy",
                "kl", "mmd2", "inverse_error", "train_seconds", "mmd2_per_map"), rows);

        StringBuilder md = new StringBuilder("# Alpha sweep: OT-Flow versus JKO-Flow on toy data\n\n");
        md.append("Each cell: mean test NLL in nats over the seeds ± its standard error (KL = NLL - entropy where the entropy is known) / mean MMD^2. "
                + "Lower is better.\n\n");
        List<String> header = new ArrayList<>(List.of("method"));
        for (double a1 : s.a1s()) header.add("a1 = " + fmtA(a1));
        for (String ds : s.datasets()) {
            double ent = ToyData.entropy(ds);
            md.append("## ").append(ds).append(Double.isNaN(ent) ? "" : String.format(Locale.ROOT, " (entropy %.4f nats)", ent)).append("\n\n");
            List<List<String>> t = new ArrayList<>();
            for (int k : methods()) {
                List<String> r = new ArrayList<>(List.of(FlowRun.methodName(k)));
                for (double a1 : s.a1s()) {
                    double[] nll = stats(results, ds, k, a1, CellResult::nll), mmd = stats(results, ds, k, a1, CellResult::mmd);
                    r.add(ResultFiles.num(nll[0], 3) + (s.seeds().size() > 1 ? " ± " + ResultFiles.num(nll[1], 3) : "")
                            + (Double.isNaN(ent) ? "" : " (" + ResultFiles.num(nll[0] - ent, 3) + ")") + " / " + String.format(Locale.ROOT, "%.1e", mmd[0]));
                }
                t.add(r);
            }
            md.append(ResultFiles.table(header, t)).append('\n');
        }
        md.append("## Sensitivity to alpha\n\n");
        md.append("Per method: the best and the worst mean test NLL over the a1 values, and their difference (the spread); the mean training "
                + "wall time of one cell and the iterations it ran.\n\n");
        List<List<String>> sens = new ArrayList<>();
        for (String ds : s.datasets()) {
            for (int k : methods()) {
                double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY, secs = 0, its = 0;
                int n = 0;
                for (double a1 : s.a1s()) {
                    double m = stats(results, ds, k, a1, CellResult::nll)[0];
                    lo = Math.min(lo, m);
                    hi = Math.max(hi, m);
                }
                for (CellResult r : results) {
                    if (r.cell().dataset().equals(ds) && r.cell().steps() == k) {
                        secs += r.seconds();
                        its += r.iterations();
                        n++;
                    }
                }
                sens.add(ResultFiles.row(ds, FlowRun.methodName(k), ResultFiles.num(lo, 3), ResultFiles.num(hi, 3), ResultFiles.num(hi - lo, 3),
                        ResultFiles.num(secs / n, 1), ResultFiles.num(its / n, 0)));
            }
        }
        md.append(ResultFiles.table(List.of("data", "method", "best NLL", "worst NLL", "spread", "train s / cell", "iterations"), sens)).append('\n');
        md.append("## Settings\n\n");
        md.append(String.format(Locale.ROOT, "- Budget: %s (JKO-Flow: %s per map), Adam lr %s constant%s, "
                + "batch %d redrawn every %d iterations, validation (%d points) every %d iterations; each map is its best by validation loss.%n",
                s.perMapBudget() ? s.budget() + " training iterations for OT-Flow and for every JKO-Flow map (the papers' protocol)"
                        : s.budget() + " training iterations per cell in total", perMap(), s.lr(),
                s.carryAdam() ? " (JKO-Flow: one Adam state through all subproblems)" : " (JKO-Flow: a fresh Adam per subproblem)",
                s.batch(), s.resampleEvery(), s.nVal(), s.valEvery()));
        md.append(String.format(Locale.ROOT, "- Model: m = %d, nTh = 2, float32 training with %d RK4 steps per map; evaluation in float64 with %d steps per map.%n",
                s.width(), s.nt(), s.ntEval()));
        md.append(String.format(Locale.ROOT, "- alpha = (1, a1, %s). Test NLL on %d fresh samples; MMD^2 (kernel exp(-|x-y|^2), the reference's) "
                + "between %d samples and %d test points (per map: y ~ N(0, I) pulled back through the last k maps, in results.csv and "
                + "mmd-per-map.png); inverse error mean|x - F^-1(F(x))| on %d test points.%n",
                s.a2Fixed() != null ? fmtA(s.a2Fixed()) + ", held fixed" : s.a2Ratio() + " * a1", s.nTest(), s.nMmd(), s.nMmd(), Math.min(1000, s.nTest())));
        md.append(String.format(Locale.ROOT, "- Seeds %s: each cell is trained and evaluated once per seed (initial weights, batches, validation and test "
                + "sets); tables give the mean ± standard error over seeds, the density panels show the first seed.%n", s.seeds()));
        md.append(String.format(Locale.ROOT, "- Machine: %s. %d cells run %d at a time, 1 engine thread each; wall time of the whole sweep %.0f s.%n",
                ResultFiles.machine(), results.size(), s.workers(), wall));
        md.append("- Command: `").append(command).append("`\n");
        ResultFiles.write(out.resolve("results.md"), md.toString());
        plotCurves(out.resolve("nll-vs-alpha.png"), results);
        plotMmdPerMap(out.resolve("mmd-per-map.png"), results);
        for (String ds : s.datasets()) plotDensities(out.resolve("densities-" + ds + ".png"), results, ds);
    }

    private String perMap() {
        StringBuilder sb = new StringBuilder();
        for (int k : s.ks()) sb.append(sb.length() == 0 ? "" : ", ").append("K=").append(k).append(": ").append(s.itersPerMap(k));
        return sb.toString();
    }

    private List<Integer> methods() {
        List<Integer> m = new ArrayList<>(List.of(0));
        m.addAll(s.ks());
        return m;
    }

    /** The cell of the first seed. */
    private CellResult find(List<CellResult> rs, String ds, int k, double a1) {
        for (CellResult r : rs) {
            if (r.cell().dataset().equals(ds) && r.cell().steps() == k && r.cell().a1() == a1 && r.cell().seed() == s.seeds().get(0)) return r;
        }
        throw new IllegalStateException("missing cell " + ds + " " + k + " " + a1);
    }

    /** Mean and standard error over seeds of one metric of a (data set, method, a1) cell. */
    private static double[] stats(List<CellResult> rs, String ds, int k, double a1, java.util.function.ToDoubleFunction<CellResult> metric) {
        return ResultFiles.meanSe(rs.stream().filter(r -> r.cell().dataset().equals(ds) && r.cell().steps() == k && r.cell().a1() == a1)
                .mapToDouble(metric).toArray());
    }

    private static String fmtA(double a) { return a == Math.rint(a) ? Long.toString((long) a) : Double.toString(a); }

    private static final Color[] COLORS = {Color.BLACK, new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40),
        new Color(148, 103, 189)};

    /** Test NLL against log10 a1, one panel per data set, one line per method; the entropy as a gray line. */
    private void plotCurves(Path file, List<CellResult> results) throws IOException {
        Charts ch = new Charts(s.datasets().size(), 1);
        double[] xs = s.a1s().stream().mapToDouble(Math::log10).toArray();
        for (int p = 0; p < s.datasets().size(); p++) {
            String ds = s.datasets().get(p);
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (int k : methods()) {
                for (double a1 : s.a1s()) {
                    double m = stats(results, ds, k, a1, CellResult::nll)[0];
                    if (Double.isFinite(m)) {
                        lo = Math.min(lo, m);
                        hi = Math.max(hi, m);
                    }
                }
            }
            double ent = ToyData.entropy(ds);
            if (Double.isFinite(ent)) lo = Math.min(lo, ent);
            double pad = 0.05 * Math.max(hi - lo, 1e-3);
            Charts.Panel panel = ch.panel(p, 0, xs[0], xs[xs.length - 1], lo - pad, hi + pad).frame(ds + ": mean test NLL vs alpha", "log10 a1", "test NLL (nats)");
            if (Double.isFinite(ent)) panel.line(new double[] {xs[0], xs[xs.length - 1]}, new double[] {ent, ent}, Color.GRAY, 1f);
            List<String> names = new ArrayList<>();
            List<Color> colors = new ArrayList<>();
            List<Integer> ms = methods();
            for (int i = 0; i < ms.size(); i++) {
                double[] ys = new double[xs.length];
                for (int j = 0; j < xs.length; j++) ys[j] = stats(results, ds, ms.get(i), s.a1s().get(j), CellResult::nll)[0];
                Color c = COLORS[i % COLORS.length];
                panel.line(xs, ys, c, 2f).points(xs, ys, c, 6);
                names.add(FlowRun.methodName(ms.get(i)));
                colors.add(c);
            }
            if (Double.isFinite(ent)) {
                names.add("entropy");
                colors.add(Color.GRAY);
            }
            panel.legend(names, colors);
        }
        ch.write(file);
    }

    /** Learned densities: one row per method, one column per a1. */
    private void plotDensities(Path file, List<CellResult> results, String ds) throws IOException {
        List<Integer> ms = methods();
        Charts ch = new Charts(s.a1s().size(), ms.size());
        for (int i = 0; i < ms.size(); i++) {
            for (int j = 0; j < s.a1s().size(); j++) {
                CellResult r = find(results, ds, ms.get(i), s.a1s().get(j));
                ch.panel(j, i, -BOX, BOX, -BOX, BOX).heat(r.density(), s.grid(), s.grid())
                        .frame(String.format(Locale.ROOT, "%s, a1=%s: NLL %.3f (seed %d)", FlowRun.methodName(ms.get(i)), fmtA(s.a1s().get(j)), r.nll(),
                                r.cell().seed()), "x0", "x1");
            }
        }
        ch.write(file);
    }

    /**
     * MMD^2 against k (y pulled back through the last k maps), mean over seeds: one panel per data set and K, one line
     * per a1.
     */
    private void plotMmdPerMap(Path file, List<CellResult> results) throws IOException {
        Charts ch = new Charts(s.ks().size(), s.datasets().size());
        for (int row = 0; row < s.datasets().size(); row++) {
            String ds = s.datasets().get(row);
            for (int col = 0; col < s.ks().size(); col++) {
                int k = s.ks().get(col);
                double[][] curves = new double[s.a1s().size()][k + 1];
                double lo = 0, hi = Double.NEGATIVE_INFINITY;
                for (int a = 0; a < s.a1s().size(); a++) {
                    double a1 = s.a1s().get(a);
                    for (int j = 0; j <= k; j++) {
                        int jj = j;
                        curves[a][j] = stats(results, ds, k, a1, r -> r.mmdPerMap()[jj])[0];
                        if (Double.isFinite(curves[a][j])) {
                            lo = Math.min(lo, curves[a][j]);
                            hi = Math.max(hi, curves[a][j]);
                        }
                    }
                }
                double[] xs = new double[k + 1];
                for (int j = 0; j <= k; j++) xs[j] = j;
                Charts.Panel p = ch.panel(col, row, 0, k, lo, Double.isFinite(hi) ? hi : 1)
                        .frame(ds + ", JKO-Flow K=" + k + ": MMD^2 after k maps", "k (maps pulled back)", "MMD^2");
                List<String> names = new ArrayList<>();
                List<Color> colors = new ArrayList<>();
                for (int a = 0; a < s.a1s().size(); a++) {
                    Color c = COLORS[(a + 1) % COLORS.length];
                    p.line(xs, curves[a], c, 2f).points(xs, curves[a], c, 5);
                    names.add("a1 = " + fmtA(s.a1s().get(a)));
                    colors.add(c);
                }
                p.legend(names, colors);
            }
        }
        ch.write(file);
    }
}
