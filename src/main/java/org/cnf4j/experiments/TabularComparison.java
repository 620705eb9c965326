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
import org.cnf4j.baseline.GaussianDensity;
import org.cnf4j.baseline.GaussianMixture;
import org.cnf4j.data.DataSets;
import org.cnf4j.data.Dataset;
import org.cnf4j.eval.Flow;
import org.cnf4j.ode.Alpha;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.plot.Charts;
import org.cnf4j.run.TrainingOptions;

/**
 * Experiment 2: OT-Flow and JKO-Flow on real tabular files (digits, dequantised; breast_cancer) against a
 * full-covariance Gaussian and a Gaussian mixture (components chosen by validation likelihood), test NLL with
 * standard errors over seeds. Each seed shuffles and splits the file anew (DataSets) and seeds the flows' initial
 * weights and batches. NLL is reported in the standardised space the models are trained in and in the data's units.
 */
public final class TabularComparison {

    public record Settings(List<String> sources, List<Long> seeds, int budget, int steps, int width, int maxBatch, int nt, int ntEval, double lr,
                           String alpha, int valEvery, int[] gmmComponents, double reg, int workers) {
        public static Settings defaults() {
            return new Settings(List.of("data/digits.csv", "data/breast_cancer.csv"), List.of(0L, 1L, 2L), 400, 5, 32, 512, 4, 8,
                    0.02, "1,100,15", 20, new int[] {1, 2, 3, 5, 8}, 1e-4, 2);
        }

        public static Settings quick(List<String> sources) {
            return new Settings(sources, List.of(0L, 1L), 6, 2, 8, 64, 2, 2, 0.02, "1,100,15", 3, new int[] {1, 2}, 1e-4, 2);
        }
    }

    static final List<String> METHODS = List.of("OT-Flow", "JKO-Flow", "Gaussian", "GMM");

    record Row(String dataset, String method, long seed, double nll, double nllDataUnits, int iterations, double seconds, String detail) {}

    private final Settings s;

    public TabularComparison(Settings s) { this.s = s; }

    public List<Row> run(Path out, String command) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        List<Dataset> sets = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        for (String src : s.sources()) {
            for (long seed : s.seeds()) {
                Dataset ds = DataSets.load(src, seed);
                if (ds.nTrain() < 2 || ds.nValidation() < 1 || ds.nTest() < 1) throw new IllegalArgumentException(src + ": too few rows to split");
                sets.add(ds);
                rows.addAll(baselines(ds, seed));
            }
        }
        Files.createDirectories(out);   // a --out that cannot be a folder fails now, not after the training
        ExecutorService pool = Executors.newFixedThreadPool(s.workers());
        List<Future<Row>> futures = new ArrayList<>();
        int i = 0;
        for (String src : s.sources()) {
            for (long seed : s.seeds()) {
                Dataset ds = sets.get(i++);
                for (int steps : new int[] {0, s.steps()}) futures.add(pool.submit(() -> flowRow(ds, seed, steps)));
            }
        }
        pool.shutdown();
        try {
            for (Future<Row> f : futures) {
                Row r = f.get();
                rows.add(r);
                System.out.printf(Locale.ROOT, "%-14s %-9s seed %d  test NLL %.3f  (%d iters, %.0fs)%n", r.dataset(), r.method(), r.seed(), r.nll(),
                        r.iterations(), r.seconds());
            }
        } catch (ExecutionException e) {
            pool.shutdownNow();
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
        write(out, rows, command, (System.nanoTime() - t0) / 1e9);
        return rows;
    }

    private static String name(Dataset ds) {
        String n = Path.of(ds.name()).getFileName().toString();
        return n.endsWith(".csv") || n.endsWith(".npy") ? n.substring(0, n.length() - 4) : n;
    }

