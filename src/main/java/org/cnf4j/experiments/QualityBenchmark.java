package org.cnf4j.experiments;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.cnf4j.backend.DType;
import org.cnf4j.baseline.Baselines;
import org.cnf4j.data.DataSets;
import org.cnf4j.data.Dataset;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.MemoryEstimate;
import org.cnf4j.eval.FlowModel;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.plot.Charts;
import org.cnf4j.run.RunResult;
import org.cnf4j.run.TrainingOptions;
import org.cnf4j.run.TrainingRun;

/**
 * Density quality with the defaults a newcomer gets (issue 14's benchmark): {@code cnf4j train --data FILE} with no
 * option but the seed (and a wall-time budget), on digits, breast_cancer and a synthetic 16-dimensional mixture of 10
 * Gaussians with random covariances whose density is known, so that the KL divergence of every model to the truth is
 * estimated on the test rows ({@code KL = NLL(model) - NLL(truth)}, both in the data's units). Beside each flow, the
 * baselines on the same split ({@link Baselines}). Tuning happens only on these sets: other real data are kept aside.
 */
public final class QualityBenchmark {
    /** The synthetic set's name in {@link Settings#sources}. */
    public static final String MIXTURE = "mixture16";

    /**
     * @param iters null: the defaults' budget (what is measured); a number: a smoke run
     */
    public record Settings(List<String> sources, List<Long> seeds, Duration timeBudget, int syntheticRows, int[] components, int threads,
                           Integer iters) {
        public static Settings defaults() {
            return new Settings(List.of("data/digits.csv", "data/breast_cancer.csv", MIXTURE), List.of(0L, 1L, 2L), Duration.ofMinutes(20), 20_000,
                    Baselines.COMPONENTS, 2, null);
        }

        public static Settings quick() {
            return new Settings(List.of(MIXTURE), List.of(0L), Duration.ofSeconds(60), 600, new int[] {1, 2}, 2, 4);
        }
    }

    /**
     * One flow and its baselines on one seed's split; NLLs in the data's units, KL NaN without a known density.
     * {@code flowTrainNll} and {@code trueTrainNll} are the flow's and the true density's NLL on the training rows: the
     * flow's test NLL minus its training NLL is what it overfits, the training NLL minus the truth's what it has not
     * learnt (docs/QUALITY.md).
     */
    public record Row(String source, long seed, double flowNll, double gaussianNll, double mixtureNll, int mixtureComponents, double trueNll,
                      int iterations, double trainSeconds, Curve curve, double flowTrainNll, double trueTrainNll) {
        double kl(double nll) { return nll - trueNll; }

        /** Test NLL minus training NLL of the flow. */
        double gap() { return flowNll - flowTrainNll; }
    }

    /**
     * The flow's validation NLL (data units) at each validation, against iteration and seconds since the start, with
     * the baselines' validation NLL on the same rows: what curves.csv and curves.png show.
     */
    public record Curve(List<double[]> points, double gaussianValidation, double mixtureValidation) {}

    private final Settings s;

    public QualityBenchmark(Settings s) { this.s = s; }

    /**
     * Refuses, before anything is written, a synthetic draw whose rows would not fit: the draw, the loaded file's copies
     * (shuffled, split, standardised) and the Gaussian mixtures' responsibilities (two n x K arrays in EM).
     */
    private void checkSyntheticMemory() {
        if (!s.sources().contains(MIXTURE)) return;
        long n = s.syntheticRows();
        if (n > Integer.MAX_VALUE / 16) {
            throw new IllegalArgumentException("--synthetic-rows " + n + " is more than Java arrays of 16 values a row hold; use at most " + Integer.MAX_VALUE / 16);
        }
        int k = 1;
        for (int c : s.components()) k = Math.max(k, c);
        new MemoryEstimate(MIXTURE + " with " + MemoryEstimate.count(n) + " rows")
                .add("the rows and their copies", 8.0 * n * 16 * 4, 0)
                .add("the Gaussian mixtures' responsibilities", 8.0 * n * k * 2, 0)
                .check(EngineOptions.defaults(), "use a smaller --synthetic-rows");
    }

