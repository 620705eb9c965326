package org.cnf4j.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.run.OutputGuard;
import org.cnf4j.run.RunDirectory;
import org.cnf4j.run.RunModel;
import org.cnf4j.run.RunResult;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trained flow, OT-Flow or JKO-Flow, in the data's own units: {@link #logDensity} is what {@code cnf4j logp}
 * writes for the same rows and {@link #sample} what {@code cnf4j sample} writes for the same n and seed (both in
 * float64 with the run's validation discretisation). It holds a compute engine: close it when done. Not for use by
 * several threads at once.
 */
public final class FittedFlow implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FittedFlow.class);
    private final RunModel model;
    private final RunResult result;
    private final EngineOptions scoring;
    private final double validationNll;
    private FlowEngine engine;

    FittedFlow(RunModel model, RunResult result, EngineOptions scoring, double validationNll) {
        this.model = model;
        this.result = result;
        this.scoring = scoring;
        this.validationNll = validationNll;
    }

    /** The model behind this flow (for the tests and the run layer's own tools). */
    RunModel model() { return model; }

    /** The data dimension d. */
    public int dimension() { return model.d(); }

    /** The number of maps: 1 for OT-Flow, K for JKO-Flow. */
    public int maps() { return model.maps().size(); }

    /** The validation NLL (nats, model space) of the fitted model; NaN for a model loaded from disk. */
    public double validationNll() { return validationNll; }

    /** The run directory the model lives in, or null for an in-memory fit not yet saved. */
    public Path directory() { return model.dir(); }

    /**
     * Log-densities (nats) of rows in the data's units, one per row. A row too far from the training data to be
     * standardised or integrated in double precision gets NaN or -infinity (as {@code cnf4j logp} writes it; the
     * command also warns); check with {@code Double.isFinite}. Rows whose scoring would not fit in memory are refused
     * ({@link org.cnf4j.engine.NotEnoughMemoryException}) before the work starts.
     */
    public double[] logDensity(double[][] rows) {
        MatrixFile.Matrix m = FlowBuilder.toMatrix(rows);
        checkDimension(m.cols());
        budget("scoring", m.rows(), "score fewer rows per call");
        return model.logDensity(engine(), model.nt(), m.data(), m.rows(), false);
    }

    /** Log-densities of the rows of a 2-D ND4J array (n x d), as a float64 vector of length n. */
    public INDArray logDensity(INDArray rows) {
        if (rows == null || rows.rank() != 2) throw new IllegalArgumentException("logDensity needs a 2-D array of n rows x d columns");
        return Nd4j.createFromArray(logDensity(rows.toDoubleMatrix()));
    }

    /**
     * n samples in the data's units from N(0, I) draws of {@code seed}, one per row. An n whose samples would not fit in
     * memory (or in Java arrays) is refused before anything is allocated.
     */
    public double[][] sample(int n, long seed) {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, got " + n);
        budget("sampling", n, "draw fewer rows per call");
        int d = model.d();
        double[] x = model.sample(engine(), model.nt(), n, seed, null, false, false);
        double[][] rows = new double[n][d];
        for (int i = 0; i < n; i++) System.arraycopy(x, i * d, rows[i], 0, d);
        return rows;
    }

    /** {@link #sample} as an n x d float64 ND4J array. */
    public INDArray sampleArray(int n, long seed) { return Nd4j.createFromArray(sample(n, seed)); }

    /**
     * Writes the model as a run directory that every command reads ({@code cnf4j eval --data}, {@code logp},
     * {@code sample}, {@code plot}); {@code dir} must not exist or be empty. A fit with a run directory, or a loaded
     * model, is copied with its log and checkpoint; an in-memory fit writes config.json and its weights.
     */
    public void save(Path dir) throws IOException {
        if (dir == null) throw new IllegalArgumentException("save needs a directory to write the run into");
        if (model.dir() != null) {
            copyRun(model.dir(), dir);
            return;
        }
        try (RunDirectory run = RunDirectory.create(dir)) {   // locked against other writers while it is written
            Map<String, Object> opts = new LinkedHashMap<>();
            opts.put("data", model.data());
            opts.put("method", result.jkoSteps() > 0 ? RunDirectory.JKO : RunDirectory.OTFLOW);
            opts.put("saved-by", "org.cnf4j.api.FittedFlow.save");
            run.saveConfig(result.config(), model.data(), model.transform(), opts, result.jkoSteps());
            List<org.cnf4j.model.PhiParams> maps = model.maps();
            if (result.jkoSteps() > 0) {
                for (int k = 1; k <= maps.size(); k++) run.saveMap(k, maps.get(k - 1));
            } else {
                run.saveWeights(maps.get(0));
            }
        }
    }

    /** Copies a run directory's files (not temporaries) into a new one. */
    private static void copyRun(Path from, Path to) throws IOException {
        if (from.toAbsolutePath().normalize().equals(to.toAbsolutePath().normalize())) return;
        OutputGuard.apart("directory", to, "the run it copies", from);   // inside it, the copy would copy itself
        try (RunDirectory copy = RunDirectory.create(to); var files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path rel = from.relativize(p);
                if (rel.toString().isEmpty() || rel.getFileName().toString().startsWith(".")) continue;
                Path target = to.resolve(rel.toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    /** As the commands do before their work: refuses n points that cannot fit; logs the warnings about long work. */
    private void budget(String task, int n, String advice) {
        for (String warning : model.budget(task, n, model.nt(), 1, scoring, advice)) LOG.warn(warning);
    }

    private void checkDimension(int cols) {
        if (cols != model.d()) throw new IllegalArgumentException("rows have " + cols + " columns but the model has dimension d=" + model.d());
    }

    private FlowEngine engine() {
        if (engine == null) engine = Engines.create(model.shape(), scoring);
        return engine;
    }

    /** Releases the compute engine (its threads and, on a GPU, device memory). */
    @Override
    public void close() {
        if (engine != null) engine.close();
        engine = null;
    }
}
