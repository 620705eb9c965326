package org.cnf4j.run;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.cnf4j.data.DataSets;
import org.cnf4j.data.Dataset;
import org.cnf4j.data.DataTransform;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.eval.Flow;
import org.cnf4j.eval.FlowModel;
import org.cnf4j.ode.Tableau;
import org.cnf4j.plot.Charts;
import org.cnf4j.plot.Histogram2D;
import org.cnf4j.plot.TrainingLog;

/**
 * The picture of a run ({@code cnf4j plot}, and the plot.png a training run leaves), in the model's space. One row per
 * pair of columns with the panels of the OT-Flow reference's {@code plot4}: 2-D histograms with colour bars of the
 * data x, of f(x) (the latent points, which should look like N(0, I)), of f^-1(f(x)) (the round trip) and of f^-1(y)
 * for y ~ N(0, I) (the samples), with a few forward trajectories from data points on the first and inverse
 * trajectories from latent draws on the last. Below them: for d = 2 the learned density as a heat map and data against
 * samples; on request grids of data and sample images (in the data's units); the training curves from log.csv.
 */
public final class RunPlot {
    private static final Color DATA = new Color(31, 119, 180, 90), SAMPLE = new Color(214, 39, 40, 90),
            FORWARD = Color.WHITE, INVERSE = new Color(0, 220, 255);
    /** Trajectories drawn per direction, as the reference's plot4 (nPts = 10). */
    public static final int TRAJECTORIES = 10;
    /** Panels per row of the figure. */
    private static final int COLS = 4;
    /** The latent panel's range, the reference's: [-4, 4] in every coordinate of N(0, I). */
    private static final double LATENT = 4;

    private RunPlot() {}

    /** Two columns of the data (0-based here; the command line numbers them from 1). */
    public record Pair(int a, int b) {
        @Override public String toString() { return (a + 1) + "," + (b + 1); }
    }

    /** The shape of an image row: {@code height x width} pixels, row-major. */
    public record ImageShape(int height, int width) {
        public ImageShape {
            if (height < 1 || width < 1) throw new IllegalArgumentException("--image needs HxW with H, W >= 1, got " + height + "x" + width);
        }

        @Override public String toString() { return height + "x" + width; }
    }

    /**
     * What to draw: the data to compare with ({@code data} null: the run's own, skipped when it is not available
     * here), the number of samples (and at most as many data rows), the heat-map resolution, the RK4 steps per map
     * ({@code nt} null: the run's nt_val) and the seed of the samples; the column pairs ({@code columns} one pair,
     * {@code allPairs} every pair, neither: {@link #pairs}'s default), the histogram bins and range (data panels over
     * [-range, range] in both columns; the latent panel always over [-4, 4]) and the image shape ({@code image} null:
     * no image grids).
     */
    public record Options(String data, int samples, int grid, Integer nt, long seed, Pair columns, boolean allPairs, int bins, double range,
                          ImageShape image) {
        public Options {
            if (samples < 1) throw new IllegalArgumentException("--samples must be >= 1, got " + samples);
            if (grid < 2 || grid > 1000) throw new IllegalArgumentException("--grid must be between 2 and 1000, got " + grid);
            if (nt != null && nt < 1) throw new IllegalArgumentException("--nt must be >= 1, got " + nt);
            if (bins < 2 || bins > 1000) throw new IllegalArgumentException("--bins must be between 2 and 1000, got " + bins);
            if (!(range > 0) || !Double.isFinite(range)) throw new IllegalArgumentException("--range must be a positive number, got " + range);
            if (columns != null && allPairs) throw new IllegalArgumentException("--columns and --all-pairs exclude each other");
            if (columns != null && columns.a() == columns.b()) throw new IllegalArgumentException("--columns " + columns + ": give two different columns");
        }

        /** The plot a training run draws: the run's data, 2000 samples, the default pairs, the reference's 33 bins over [-4, 4]. */
        public static Options defaults() { return new Options(null, 2000, 100, null, 0, null, false, 33, 4, null); }
    }

