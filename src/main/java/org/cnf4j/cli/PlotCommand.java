package org.cnf4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cnf4j.backend.DType;
import org.cnf4j.data.DataSets;
import org.cnf4j.plot.Charts;
import org.cnf4j.run.OutputGuard;
import org.cnf4j.run.RunModel;
import org.cnf4j.run.RunPlot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cnf4j plot}: the reference's plot4 panels for pairs of columns, the density, samples, images and training curves of a run. */
@Command(name = "plot", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Plot a model as one figure (PNG, SVG or PDF by the --out extension), in the model's standardised space: "
                + "for each pair of columns the panels of the OT-Flow reference's plot4, 2-D histograms with colour bars of the test data x "
                + "(with forward trajectories), of f(x) (should look like N(0, I)), of f^-1(f(x)) (with the inverse error) and of the samples "
                + "f^-1(y), y ~ N(0, I) (with inverse trajectories); for d=2 also the learned density (heat map) and data vs samples; "
                + "with --image grids of data and sample images in the data's units; and the training curves (J and validation J; L, C, R) "
                + "from the run's log.csv. Columns are numbered from 1, as in cnf4j's messages (x1, x2, ... on the axes)."})
public final class PlotCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN_DIR", description = "Run directory.") Path model;
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "FILE.png, FILE.svg or FILE.pdf to write (atomically).") Path out;
    @Option(names = "--data", paramLabel = "SOURCE", description = "Data for the comparison (default: the run's).") String data;
    @Option(names = "--columns", paramLabel = "I,J", description = "Draw the one pair of columns I and J (numbered from 1; default: "
            + "1,2 and, for d>2, also 3,4 and 5,6).") String columns;
    @Option(names = "--all-pairs", description = "Draw every pair 1,2  3,4  5,6 ... (the reference's slices of the data; for odd d "
            + "also the last two columns).") boolean allPairs;
    @Option(names = "--bins", defaultValue = "33", description = "Histogram bins per axis (default ${DEFAULT-VALUE}, the reference's).") int bins = 33;
    @Option(names = "--range", defaultValue = "4", paramLabel = "R", description = "Data histograms over [-R, R] in both columns "
            + "(default ${DEFAULT-VALUE}, the reference's; f(x) always over [-4, 4]).") double range = 4;
    @Option(names = "--image", paramLabel = "HxW", description = "Also draw data and samples as HxW images (H*W = d; rows are "
            + "row-major pixels), e.g. 8x8 for digits; in the data's units, rounded for integer data.") String image;
    @Option(names = "--samples", defaultValue = "2000", description = "Samples to draw, and at most as many test rows (default ${DEFAULT-VALUE}).") int samples = 2000;
    @Option(names = "--grid", defaultValue = "100", description = "Heat-map resolution per axis, d=2 (default ${DEFAULT-VALUE}).") int grid = 100;
    @Option(names = "--nt", description = "RK4 steps (per map for JKO-Flow runs; default: the run's nt_val).") Integer nt;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the samples (default ${DEFAULT-VALUE}).") long seed = 0;
    @Mixin EngineMixin engine = new EngineMixin();

    @Override
    public Integer call() throws IOException {
        try {
            Charts.format(out);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--out " + e.getMessage());
        }
        RunPlot.Options o = new RunPlot.Options(data, samples, grid, nt, seed, columns == null ? null : pair(columns), allPairs, bins, range,
                image == null ? null : imageShape(image));
        var eo = engine.checkedOptions(DType.FLOAT64, 2);
        RunModel m = RunModel.load(model);
        RunPlot.pairs(o, m.d());   // columns and image shape against d, before the work
        // the samples, the test rows forward and back, and for d = 2 the density on the grid: the largest is one call
        int grid2 = m.d() == 2 ? grid * grid : 0;
        int largest = Math.max(samples, grid2);
        ModelSupport.budget(m, "plotting", largest, nt != null ? nt : m.nt(), (3.0 * samples + grid2) / largest, eo, "use a smaller --samples");
        OutputGuard.besideRun("--out", out, model);   // RUN_DIR/plot.png is fine, the model's files are not
        OutputGuard.notIntoARun("--out", out);
        OutputGuard.apart("--out", out, data != null ? "the --data file" : "the run's data file", DataSets.file(data != null ? data : m.data()));
        String note = RunPlot.draw(m, model.resolve("log.csv"), out, o, eo);
        if (note != null) System.out.println("note: " + Main.oneLine(note));
        System.out.printf("wrote %s%n", out);
        return 0;
    }

    /** "I,J" numbered from 1 to the 0-based pair. */
    static RunPlot.Pair pair(String s) {
        String[] p = s.split(",", -1);
        try {
            if (p.length == 2) return new RunPlot.Pair(Integer.parseInt(p[0].strip()) - 1, Integer.parseInt(p[1].strip()) - 1);
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("--columns " + s + ": give two column numbers, e.g. --columns 1,2 (numbered from 1)");
    }

    /** "HxW" to the image shape. */
    static RunPlot.ImageShape imageShape(String s) {
        String[] p = s.toLowerCase(java.util.Locale.ROOT).split("x", -1);
        try {
            if (p.length == 2) return new RunPlot.ImageShape(Integer.parseInt(p[0].strip()), Integer.parseInt(p[1].strip()));
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("--image " + s + ": give the image shape as HxW, e.g. --image 8x8");
    }
}
