package org.cnf4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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

/** {@code cnf4j sample}: samples by the inverse flow. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw samples by the inverse flow (y ~ N(0, I) integrated from t=1 to 0; for JKO-Flow runs through F_K^-1, ..., F_1^-1); writes n x d (.npy or .csv).",
            "Samples are in the units of the training data (continuous; for dequantised data not rounded) unless --standardised."})
public final class SampleCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN_DIR", description = "Run directory (train, JKO-Flow included, or import-otflow).") Path model;
    @Option(names = "-n", required = true, description = "Number of samples.") int n;
    @Option(names = "--output", required = true, paramLabel = "FILE", description = "Samples (.npy or .csv), written atomically.") Path output;
    @Option(names = "--with-logp", description = "Add a last column with each sample's log-density.") boolean withLogp;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the Gaussian draws (default ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--nt", description = "RK4 steps (per map for JKO-Flow runs; default: the run's nt_val).") Integer nt;
    @Mixin EngineMixin engine = new EngineMixin();
    @Option(names = "--standardised", description = "Write samples in the model's (standardised) space.") boolean standardised;
    @Option(names = "--round", description = "For integer-valued (dequantised) training data: round samples back to the integers.") boolean round;

    @Override
    public Integer call() throws IOException {
        ModelSupport.checkMatrixOutput(output);
        OutputGuard.apart("--output", output, "the --model run directory", model);
        OutputGuard.notIntoARun("--output", output);
        ModelSupport.positive("-n", n);
        if (nt != null) ModelSupport.positive("--nt", nt);
        EngineOptions eo = engine.checkedOptions(DType.FLOAT64, 2);
        if (round && standardised) throw new IllegalArgumentException("--round and --standardised exclude each other");
        RunModel m = RunModel.load(model);
        int d = m.d();
        ModelSupport.budget(m, "sampling", n, nt != null ? nt : m.nt(), 1, eo, "use a smaller -n (and write several files)");
        double[] logp = withLogp ? new double[n] : null;
        double[] x;
        try (FlowEngine e = Engines.create(m.shape(), eo)) {
            x = m.sample(e, nt != null ? nt : m.nt(), n, seed, logp, standardised, round);
        }
        int cols = d + (withLogp ? 1 : 0);
        double[] outRows = x;
        List<String> header = new ArrayList<>();
        for (int j = 0; j < d; j++) header.add("x" + j);
        if (withLogp) {
            outRows = new double[n * cols];
            for (int i = 0; i < n; i++) {
                System.arraycopy(x, i * d, outRows, i * cols, d);
                outRows[i * cols + d] = logp[i];
            }
            header.add("logp");
        }
        MatrixFile.write(output, outRows, n, cols, header);
        ModelSupport.NonFinite bad = ModelSupport.NonFinite.of(outRows, n, cols);
        if (bad.count() > 0) {
            ModelSupport.warn(bad.count() + " of " + n + " samples hold a NaN or an infinity (first: row " + (bad.first() + 1) + "): the inverse flow"
                    + (standardised ? "" : " or the map back to the data's units (mean + std * z)") + " left the double range; they are written as they are");
        }
        System.out.printf("wrote %d samples (d=%d%s) to %s%n", n, d, withLogp ? ", last column log p" : "", output);
        return 0;
    }
}