    /**
     * The pairs of columns drawn for dimension d. {@code allPairs}: 1-2, 3-4, ... as the reference's
     * evaluateLargeOTflow.py slices the data, and for odd d also (d-1)-d so that every column is shown; by default the
     * first three of these; {@code columns} alone when given.
     *
     * @throws IllegalArgumentException when a requested column or the image shape does not fit d
     */
    public static List<Pair> pairs(Options o, int d) {
        if (o.image() != null && (long) o.image().height() * o.image().width() != d) {
            throw new IllegalArgumentException("--image " + o.image() + " has " + (long) o.image().height() * o.image().width()
                    + " pixels but the model has d=" + d + " columns");
        }
        if (o.columns() != null) {
            if (Math.min(o.columns().a(), o.columns().b()) < 0 || Math.max(o.columns().a(), o.columns().b()) >= d) {
                throw new IllegalArgumentException("--columns " + o.columns() + ": the model has d=" + d + " columns, numbered 1 to " + d);
            }
            return List.of(o.columns());
        }
        if (d == 1) return List.of(new Pair(0, 0));   // the one column against itself
        List<Pair> all = new ArrayList<>();
        for (int a = 0; a + 1 < d; a += 2) all.add(new Pair(a, a + 1));
        if (d % 2 == 1) all.add(new Pair(d - 2, d - 1));
        return o.allPairs() ? all : all.subList(0, Math.min(3, all.size()));
    }

    /** A trajectory projected onto a pair of columns: the points xs[k], ys[k] from its start to its end. */
    public record Path2D(double[] xs, double[] ys) {}

    /**
     * The four panels of one pair. {@code x}, {@code fx} and {@code back} (f^-1(f(x))) are null without data;
     * {@code forward} starts at data points, {@code inverse} at the first latent draws, whose ends are the first samples.
     */
    public record PairPanels(Pair columns, Histogram2D x, Histogram2D fx, Histogram2D back, Histogram2D samples,
                             List<Path2D> forward, List<Path2D> inverse) {}

    /** Data and sample images in the data's units (rounded to integers when the model was trained on integer data). */
    public record Images(ImageShape shape, double[] data, int nData, double[] samples, int nSamples, double lo, double hi, boolean rounded) {}

    /**
     * Everything the figure shows, computed before anything is drawn. {@code test} (model space, or null) and
     * {@code samples} are the points; {@code inverseError} is mean |x - f^-1(f(x))| (NaN without data); {@code density}
     * is p(x) on a grid x grid lattice over {@code bounds} (d = 2 only, else null); {@code note} says why the run's
     * data were left out (null when they were not).
     */
    public record Figure(int d, double[] test, double[] samples, double inverseError, List<PairPanels> pairs, double[] density, double[] bounds,
                         List<Path2D> inverse2d, Images images, String note) {}

