package org.cnf4j.api;

import java.io.IOException;
import java.nio.file.Path;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.run.RunModel;

/**
 * The entry point of cnf4j as a library: fit a continuous normalizing flow to rows of data, then score, sample and
 * save it, all in the data's own units; or load a run directory that {@code cnf4j train} (or {@link FittedFlow#save})
 * wrote.
 *
 * <pre>{@code
 * try (FittedFlow f = Cnf4j.otFlow().width(64).iterations(2000).device("auto").fit(rows)) {
 *     double[] logp = f.logDensity(test);   // what `cnf4j logp` writes for the same rows
 *     double[][] xs = f.sample(1000, 42);   // what `cnf4j sample` writes
 *     f.save(Path.of("runs/x"));            // a run directory every command reads
 * }
 * }</pre>
 *
 * Every option left unset takes the default of {@code cnf4j train} (the recipes in the README), so a fit and the
 * command line with the same options and seed give the same model, bit for bit.
 */
public final class Cnf4j {
    private Cnf4j() {}

    /**
     * The rows of a .npy or CSV file (header optional), one double[] per row, read as {@code cnf4j train} and
     * {@code cnf4j logp} read them; a one-line IOException or IllegalArgumentException for a missing, malformed or
     * non-finite file.
     */
    public static double[][] readRows(Path file) throws IOException {
        MatrixFile.Matrix m = MatrixFile.read(file);
        double[][] rows = new double[m.rows()][m.cols()];
        for (int i = 0; i < m.rows(); i++) System.arraycopy(m.data(), i * m.cols(), rows[i], 0, m.cols());
        return rows;
    }

    /** OT-Flow (Onken et al., 2021): one map trained with the transport and HJB penalties. */
    public static FlowBuilder otFlow() { return new FlowBuilder(0); }

    /** JKO-Flow (Vidal et al., 2023): K OT-Flow maps, each trained on the data pushed through the ones before it. */
    public static FlowBuilder jkoFlow(int k) {
        if (k < 1) throw new IllegalArgumentException("JKO-Flow needs K >= 1 maps, got " + k);
        return new FlowBuilder(k);
    }

    /** A model from a run directory (OT-Flow or JKO-Flow), scored and sampled on the CPU in float64. */
    public static FittedFlow load(Path runDirectory) throws IOException {
        return load(runDirectory, "cpu");
    }

    /** A model from a run directory, scored and sampled in float64 on {@code device} (cpu, cuda or auto). */
    public static FittedFlow load(Path runDirectory, String device) throws IOException {
        return new FittedFlow(RunModel.load(runDirectory), null, FlowBuilder.scoringOptions(device, 2), Double.NaN);
    }
}