    /** Trains and measures every (source, seed), writes results.csv and results.md (and mixture16.csv) into {@code out}. */
    public List<Row> run(Path out, String command) throws IOException {
        checkSyntheticMemory();
        Files.createDirectories(out);
        Mixture truth = new Mixture(16, 10, 20261203L);
        Path synthetic = out.resolve(MIXTURE + ".csv");
        if (s.sources().contains(MIXTURE)) MatrixFile.write(synthetic, truth.sample(s.syntheticRows(), 7L), s.syntheticRows(), 16);
        List<Row> rows = new ArrayList<>();
        long t0 = System.nanoTime();
        for (String src : s.sources()) {
            String file = src.equals(MIXTURE) ? synthetic.toString() : src;
            for (long seed : s.seeds()) {
                Row r = measure(src, file, seed, src.equals(MIXTURE) ? truth : null);
                rows.add(r);
                System.out.printf(Locale.ROOT, "%-24s seed %d  flow %.3f (train %.3f)  Gaussian %.3f  mixture(%d) %.3f  %s %d iterations %.0fs%n", src, seed,
                        r.flowNll(), r.flowTrainNll(), r.gaussianNll(), r.mixtureComponents(), r.mixtureNll(), Double.isNaN(r.trueNll()) ? "" : String.format(Locale.ROOT, "KL %.3f ", r.kl(r.flowNll())),
                        r.iterations(), r.trainSeconds());
            }
        }
        write(out, rows, command, (System.nanoTime() - t0) / 1e9);
        return rows;
    }

    private Row measure(String name, String file, long seed, Mixture truth) throws IOException {
        Dataset ds = DataSets.load(file, seed);   // the split training uses
        int[] its = {0};
        List<double[]> points = new ArrayList<>();
        long t0 = System.nanoTime();
        org.cnf4j.run.RunListener watch = new org.cnf4j.run.RunListener() {
            @Override public void onIteration(int iter, org.cnf4j.engine.LossResult r, double lr) { its[0]++; }

            @Override public void onValidation(int iter, org.cnf4j.engine.LossResult v, boolean best) {
                points.add(new double[] {iter, (System.nanoTime() - t0) / 1e9, v.c() + ds.nllOffset()});
            }
        };
        TrainingOptions o = new TrainingOptions().data(file).seed(seed).timeBudget(s.timeBudget()).plot(false).iters(s.iters());
        RunResult res = TrainingRun.start(o, EngineOptions.cpu(DType.FLOAT32, s.threads()), watch);
        double secs = (System.nanoTime() - t0) / 1e9;
        double flow, flowTrain;
        try (FlowEngine e = Engines.create(res.model().shape(), EngineOptions.cpu(DType.FLOAT64, s.threads()))) {
            flow = -average(res.model().logDensity(e, res.model().nt(), ds.test(), ds.nTest(), true)) + ds.nllOffset();
            flowTrain = -average(res.model().logDensity(e, res.model().nt(), ds.train(), ds.nTrain(), true)) + ds.nllOffset();
        }
        Baselines.Report b = Baselines.fit(ds, s.components(), seed);
        double trueNll = Double.NaN, trueTrain = Double.NaN;
        if (truth != null) {
            trueNll = -average(truth.logDensity(ds.unstandardise(ds.test()), ds.nTest()));
            trueTrain = -average(truth.logDensity(ds.unstandardise(ds.train()), ds.nTrain()));
        }
        return new Row(name, seed, flow, b.gaussian().testNll() + b.offset(), b.mixture().testNll() + b.offset(), b.mixture().components(), trueNll,
                its[0], secs, new Curve(points, b.gaussian().validationNll() + b.offset(), b.mixture().validationNll() + b.offset()), flowTrain, trueTrain);
    }