    /**
     * Draws {@code m} into {@code out} (PNG, SVG or PDF by its extension, written atomically), with the curves of
     * {@code logFile} if it exists. Returns null, or a one-line note when the run's own data were left out: not
     * available here, or changed since training (data given in {@code o} are drawn or fail).
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
        Charts.format(out);   // an unknown extension fails before the work
        Figure f = figure(m, o, engine, loaded);
        TrainingLog log = logFile != null && Files.isRegularFile(logFile) ? TrainingLog.read(logFile) : null;
        render(f, log, o).write(out);
        return f.note();
    }

    /** The figure's contents for {@code m} (see {@link Figure}); {@code loaded} as in {@link #draw}. */
    public static Figure figure(RunModel m, Options o, EngineOptions engine, Dataset loaded) throws IOException {
        int d = m.d(), steps = o.nt() != null ? o.nt() : m.nt(), samples = o.samples();
        List<Pair> pairs = pairs(o, d);
        String source = o.data() != null ? o.data() : m.data();
        String note = null;
        double[] test = null;
        String changed = loaded == null && o.data() == null && m.dir() != null && Files.isRegularFile(m.dir().resolve("config.json"))
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
                if (o.data() != null) throw e;
                test = null;   // the run's data are not available here: plot the model alone, and say so
                note = "the run's data " + source + " are not available here (" + e.getMessage() + "); plotted the model without the data";
            }
        }
        int nTest = test == null ? 0 : test.length / d;
        try (FlowEngine e = Engines.create(m.shape(), engine)) {
            Flow fm = m.flow(e, steps);
            double[] smp = fm.sample(samples, o.seed(), null);
            double[] fx = null, back = null;
            double invErr = Double.NaN;
            double[][] fwd = null;
            if (test != null) {
                fx = fm.push(test, nTest, null);
                back = fm.pull(fx, nTest, null);
                double s = 0;
                for (int i = 0; i < back.length; i++) s += Math.abs(back[i] - test[i]);
                invErr = s / back.length;
                int k = Math.min(TRAJECTORIES, nTest);
                double[] starts = new double[k * d];
                for (int i = 0; i < k; i++) System.arraycopy(test, (int) ((long) i * nTest / k) * d, starts, i * d, d);
                fwd = paths(e, m, starts, k, true, steps);
            }
            int k = Math.min(TRAJECTORIES, samples);
            double[][] inv = paths(e, m, FlowModel.gaussians(k * d, o.seed()), k, false, steps);
            double r = o.range();
            List<PairPanels> panels = new ArrayList<>();
            for (Pair p : pairs) {
                Histogram2D hx = null, hfx = null, hback = null;
                if (test != null) {
                    hx = Histogram2D.of(test, d, p.a(), p.b(), o.bins(), -r, r, -r, r);
                    hfx = Histogram2D.of(fx, d, p.a(), p.b(), o.bins(), -LATENT, LATENT, -LATENT, LATENT);
                    hback = Histogram2D.of(back, d, p.a(), p.b(), o.bins(), -r, r, -r, r);
                }
                panels.add(new PairPanels(p, hx, hfx, hback, Histogram2D.of(smp, d, p.a(), p.b(), o.bins(), -r, r, -r, r),
                        fwd == null ? List.of() : project(fwd, d, p), project(inv, d, p)));
            }
            double[] density = null, bounds = null;
            if (d == 2) {
                int grid = o.grid();
                bounds = bounds(test != null ? test : smp, 2, 0, 1);
                double[] pts = new double[grid * grid * 2];
                for (int gy = 0; gy < grid; gy++) {
                    for (int gx = 0; gx < grid; gx++) {
                        pts[(gy * grid + gx) * 2] = bounds[0] + (gx + 0.5) * (bounds[1] - bounds[0]) / grid;
                        pts[(gy * grid + gx) * 2 + 1] = bounds[2] + (gy + 0.5) * (bounds[3] - bounds[2]) / grid;
                    }
                }
                density = fm.logDensity(pts, grid * grid);
                for (int i = 0; i < density.length; i++) density[i] = Math.exp(density[i]);
            }
            Images images = o.image() == null ? null : images(m.transform(), o.image(), test, nTest, smp, samples);
            return new Figure(d, test, smp, invErr, panels, density, bounds, d == 2 ? project(inv, 2, new Pair(0, 1)) : List.of(), images, note);
        }
    }

    /** Up to 64 data rows and samples in the data's units; grey from the integers' range for integer data, else from the data (or samples). */
    private static Images images(DataTransform t, ImageShape shape, double[] test, int nTest, double[] smp, int n) {
        int d = t.d(), nd = Math.min(64, nTest), ns = Math.min(64, n);
        boolean ints = t.dequantised();
        double[] data = test == null ? new double[0] : Arrays.copyOf(test, nd * d);
        double[] samples = Arrays.copyOf(smp, ns * d);
        data = ints ? t.fromModelRounded(data) : t.fromModel(data);
        samples = ints ? t.fromModelRounded(samples) : t.fromModel(samples);
        double lo, hi;
        if (ints) {
            lo = t.offset();
            hi = t.offset() + t.scale() - 1;
        } else {
            double[] scale = nd > 0 ? data : samples;
            lo = Arrays.stream(scale).filter(Double::isFinite).min().orElse(0);
            hi = Arrays.stream(scale).filter(Double::isFinite).max().orElse(1);
        }
        return new Images(shape, data, nd, samples, ns, lo, hi, ints);
    }

    /**
     * The paths of n points through every RK4 step of every map: forward (data to latent, maps in order, t from 0 to 1)
     * or inverse (latent to data, maps in reverse, t from 1 to 0). Row i holds the d coordinates of each step in turn.
     */
    static double[][] paths(FlowEngine e, RunModel m, double[] start, int n, boolean forward, int steps) {
        int d = m.d(), w = d + 3, maps = m.maps().size(), points = maps * steps + 1;
        double[][] out = new double[n][points * d];
        double[] z = new double[n * w];
        for (int i = 0; i < n; i++) {
            System.arraycopy(start, i * d, z, i * w, d);
            System.arraycopy(start, i * d, out[i], 0, d);
        }
        for (int j = 0, col = 0; j < maps; j++) {
            var map = m.maps().get(forward ? j : maps - 1 - j);
            for (int k = 1; k <= steps; k++) {
                double t0 = (k - 1.0) / steps, t1 = (double) k / steps;
                z = forward ? e.integrate(map, z, n, t0, t1, 1, Tableau.RK4, m.alpha().a0())
                        : e.integrate(map, z, n, 1 - t0, 1 - t1, 1, Tableau.RK4, m.alpha().a0());
                col++;
                for (int i = 0; i < n; i++) System.arraycopy(z, i * w, out[i], col * d, d);
            }
        }
        return out;
    }

    private static List<Path2D> project(double[][] paths, int d, Pair p) {
        List<Path2D> out = new ArrayList<>();
        for (double[] path : paths) {
            int points = path.length / d;
            double[] xs = new double[points], ys = new double[points];
            for (int k = 0; k < points; k++) {
                xs[k] = path[k * d + p.a()];
                ys[k] = path[k * d + p.b()];
            }
            out.add(new Path2D(xs, ys));
        }
        return out;
    }

    /** The figure of {@code f}: one row per pair, then the density, image and curve panels, four to a row. */
    static Charts render(Figure f, TrainingLog log, Options o) {
        int extras = (f.d() == 2 ? 2 : 0) + (f.images() != null ? 2 : 0) + 2;
        int pairRows = f.pairs().size();
        Charts ch = new Charts(COLS, pairRows + (extras + COLS - 1) / COLS);
        double r = o.range();
        for (int row = 0; row < pairRows; row++) {
            PairPanels p = f.pairs().get(row);
            String xa = "x" + (p.columns().a() + 1), xb = "x" + (p.columns().b() + 1);
            if (p.x() != null) {
                paths(ch.squarePanel(0, row, -r, r, -r, r).histogram(p.x()).frame("x (data), columns " + p.columns(), xa, xb), p.forward(), FORWARD);
                ch.squarePanel(1, row, -LATENT, LATENT, -LATENT, LATENT).histogram(p.fx())
                        .frame("f(x), should look like N(0, I)", "y" + (p.columns().a() + 1), "y" + (p.columns().b() + 1));
                ch.squarePanel(2, row, -r, r, -r, r).histogram(p.back())
                        .frame(String.format(java.util.Locale.ROOT, "f^-1(f(x)), inverse error %.1e", f.inverseError()), xa, xb);
            } else {
                ch.note(0, row, "no data: x, f(x) and f^-1(f(x)) left out");
            }
            paths(ch.squarePanel(3, row, -r, r, -r, r).histogram(p.samples()).frame("f^-1(y), y ~ N(0, I): samples", xa, xb), p.inverse(), INVERSE);
        }
        int cell = COLS * pairRows;
        if (f.d() == 2) {
            double[] b = f.bounds();
            ch.squarePanel(cell % COLS, cell / COLS, b[0], b[1], b[2], b[3]).heat(f.density(), o.grid(), o.grid()).frame("learned density p(x)", "x1", "x2");
            cell++;
            Charts.Panel p = ch.squarePanel(cell % COLS, cell / COLS, b[0], b[1], b[2], b[3]).frame("data (blue) vs samples (red), inverse trajectories", "x1", "x2");
            if (f.test() != null) p.scatter(f.test(), 2, 0, 1, DATA, 3);
            p.scatter(f.samples(), 2, 0, 1, SAMPLE, 3);
            for (Path2D t : f.inverse2d()) p.line(t.xs(), t.ys(), Color.BLACK, 1.2f);
            p.legend(f.test() != null ? List.of("data", "samples") : List.of("samples"), f.test() != null ? List.of(DATA, SAMPLE) : List.of(SAMPLE));
            cell++;
        }
        if (f.images() != null) {
            Images im = f.images();
            String units = "(" + im.shape() + " images" + (im.rounded() ? ", rounded)" : ")");
            if (im.nData() > 0) {
                ch.squarePanel(cell % COLS, cell / COLS, 0, 1, 0, 1).images(im.data(), im.nData(), im.shape().height(), im.shape().width(), im.lo(), im.hi())
                        .titled("data " + units);
            } else {
                ch.note(cell % COLS, cell / COLS, "no data images: the run's data are not available");
            }
            cell++;
            ch.squarePanel(cell % COLS, cell / COLS, 0, 1, 0, 1).images(im.samples(), im.nSamples(), im.shape().height(), im.shape().width(), im.lo(), im.hi())
                    .titled("samples " + units);
            cell++;
        }
        curves(ch, log, cell);
        return ch;
    }

    /** Trajectories on a panel: a line from each start, which is marked with a dot. */
    private static void paths(Charts.Panel p, List<Path2D> paths, Color c) {
        for (Path2D t : paths) {
            p.line(t.xs(), t.ys(), c, 1.5f);
            p.scatter(new double[] {t.xs()[0], t.ys()[0]}, 2, 0, 1, c, 6);
        }
    }

    /** The training curves in cells {@code cell} and {@code cell + 1}: J with validation J, and L, C, R. */
    private static void curves(Charts ch, TrainingLog log, int cell) {
        int c0 = cell % COLS, r0 = cell / COLS, c1 = (cell + 1) % COLS, r1 = (cell + 1) / COLS;
        if (log == null || log.size() == 0) {
            ch.note(c0, r0, "no training log (log.csv) in this run");
            return;
        }
        double x1 = log.iter()[log.size() - 1];
        double[] jr = range(tail(log.j()), log.valJ());
        Charts.Panel jp = jr[0] > 0 ? ch.logPanel(c0, r0, 0, x1, jr[0], range(log.j(), log.valJ())[1]) : ch.panel(c0, r0, 0, x1, jr[0], jr[1]);
        jp.frame("training loss J" + (jr[0] > 0 ? " (log scale)" : ""), "iteration", "J")
                .line(log.iter(), log.j(), new Color(31, 119, 180), 1.2f)
                .line(log.valIter(), log.valJ(), new Color(255, 127, 14), 2f)
                .legend(List.of("train J", "validation J"), List.of(new Color(31, 119, 180), new Color(255, 127, 14)));
        double[] tr = range(tail(log.l()), tail(log.c()), tail(log.r()));
        ch.panel(c1, r1, 0, x1, tr[0], tr[1]).frame("terms L (transport), C (NLL), R (HJB)", "iteration", "value")
                .line(log.iter(), log.l(), new Color(44, 160, 44), 1.2f)
                .line(log.iter(), log.c(), new Color(148, 103, 189), 1.2f)
                .line(log.iter(), log.r(), new Color(140, 86, 75), 1.2f)
                .legend(List.of("L", "C", "R"), List.of(new Color(44, 160, 44), new Color(148, 103, 189), new Color(140, 86, 75)));
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