    private List<Row> baselines(Dataset ds, long seed) {
        int d = ds.d();
        long t0 = System.nanoTime();
        GaussianDensity g = GaussianDensity.fit(ds.train(), ds.nTrain(), d, s.reg());
        double gNll = -g.meanLogDensity(ds.test(), ds.nTest());
        double gSec = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        GaussianMixture m = GaussianMixture.selectByValidation(ds.train(), ds.nTrain(), ds.validation(), ds.nValidation(), d, s.gmmComponents(), s.reg(), seed);
        double mNll = -m.meanLogDensity(ds.test(), ds.nTest());
        double mSec = (System.nanoTime() - t1) / 1e9;
        return List.of(new Row(name(ds), "Gaussian", seed, gNll, gNll + ds.nllOffset(), 0, gSec, "reg " + s.reg()),
                new Row(name(ds), "GMM", seed, mNll, mNll + ds.nllOffset(), m.iterations(), mSec, m.components() + " components"));
    }

    private Row flowRow(Dataset ds, long seed, int steps) {
        int d = ds.d();
        int batch = Math.min(s.maxBatch(), ds.nTrain());
        int nVal = Math.min(ds.nValidation(), 2000);
        TrainingOptions o = new TrainingOptions().dataset(ds).width(s.width()).layers(2).alpha(s.alpha()).nt(s.nt()).ntVal(s.ntEval())
                .batch(batch).valBatch(nVal).lr(s.lr()).dropEvery(0).lrDrop(0.5).clamp(0.0).resampleEvery(1).valEvery(s.valEvery()).seed(seed)
                .earlyStopping(0).gradTol(0.0);
        FlowRun run = FlowRun.train(o, steps, s.budget());
        try (CpuFlowEngine e = run.evalEngine()) {
            Flow f = run.flow(e, Alpha.parse(s.alpha()).a0(), s.ntEval());
            double nll = -f.meanLogDensity(ds.test(), ds.nTest());
            return new Row(name(ds), steps == 0 ? "OT-Flow" : "JKO-Flow", seed, nll, nll + ds.nllOffset(), run.iterations(), run.seconds(),
                    steps == 0 ? "1 map" : steps + " maps");
        }
    }

    /** Mean and standard error (sample std / sqrt(n)) of the rows' NLL. */
    static double[] meanSe(List<Row> rows, boolean dataUnits) {
        return ResultFiles.meanSe(rows.stream().mapToDouble(r -> dataUnits ? r.nllDataUnits() : r.nll()).toArray());
    }

