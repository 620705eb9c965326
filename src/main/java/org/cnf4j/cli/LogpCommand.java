package org.cnf4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.run.OutputGuard;
import org.cnf4j.run.RunModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;

/** {@code cnf4j logp}: the log-density of each row of a file under a model. */
@Command(name = "logp", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Per-point log-density (nats) of the rows of a .npy or CSV file; writes one column (.npy or .csv).",
            "Rows are in the units of the training data: the run's standardisation (and dequantisation scale) is applied "
                + "and its log-determinant added, unless --standardised."})
public final class LogpCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN_DIR", description = "Run directory (train, JKO-Flow included, or import-otflow).") Path model;
    @Option(names = "--input", required = true, paramLabel = "FILE", description = "Points, n x d (.npy or CSV).") Path input;
    @Option(names = "--output", required = true, paramLabel = "FILE", description = "Log-densities, n x 1 (.npy or .csv), written atomically.") Path output;
    @Option(names = "--nt", description = "RK4 steps (per map for JKO-Flow runs; default: the run's nt_val).") Integer nt;
    @Mixin EngineMixin engine = new EngineMixin();
    @Option(names = "--standardised", description = "The input is already in the model's (standardised) space.") boolean standardised;

    @Override
    public Integer call() throws IOException {
        ModelSupport.checkMatrixOutput(output);
        OutputGuard.apart("--output", output, "the --input file", input);
        OutputGuard.apart("--output", output, "the --model run directory", model);
        OutputGuard.notIntoARun("--output", output);
        if (nt != null) ModelSupport.positive("--nt", nt);
        EngineOptions eo = engine.checkedOptions(DType.FLOAT64, 2);
        RunModel m = RunModel.load(model);
        MatrixFile.Matrix x = ModelSupport.readInput(input, m.d());
        int steps = nt != null ? nt : m.nt();
        ModelSupport.budget(m, "scoring", x.rows(), steps, 1, eo, "split --input into smaller files");
        double[] logp;
        try (FlowEngine e = Engines.create(m.shape(), eo)) {
            logp = m.logDensity(e, steps, x.data(), x.rows(), standardised);
        }
        MatrixFile.write(output, logp, x.rows(), 1, List.of("logp"));
        // A row far outside the training data can leave the double range (standardised, or in the flow): its NaN or
        // -inf is the honest answer for that row and stays in the file, but it must not turn the mean into NaN
        // unnoticed. Exit 0: every row was scored and the file is complete; the warning says which rows to look at.
        ModelSupport.NonFinite bad = ModelSupport.NonFinite.of(logp, x.rows(), 1);
        if (bad.count() == 0) {
            System.out.printf(java.util.Locale.ROOT, "wrote %d log-densities to %s (mean %.4f nats)%n", logp.length, output, mean(logp));
            return 0;
        }
        String why = !standardised && m.transform().overflows(x.data(), bad.first())
                ? "standardising it overflows, it is too far from the training data relative to their std"
                : "the flow's integration overflowed, the row is far outside the training data";
        ModelSupport.warn(bad.count() + " of " + logp.length + " rows have no finite log-density, first data row " + (bad.first() + 1)
                + " (" + logp[bad.first()] + "): " + why + "; they are written as they are and left out of the mean");
        int finite = logp.length - bad.count();
        if (finite == 0) System.out.printf("wrote %d log-densities to %s (none finite)%n", logp.length, output);
        else System.out.printf(java.util.Locale.ROOT, "wrote %d log-densities to %s (mean %.4f nats over the %d finite ones)%n", logp.length, output,
                finiteMean(logp), finite);
        return 0;
    }

    static double finiteMean(double[] a) {
        double s = 0;
        int n = 0;
        for (double v : a) {
            if (Double.isFinite(v)) {
                s += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    static double mean(double[] a) {
        double s = 0;
        for (double v : a) s += v;
        return a.length == 0 ? Double.NaN : s / a.length;
    }
}
