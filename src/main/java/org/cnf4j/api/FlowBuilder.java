package org.cnf4j.api;

import java.io.IOException;
import java.nio.file.Path;
import org.cnf4j.backend.DType;
import org.cnf4j.data.DataSets;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.LossResult;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.run.RunListener;
import org.cnf4j.run.RunResult;
import org.cnf4j.run.TrainingOptions;
import org.cnf4j.run.TrainingRun;
import org.cnf4j.train.TrainConfig;
import org.cnf4j.train.TrainState;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The options of a fit, set one call at a time; {@link #fit} trains. Each option left unset takes the default of
 * {@code cnf4j train} for that data (the toy recipe for d <= 2, the MAF row for {@code maf:NAME}, the tabular
 * recipe otherwise; see the README), so the same options and seed give the same model as the command line. Rows
 * passed to {@code fit} are treated exactly as a .npy/CSV file with the same values would be: shuffled, dequantised
 * when integer-valued, split into train/validation/test (80/10/10 of the reference) and standardised.
 */
public final class FlowBuilder {
    private final TrainingOptions o = new TrainingOptions();
    private String device = EngineOptions.CPU;
    private String gpuMath;
    private DType dtype = DType.FLOAT32;
    private int threads = 2;
    private ProgressListener listener;

    FlowBuilder(int jkoSteps) {
        if (jkoSteps > 0) o.method(TrainingOptions.JKO).steps(jkoSteps);
        o.plot(false);
    }

    /** Hidden width m of the potential's ResNet. */
    public FlowBuilder width(int m) { o.width(m); return this; }

    /** ResNet layers nTh (at least 2). */
    public FlowBuilder layers(int nTh) { o.layers(nTh); return this; }

    /** Adam iterations (per map for JKO-Flow). */
    public FlowBuilder iterations(int n) { o.iters(n); return this; }

    /** A budget in epochs of the training rows instead of iterations (per map for JKO-Flow). */
    public FlowBuilder epochs(int n) { o.epochs(n); return this; }

    /** Training batch size. */
    public FlowBuilder batch(int n) { o.batch(n); return this; }

    /** RK4 steps of the training discretisation. */
    public FlowBuilder nt(int n) { o.nt(n); return this; }

    /** RK4 steps of validation, and of scoring and sampling afterwards. */
    public FlowBuilder ntValidation(int n) { o.ntVal(n); return this; }

    /** Loss weights: transport cost a0, negative log-likelihood a1, HJB penalty a2. */
    public FlowBuilder alpha(double a0, double a1, double a2) { o.alpha(a0 + "," + a1 + "," + a2); return this; }

    /** Adam learning rate. */
    public FlowBuilder learningRate(double lr) { o.lr(lr); return this; }

    /** Raise the learning rate linearly over the first {@code iterations} iterations (0: none). */
    public FlowBuilder warmup(int iterations) { o.warmup(iterations); return this; }
    /**
     * Stops training after the iteration that passes this wall time (as {@code train --time-budget}); where it stops
     * depends on the machine's speed, so such a run is not reproducible bit for bit by another.
     */
    public FlowBuilder timeBudget(java.time.Duration wallTime) { o.timeBudget(wallTime); return this; }

    /**
     * With {@link #timeBudget}: the fraction of it after which the rate drops tenfold unless a plateau has lowered it (0: never);
     * without {@link #anneal}, this asks for the step anneal.
     */
    public FlowBuilder annealAt(double fraction) { o.annealAt(fraction); return this; }

    /**
     * With {@link #timeBudget}: how the rate anneals: {@code "cosine"} (half a cosine over the budget down to lr / 100, the
     * default for files of many rows), {@code "step"} (a tenfold drop at {@link #annealAt}, default 3/4 of the budget) or {@code "none"}. Cosine or step without a time budget is refused at {@code fit}: it would do
     * nothing.
     */
    public FlowBuilder anneal(String mode) { o.anneal(mode); return this; }

    /** Multiply the learning rate by {@code factor} every {@code every} iterations (0: never). */
    public FlowBuilder learningRateDrop(double factor, int every) { o.lrDrop(factor).dropEvery(every); return this; }

    /** After {@code validations} validations without improvement divide lr by 10 (three times), then stop; 0 off. */
    public FlowBuilder earlyStopping(int validations) { o.earlyStopping(validations); return this; }

    /** With {@link #earlyStopping}: the plateaus over which the rate falls tenfold (1..10; each divides it by 10^(1/n)). */
    public FlowBuilder plateauDropsPerDecade(int n) { o.dropsPerDecade(n); return this; }

    /** Decoupled weight decay (AdamW): each step first multiplies the parameters by 1 - lr x wd; 0 (the default) off. */
    public FlowBuilder weightDecay(double wd) { o.weightDecay(wd); return this; }

    /**
     * Validation judges an exponential moving average of the parameters with this decay (each step: avg = decay x avg +
     * (1 - decay) x params), and the best model kept is that average; 0 judges the parameters themselves. Unset: the
     * recipe's (0.99 for files of more than two columns, 0 for toy data and {@code maf:NAME}).
     */
    public FlowBuilder ema(double decay) { o.ema(decay); return this; }

    /** Clamp the parameters to [-c, c] before each step; 0 off. */
    public FlowBuilder clamp(double c) { o.clamp(c); return this; }

    /** Validate every {@code n} iterations. */
    public FlowBuilder validateEvery(int n) { o.valEvery(n); return this; }

    /** Seed of the initial model, the batches and the shuffle and split of the rows (default 0). */
    public FlowBuilder seed(long seed) { o.seed(seed); return this; }

    /** cpu (default), cuda, or auto: cuda when a driver and device answer, else cpu. Scoring and sampling use it too. */
    public FlowBuilder device(String device) { this.device = EngineOptions.normaliseDevice(device); return this; }

    /** Training precision: float32 (default) or float64. Scoring and sampling are always float64, as in {@code cnf4j logp}. */
    public FlowBuilder dtype(String dtype) {
        String t = dtype == null ? "" : dtype.trim().toLowerCase(java.util.Locale.ROOT);
        if (!t.equals("float32") && !t.equals("float64")) throw new IllegalArgumentException("unknown dtype '" + dtype + "': use float32 or float64");
        this.dtype = DType.parse(t);
        return this;
    }

    /**
     * GPU products for training (device cuda or auto): fp32 (default, strict float32) or tf32 (the Hessian trace's big
     * products on the tensor cores: 1.7-2.2x faster at large sizes on an H200, less exact; docs/GPU.md). tf32 with device cpu is
     * refused when fitting. Scoring and sampling stay float64.
     */
    public FlowBuilder gpuMath(String mode) {
        EngineOptions.defaults().withDevice(EngineOptions.CUDA).withGpuMath(mode);   // checks the name now
        this.gpuMath = mode;
        return this;
    }

    /** CPU worker threads (default 2); results do not depend on it. */
    public FlowBuilder threads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        this.threads = n;
        return this;
    }

    /**
     * Train into this run directory (it must not exist or be empty): config.json, log.csv, checkpoints and the best
     * model are written as {@code cnf4j train} writes them, so {@code cnf4j train --out DIR --resume} can continue a
     * fit of a named data source. Without it the fit runs in memory and writes nothing until {@link FittedFlow#save}.
     */
    public FlowBuilder runDirectory(Path dir) { o.out(dir); return this; }

    /** Told after every validation. */
    public FlowBuilder listener(ProgressListener l) { this.listener = l; return this; }

    /** Fits rows (n x d, one sample per row, in the data's units). */
    public FittedFlow fit(double[][] rows) throws IOException {
        return fitMatrix(toMatrix(rows), "the rows");
    }

    /** Fits the rows of a 2-D ND4J array (n x d). */
    public FittedFlow fit(INDArray rows) throws IOException {
        if (rows == null || rows.rank() != 2) throw new IllegalArgumentException("fit needs a 2-D array of n rows x d columns");
        return fit(rows.toDoubleMatrix());
    }

    /** Fits a data source as {@code cnf4j train --data SOURCE} does: a toy name, a .npy or CSV file, or maf:NAME[:ROOT]. */
    public FittedFlow fit(String source) throws IOException {
        // the run layer's own message speaks of --data and --resume, which a library caller has not
        if (source == null || source.isBlank()) throw new IllegalArgumentException("fit needs a data source: a toy name, a .npy or CSV file, or maf:NAME");
        o.data(source);
        return run();
    }

    private FittedFlow fitMatrix(MatrixFile.Matrix m, String where) throws IOException {
        long seed = o.seed() != null ? o.seed() : 0;
        o.dataset(DataSets.matrix(m, "rows", where, seed, DataSets.Options.defaults()));
        return run();
    }

    private FittedFlow run() throws IOException {
        EngineOptions train = EngineOptions.defaults().withDevice(device).withDtype(dtype).withThreads(threads);
        if (gpuMath != null) train = train.withGpuMath(gpuMath);
        RunResult r = TrainingRun.start(o, train, new Forward(listener));
        return new FittedFlow(r.model(), r, scoringOptions(device, threads), r.validationNll());
    }

    /** Float64 on the device, as the scoring commands default to. */
    static EngineOptions scoringOptions(String device, int threads) {
        return EngineOptions.defaults().withDevice(device).withDtype(DType.FLOAT64).withThreads(threads);
    }

    /** Checks and flattens rows: at least one, all of one length, every value finite. */
    static MatrixFile.Matrix toMatrix(double[][] rows) {
        if (rows == null || rows.length == 0) throw new IllegalArgumentException("no rows: give at least one row of data");
        int d = rows[0] == null ? 0 : rows[0].length;
        if (d < 1) throw new IllegalArgumentException("row 0 is empty: each row needs d >= 1 values");
        double[] flat = new double[Math.multiplyExact(rows.length, d)];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || rows[i].length != d) {
                throw new IllegalArgumentException("row " + i + " has " + (rows[i] == null ? 0 : rows[i].length) + " values, row 0 has " + d);
            }
            for (int j = 0; j < d; j++) {
                double v = rows[i][j];
                if (!Double.isFinite(v)) throw new IllegalArgumentException("row " + i + ", column " + j + " is " + v + ": every value must be finite");
                flat[i * d + j] = v;
            }
        }
        return new MatrixFile.Matrix(rows.length, d, flat);
    }

    /** The run's events as {@link Progress} after each validation (when there is a listener); its warnings to the log. */
    private static final class Forward implements RunListener {
        private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FlowBuilder.class);
        private final ProgressListener l;
        private TrainConfig cfg;
        private int maps = 1, k = 1;
        private LossResult last;

        Forward(ProgressListener l) { this.l = l; }

        @Override public void onStart(TrainConfig config, int jkoSteps, TrainState from, String engine, boolean resumed) {
            cfg = config;
            maps = Math.max(1, jkoSteps);
            k = from.subproblem;
        }

        @Override public void onSubproblemStart(int step) { k = step; }

        @Override public void onIteration(int iter, LossResult r, double lr) { last = r; }

        @Override public void onWarning(String message) { LOG.warn(message); }

        @Override public void onValidation(int iter, LossResult v, boolean best) {
            if (l == null) return;
            l.onProgress(new Progress((k - 1) * cfg.iters() + iter, cfg.iters() * maps, k, maps, last == null ? Double.NaN : last.j(), v.c(), best));
        }
    }
}