    private void write(Path out, List<Row> rows, String command, double wall) throws IOException {
        List<List<String>> csv = new ArrayList<>();
        for (Row r : rows) {
            csv.add(ResultFiles.row(r.dataset(), r.method(), r.seed(), ResultFiles.num(r.nll(), 4), ResultFiles.num(r.nllDataUnits(), 4), r.iterations(),
                    ResultFiles.num(r.seconds(), 1), r.detail()));
        }
        ResultFiles.csv(out.resolve("results.csv"), List.of("dataset", "method", "seed", "test_nll", "test_nll_data_units", "iterations", "train_seconds",
                "detail"), csv);
        List<String> names = datasets(rows);
        StringBuilder md = new StringBuilder("# Real tabular data: OT-Flow and JKO-Flow versus Gaussian baselines\n\n");
        md.append(String.format(Locale.ROOT, "Test NLL in nats per point, mean ± standard error over %d seeds (lower is better); first in the standardised "
                + "space the models are trained in, then in the data's units.%n%n", s.seeds().size()));
        List<String> header = new ArrayList<>(List.of("method"));
        for (String n : names) header.add(n);
        for (String n : names) header.add(n + " (data units)");
        List<List<String>> t = new ArrayList<>();
        for (String m : METHODS) {
            List<String> r = new ArrayList<>(List.of(m));
            for (boolean units : new boolean[] {false, true}) {
                for (String n : names) {
                    double[] ms = meanSe(select(rows, n, m), units);
                    r.add(String.format(Locale.ROOT, "%.2f ± %.2f", ms[0], ms[1]));
                }
            }
            t.add(r);
        }
        md.append(ResultFiles.table(header, t)).append('\n');
        md.append("Per seed (standardised space):\n\n");
        List<String> h2 = new ArrayList<>(List.of("data", "method"));
        for (long sd : s.seeds()) h2.add("seed " + sd);
        h2.add("detail (first seed)");
        List<List<String>> t2 = new ArrayList<>();
        for (String n : names) {
            for (String m : METHODS) {
                List<Row> sel = select(rows, n, m);
                List<String> r = new ArrayList<>(List.of(n, m));
                for (long sd : s.seeds()) r.add(sel.stream().filter(x -> x.seed() == sd).findFirst().map(x -> ResultFiles.num(x.nll(), 3)).orElse(""));
                r.add(sel.get(0).detail() + (sel.get(0).iterations() > 0 ? ", " + sel.get(0).iterations() + " iterations" : ""));
                t2.add(r);
            }
        }
        md.append(ResultFiles.table(h2, t2)).append('\n');
        md.append("## Settings\n\n");
        md.append(String.format(Locale.ROOT, "- Flows: m = %d, nTh = 2, alpha = (%s), Adam lr %s constant, batch min(%d, training rows), float32 training with %d RK4 "
                + "steps per map, validation every %d iterations (best map kept), evaluation in float64 with %d steps per map. OT-Flow: %d iterations; "
                + "JKO-Flow: K = %d maps of %d iterations each (the same total).%n", s.width(), s.alpha(), s.lr(), s.maxBatch(), s.nt(), s.valEvery(),
                s.ntEval(), s.budget(), s.steps(), s.budget() / s.steps()));
        md.append(String.format(Locale.ROOT, "- Baselines: full-covariance Gaussian (maximum likelihood + %s I); Gaussian mixture with full covariances by EM "
                + "(+ %s I), the number of components chosen from %s by validation likelihood.%n", s.reg(), s.reg(), java.util.Arrays.toString(s.gmmComponents())));
        md.append(String.format(Locale.ROOT, "- Data: each seed shuffles the file and splits it (train / validation / test), standardises with the train + validation "
                + "statistics and, for integer data (digits), dequantises; seeds %s also seed the flows.%n", s.seeds()));
        md.append(String.format(Locale.ROOT, "- Machine: %s. Flow runs %d at a time, 1 engine thread each; wall time of the whole experiment %.0f s.%n",
                ResultFiles.machine(), s.workers(), wall));
        md.append("- Command: `").append(command).append("`\n");
        ResultFiles.write(out.resolve("results.md"), md.toString());
        plot(out.resolve("nll.png"), rows, names);
    }

    private static List<String> datasets(List<Row> rows) {
        List<String> n = new ArrayList<>();
        for (Row r : rows) if (!n.contains(r.dataset())) n.add(r.dataset());
        return n;
    }

    private static List<Row> select(List<Row> rows, String dataset, String method) {
        return rows.stream().filter(r -> r.dataset().equals(dataset) && r.method().equals(method)).toList();
    }

    private static final Color[] COLORS = {Color.BLACK, new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44)};

    /** Test NLL per seed (dots) and the mean (bar), one panel per data set, methods along x. */
    private static void plot(Path file, List<Row> rows, List<String> names) throws IOException {
        Charts ch = new Charts(names.size(), 1);
        for (int p = 0; p < names.size(); p++) {
            String n = names.get(p);
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (Row r : rows) if (r.dataset().equals(n)) { lo = Math.min(lo, r.nll()); hi = Math.max(hi, r.nll()); }
            double pad = 0.08 * Math.max(hi - lo, 1e-3);
            Charts.Panel panel = ch.panel(p, 0, 0.5, METHODS.size() + 0.5, lo - pad, hi + pad)
                    .frame(n + ": test NLL per seed", "method (1 OT-Flow, 2 JKO-Flow, 3 Gaussian, 4 GMM)", "test NLL (nats)");
            for (int m = 0; m < METHODS.size(); m++) {
                List<Row> sel = select(rows, n, METHODS.get(m));
                double[] pts = new double[2 * sel.size()];
                for (int i = 0; i < sel.size(); i++) {
                    pts[2 * i] = m + 1 + 0.08 * (i - (sel.size() - 1) / 2.0);
                    pts[2 * i + 1] = sel.get(i).nll();
                }
                double mean = meanSe(sel, false)[0];
                panel.line(new double[] {m + 0.7, m + 1.3}, new double[] {mean, mean}, COLORS[m], 2.5f).scatter(pts, 2, 0, 1, COLORS[m], 7);
            }
            panel.legend(METHODS, List.of(COLORS));
        }
        ch.write(file);
    }
}
