package org.cnf4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cnf4j.backend.DType;
import org.cnf4j.data.DataSets;
import org.cnf4j.run.OutputGuard;
import org.cnf4j.run.RunModel;
import org.cnf4j.run.RunPlot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cnf4j plot}: the learned density, samples, trajectories and training curves of a run, as one PNG. */
@Command(name = "plot", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Plot a model as one PNG (in the model's standardised space): for d=2 the learned density (heat map), "
                + "test data vs samples with a few inverse-flow trajectories; for d>2 two-dimensional marginals (columns 0-1, 2-3, 4-5) "
                + "of test data vs samples; and the training curves (J and validation J; L, C, R) from the run's log.csv."})
public final class PlotCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN_DIR", description = "Run directory.") Path model;
    @Option(names = "--out", required = true, paramLabel = "FILE.png", description = "PNG file to write (atomically).") Path out;
    @Option(names = "--data", paramLabel = "SOURCE", description = "Data for the comparison (default: the run's).") String data;
    @Option(names = "--samples", defaultValue = "2000", description = "Samples to draw (default ${DEFAULT-VALUE}).") int samples = 2000;
    @Option(names = "--grid", defaultValue = "100", description = "Heat-map resolution per axis, d=2 (default ${DEFAULT-VALUE}).") int grid = 100;
    @Option(names = "--nt", description = "RK4 steps (per map for JKO-Flow runs; default: the run's nt_val).") Integer nt;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the samples (default ${DEFAULT-VALUE}).") long seed = 0;
    @Mixin EngineMixin engine = new EngineMixin();

    @Override
    public Integer call() throws IOException {
        String name = out.getFileName() == null ? "" : out.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".png")) throw new IllegalArgumentException("--out " + out + ": use a file name ending in .png");
        RunPlot.Options o = new RunPlot.Options(data, samples, grid, nt, seed);
        var eo = engine.checkedOptions(DType.FLOAT64, 2);
        RunModel m = RunModel.load(model);
        OutputGuard.besideRun("--out", out, model);   // RUN_DIR/plot.png is fine, the model's files are not
        OutputGuard.apart("--out", out, data != null ? "the --data file" : "the run's data file", DataSets.file(data != null ? data : m.data()));
        String note = RunPlot.draw(m, model.resolve("log.csv"), out, o, eo);
        if (note != null) System.out.println("note: " + Main.oneLine(note));
        System.out.printf("wrote %s%n", out);
        return 0;
    }
}