    private void write(Path out, List<Row> rows, String command, double wall) throws IOException {
        List<List<String>> csv = new ArrayList<>();
        for (Row r : rows) {
            csv.add(ResultFiles.row(r.source(), r.seed(), ResultFiles.num(r.flowNll(), 4), ResultFiles.num(r.gaussianNll(), 4), ResultFiles.num(r.mixtureNll(), 4),
                    r.mixtureComponents(), ResultFiles.num(r.trueNll(), 4), r.iterations(), ResultFiles.num(r.trainSeconds(), 1),
                    ResultFiles.num(r.flowTrainNll(), 4), ResultFiles.num(r.trueTrainNll(), 4)));
        }
        ResultFiles.csv(out.resolve("results.csv"), List.of("data", "seed", "flow_test_nll", "gaussian_test_nll", "mixture_test_nll", "mixture_components",
                "true_test_nll", "flow_iterations", "flow_train_seconds",
                "flow_train_nll", "true_train_nll"), csv);
        StringBuilder md = new StringBuilder("# Density quality with the defaults\n\n");
        md.append("`cnf4j train --data FILE --seed S` with every other option at its default (and a wall-time budget of ")
                .append(s.timeBudget().toMinutes() > 0 ? s.timeBudget().toMinutes() + " min" : s.timeBudget().toSeconds() + " s")
                .append("), against a full-covariance Gaussian and a Gaussian mixture (components chosen on the validation split) fitted to the "
                        + "same training rows. Test NLL in nats in the data's units, mean ± standard error over the seeds; for the synthetic "
                        + "mixture also the KL divergence to the true density (NLL - the true density's NLL on the same rows). Lower is better.\n\n");
        List<List<String>> t = new ArrayList<>();
        for (String src : s.sources()) {
            List<Row> rs = rows.stream().filter(r -> r.source().equals(src)).toList();
            double[] f = ResultFiles.meanSe(rs.stream().mapToDouble(Row::flowNll).toArray());
            double[] g = ResultFiles.meanSe(rs.stream().mapToDouble(Row::gaussianNll).toArray());
            double[] m = ResultFiles.meanSe(rs.stream().mapToDouble(Row::mixtureNll).toArray());
            double truth = rs.get(0).trueNll();
            String kl = Double.isNaN(truth) ? "" : String.format(Locale.ROOT, "%s / %s / %s", ResultFiles.num(mean(rs, r -> r.kl(r.flowNll())), 3),
                    ResultFiles.num(mean(rs, r -> r.kl(r.gaussianNll())), 3), ResultFiles.num(mean(rs, r -> r.kl(r.mixtureNll())), 3));
            double[] gap = ResultFiles.meanSe(rs.stream().mapToDouble(Row::gap).toArray());
            t.add(ResultFiles.row(src, cell(f), cell(gap), cell(g), cell(m) + " (" + rs.stream().map(r -> Integer.toString(r.mixtureComponents())).toList() + ")", kl,
                    ResultFiles.num(mean(rs, r -> r.trainSeconds()), 0), ResultFiles.num(mean(rs, r -> r.iterations()), 0)));
        }
        md.append(ResultFiles.table(List.of("data", "flow", "flow test - train", "Gaussian", "mixture (components)", "KL flow / Gaussian / mixture", "flow train s", "iterations"), t));
        md.append(String.format(Locale.ROOT, "%n- Synthetic: %d rows of a 16-dimensional mixture of 10 Gaussians with random means and covariances "
                + "(seeded; written to %s.csv), split like any file.%n", s.syntheticRows(), MIXTURE));
        md.append(String.format(Locale.ROOT, "- Machine: %s; %d engine threads; wall time %.0f s.%n", ResultFiles.machine(), s.threads(), wall));
        md.append("- Command: `").append(command).append("`\n");
        md.append("- flow test - train: the flow's test NLL minus its NLL on the rows it was trained on (what it overfits); "
                + "results.csv has both, and for the synthetic mixture the true density's NLL on the training rows too.\n");
        md.append("- curves.csv and curves.png: each run's validation NLL against time, beside the baselines' validation NLL.\n");
        ResultFiles.write(out.resolve("results.md"), md.toString());
        writeCurves(out, rows);
    }

