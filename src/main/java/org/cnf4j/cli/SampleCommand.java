package org.cnf4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.run.RunModel;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
    @Option(names = "--dtype", description = "float32 or float64 (default float64).") String dtype;
    @Option(names = "--threads", defaultValue = "2", description = "Worker threads (default ${DEFAULT-VALUE}).") int threads;
    @Option(names = "--standardised", description = "Write samples in the model's (standardised) space.") boolean standardised;
    @Option(names = "--round", description = "For integer-valued (dequantised) training data: round samples back to the integers.") boolean round;
    @Option(names = "--verbose", description = "Print stack traces on errors.") boolean verbose;

    @Override
    public Integer call() throws IOException {
        ModelSupport.checkMatrixOutput(output);
        ModelSupport.positive("-n", n);
        ModelSupport.positive("--threads", threads);
        if (nt != null) ModelSupport.positive("--nt", nt);
        var dt = ModelSupport.dtype(dtype);
        if (round && standardised) throw new IllegalArgumentException("--round and --standardised exclude each other");
        RunModel m = RunModel.load(model);
        if (round && !m.transform().dequantised()) {
            throw new IllegalArgumentException("--round: " + model + " was not trained on integer-valued (dequantised) data");
        }
        int d = m.d();
        if ((long) n * (d + 3) > Integer.MAX_VALUE / 2) throw new IllegalArgumentException("-n " + n + " is too large; write several files");
        double[] logp = withLogp ? new double[n] : null;
        double[] x;
        try (CpuFlowEngine e = new CpuFlowEngine(m.shape(), dt, threads)) {
            x = m.flow(e, nt != null ? nt : m.nt()).sample(n, seed, logp);
        }
        boolean map = !standardised && !m.transform().isIdentity();
        if (map) {
            x = round ? m.transform().fromModelRounded(x) : m.transform().fromModel(x);
            if (logp != null) {
                double off = m.transform().logDensityOffset();
                for (int i = 0; i < n; i++) logp[i] += off;
            }
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
        System.out.printf("wrote %d samples (d=%d%s) to %s%n", n, d, withLogp ? ", last column log p" : "", output);
        return 0;
    }
}