    private void writeCurves(Path out, List<Row> rows) throws IOException {
        List<List<String>> csv = new ArrayList<>();
        for (Row r : rows) {
            for (double[] p : r.curve().points()) {
                csv.add(ResultFiles.row(r.source(), r.seed(), (int) p[0], ResultFiles.num(p[1], 1), ResultFiles.num(p[2], 4)));
            }
        }
        ResultFiles.csv(out.resolve("curves.csv"), List.of("data", "seed", "iteration", "seconds", "validation_nll"), csv);
        Charts ch = new Charts(s.sources().size(), 1);
        Color[] seedColors = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(148, 103, 189)};
        for (int col = 0; col < s.sources().size(); col++) {
            String src = s.sources().get(col);
            List<Row> rs = rows.stream().filter(r -> r.source().equals(src)).toList();
            double tMax = 1, lo = Double.POSITIVE_INFINITY, first = Double.NEGATIVE_INFINITY;
            for (Row r : rs) {
                lo = Math.min(lo, Math.min(r.curve().mixtureValidation(), r.curve().gaussianValidation()));
                for (double[] p : r.curve().points()) {
                    tMax = Math.max(tMax, p[1]);
                    if (Double.isFinite(p[2])) lo = Math.min(lo, p[2]);
                }
                // the top of the panel: the Gaussian, or the flow's second validation (its first is often far above)
                var pts = r.curve().points();
                first = Math.max(first, Math.max(r.curve().gaussianValidation(), pts.size() > 1 ? pts.get(1)[2] : Double.NEGATIVE_INFINITY));
            }
            double hi = Double.isFinite(first) ? first : lo + 1, pad = 0.05 * (hi - lo);
            Charts.Panel panel = ch.panel(col, 0, 0, tMax, lo - pad, hi + pad).frame(src + ": validation NLL", "seconds", "NLL (nats, data units)");
            List<String> names = new ArrayList<>();
            List<Color> colors = new ArrayList<>();
            for (int k = 0; k < rs.size(); k++) {
                Row r = rs.get(k);
                Color c = seedColors[k % seedColors.length];
                double[] xs = r.curve().points().stream().mapToDouble(p -> p[1]).toArray();
                double[] ys = r.curve().points().stream().mapToDouble(p -> Math.min(p[2], hi + pad)).toArray();
                if (xs.length > 0) panel.line(xs, ys, c, 1.5f);
                names.add("flow, seed " + r.seed());
                colors.add(c);
            }
            if (!rs.isEmpty()) {
                double g = rs.get(0).curve().gaussianValidation(), m = rs.get(0).curve().mixtureValidation();
                panel.line(new double[] {0, tMax}, new double[] {g, g}, Color.GRAY, 1f);
                panel.line(new double[] {0, tMax}, new double[] {m, m}, Color.BLACK, 1f);
                names.add("Gaussian (seed " + rs.get(0).seed() + ")");
                colors.add(Color.GRAY);
                names.add("mixture (seed " + rs.get(0).seed() + ")");
                colors.add(Color.BLACK);
            }
            panel.legend(names, colors);
        }
        ch.write(out.resolve("curves.png"));
    }

    private static double average(double[] a) { return java.util.Arrays.stream(a).average().orElse(Double.NaN); }

    private static String cell(double[] ms) { return ResultFiles.num(ms[0], 3) + (Double.isNaN(ms[1]) ? "" : " ± " + ResultFiles.num(ms[1], 3)); }

    private static double mean(List<Row> rs, java.util.function.ToDoubleFunction<Row> f) { return rs.stream().mapToDouble(f).average().orElse(Double.NaN); }

    /** A Gaussian mixture with random weights, means and covariances: a density known exactly, to sample and score. */
    static final class Mixture {
        final int d, k;
        final double[] logWeights;
        final double[][] means, chol;   // chol[c]: lower-triangular L with L L^T = covariance, row-major d x d
        final double[] logDets;

        Mixture(int d, int k, long seed) {
            this.d = d;
            this.k = k;
            SplittableRandom r = new SplittableRandom(seed);
            logWeights = new double[k];
            double total = 0;
            double[] w = new double[k];
            for (int c = 0; c < k; c++) total += w[c] = 0.5 + r.nextDouble();
            for (int c = 0; c < k; c++) logWeights[c] = Math.log(w[c] / total);
            means = new double[k][d];
            chol = new double[k][];
            logDets = new double[k];
            double[] g = FlowModel.gaussians(k * d * (d + 1), r.nextLong());
            int at = 0;
            for (int c = 0; c < k; c++) {
                for (int j = 0; j < d; j++) means[c][j] = 3 * g[at++];
                double[] a = new double[d * d];
                for (int i = 0; i < d * d; i++) a[i] = 0.4 * g[at++];
                double[] cov = new double[d * d];
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        double v = 0;
                        for (int q = 0; q < d; q++) v += a[i * d + q] * a[j * d + q];
                        cov[i * d + j] = v + (i == j ? 0.2 : 0);
                    }
                }
                chol[c] = cholesky(cov, d);
                for (int i = 0; i < d; i++) logDets[c] += 2 * Math.log(chol[c][i * d + i]);
            }
        }

        double[] sample(int n, long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            double[] z = FlowModel.gaussians(n * d, r.nextLong());
            double[] cum = new double[k];
            double acc = 0;
            for (int c = 0; c < k; c++) cum[c] = acc += Math.exp(logWeights[c]);
            double[] x = new double[n * d];
            for (int i = 0; i < n; i++) {
                double u = r.nextDouble() * acc;
                int c = 0;
                while (c < k - 1 && u > cum[c]) c++;
                for (int p = 0; p < d; p++) {
                    double v = means[c][p];
                    for (int q = 0; q <= p; q++) v += chol[c][p * d + q] * z[i * d + q];
                    x[i * d + p] = v;
                }
            }
            return x;
        }

        double[] logDensity(double[] x, int n) {
            double[] out = new double[n], comp = new double[k], y = new double[d];
            double norm = 0.5 * d * Math.log(2 * Math.PI);
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    // solve L y = x - mu by forward substitution; the quadratic form is |y|^2
                    double sq = 0;
                    for (int p = 0; p < d; p++) {
                        double v = x[i * d + p] - means[c][p];
                        for (int q = 0; q < p; q++) v -= chol[c][p * d + q] * y[q];
                        y[p] = v / chol[c][p * d + p];
                        sq += y[p] * y[p];
                    }
                    comp[c] = logWeights[c] - norm - 0.5 * logDets[c] - 0.5 * sq;
                    max = Math.max(max, comp[c]);
                }
                double s = 0;
                for (int c = 0; c < k; c++) s += Math.exp(comp[c] - max);
                out[i] = max + Math.log(s);
            }
            return out;
        }

        private static double[] cholesky(double[] a, int d) {
            double[] l = new double[d * d];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j <= i; j++) {
                    double v = a[i * d + j];
                    for (int q = 0; q < j; q++) v -= l[i * d + q] * l[j * d + q];
                    l[i * d + j] = i == j ? Math.sqrt(v) : v / l[j * d + j];
                }
            }
            return l;
        }
    }
}
