package org.cnf4j.run;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cnf4j.data.Dataset;

/**
 * What a training run is asked for, before the recipe fills in the rest: every option of {@code cnf4j train}, each
 * null (or unset) when the recipe's default applies. The data are a SOURCE string (toy name, .npy/CSV file,
 * {@code maf:NAME[:ROOT]}) or a {@link Dataset} already split and standardised (the Java API's in-memory rows).
 * Setters return this, so options read as one expression; {@link TrainingRun} resolves and validates them.
 */
public final class TrainingOptions {
    /** Values of {@link #method}. */
    public static final String OTFLOW = RunDirectory.OTFLOW, JKO = RunDirectory.JKO;

    private String data;
    private Dataset dataset;
    private Path out;
    private String method = OTFLOW;
    private Integer steps, iters, epochs, batch, valBatch, nt, ntVal, width, layers, dropEvery, earlyStopping, resampleEvery, valEvery, warmup, dropsPerDecade;
    private Integer checkpointEvery, batchShards, toySamples;
    private String budget, adam, anneal;
    private java.time.Duration timeBudget;
    private Double gradTol, lr, lrDrop, clamp, annealAt, weightDecay, ema;
    private String alpha;
    private Long seed;
    private boolean plot = true;
    private final Map<String, Object> recorded = new LinkedHashMap<>();

    /** A SOURCE string: toy name, a .npy or CSV file, or maf:NAME[:ROOT]. */
    public TrainingOptions data(String v) { data = v; dataset = null; return this; }

    /** Data already loaded, split and standardised (see DataSets); its name is saved as the run's data source only if it is a SOURCE. */
    public TrainingOptions dataset(Dataset v) { dataset = v; data = null; return this; }

    /** The run directory to create (must not exist or be empty); null trains in memory and writes nothing. */
    public TrainingOptions out(Path v) { out = v; return this; }

    /** otflow (one map) or jko (JKO-Flow: {@link #steps} maps). */
    public TrainingOptions method(String v) { method = v; return this; }

    public TrainingOptions steps(Integer v) { steps = v; return this; }

    /** Iterations (per subproblem for JKO-Flow; unset: the recipe's budget, divided by K for JKO-Flow). */
    public TrainingOptions iters(Integer v) { iters = v; return this; }

    /** A budget in epochs of the finite training set instead of iterations. */
    public TrainingOptions epochs(Integer v) { epochs = v; return this; }

    public TrainingOptions gradTol(Double v) { gradTol = v; return this; }

    public TrainingOptions batch(Integer v) { batch = v; return this; }

    public TrainingOptions valBatch(Integer v) { valBatch = v; return this; }

    public TrainingOptions nt(Integer v) { nt = v; return this; }

    public TrainingOptions ntVal(Integer v) { ntVal = v; return this; }

    public TrainingOptions width(Integer v) { width = v; return this; }

    public TrainingOptions layers(Integer v) { layers = v; return this; }

    /** "a0,a1,a2". */
    public TrainingOptions alpha(String v) { alpha = v; return this; }

    public TrainingOptions lr(Double v) { lr = v; return this; }
    public TrainingOptions warmup(Integer v) { warmup = v; return this; }
    /**
     * With a time budget, the fraction of it after which the rate drops tenfold if no plateau has lowered it (0: never);
     * given without {@link #anneal}, it asks for the step anneal.
     */
    public TrainingOptions annealAt(Double v) { annealAt = v; return this; }

    /**
     * With a time budget, how the rate anneals: {@code cosine} (half a cosine over the budget, down to lr / 100; the
     * default for files of many rows), {@code step} (a tenfold drop at {@link #annealAt}, default 3/4) or {@code none}.
     */
    public TrainingOptions anneal(String v) { anneal = v; return this; }

    /** Early stopping's drops per tenfold fall of the rate, 1..10 (unset: 1, the reference's tenfold drops). */
    public TrainingOptions dropsPerDecade(Integer v) { dropsPerDecade = v; return this; }

    /** Decoupled weight decay (AdamW): each step multiplies the parameters by 1 - lr x v first (unset: 0, none). */
    public TrainingOptions weightDecay(Double v) { weightDecay = v; return this; }

    /**
     * The decay of the parameters' moving average that validation judges and the best model keeps, in [0, 1) (0: none;
     * unset: the recipe's).
     */
    public TrainingOptions ema(Double v) { ema = v; return this; }

    public TrainingOptions lrDrop(Double v) { lrDrop = v; return this; }

    public TrainingOptions dropEvery(Integer v) { dropEvery = v; return this; }

    public TrainingOptions earlyStopping(Integer v) { earlyStopping = v; return this; }

    public TrainingOptions clamp(Double v) { clamp = v; return this; }

    public TrainingOptions resampleEvery(Integer v) { resampleEvery = v; return this; }

    public TrainingOptions valEvery(Integer v) { valEvery = v; return this; }

    public TrainingOptions seed(Long v) { seed = v; return this; }

    /**
     * Draw each batch of finite data as S parts from S fixed shards of the training rows ({@code data.DataShard};
     * default 1, the usual batches). A data-parallel run of S tasks then lets each task read only its shard; a single
     * process with the same S reproduces that run's batches.
     */
    public TrainingOptions batchShards(Integer v) { batchShards = v; return this; }

    /**
     * JKO-Flow: what the recipe's budget means when {@link #iters} and {@link #epochs} are unset: {@code total} (default)
     * splits it over the K maps, so the whole run costs what OT-Flow costs; {@code per-map} gives each map all of it,
     * as the JKO-Flow paper and its drivers do. An explicit --iters or --epochs is always each map's.
     */
    public TrainingOptions budget(String v) { budget = v; return this; }

    /**
     * JKO-Flow: the optimiser across subproblems: {@code reset} (default) starts each map's Adam afresh; {@code carry}
     * continues the previous subproblem's moments and step count, as the JKO-Flow reference's one optimiser does.
     */
    public TrainingOptions adam(String v) { adam = v; return this; }

    /**
     * A toy set as one fixed sample: N training points drawn once (and N validation points), read in reshuffled
     * minibatches like a file, instead of fresh draws (the JKO-Flow reference's toy driver: 6000). Not standardised,
     * like every toy run and the reference's.
     */
    public TrainingOptions toySamples(Integer v) { toySamples = v; return this; }

    /**
     * Stop after the first iteration that ends past this wall time (JKO-Flow: shared evenly by the maps, each ending
     * with its share), with a checkpoint: resumable, but not reproducible bit for bit, since where it stops depends on
     * the machine. Null: no limit.
     */
    public TrainingOptions timeBudget(java.time.Duration v) { timeBudget = v; return this; }

    /** Checkpoint every N iterations (default 50; 0 only at the end). */
    public TrainingOptions checkpointEvery(Integer v) { checkpointEvery = v; return this; }

    /** Whether to draw RUN_DIR/plot.png at the end (default true; only with a run directory). */
    public TrainingOptions plot(boolean v) { plot = v; return this; }

    /** An extra entry for config.json's "options" (the CLI records its --config file there). */
    public TrainingOptions record(String key, Object value) { recorded.put(key, value); return this; }

    public String data() { return data; }
    public Dataset dataset() { return dataset; }
    public Path out() { return out; }
    public String method() { return method; }
    public Integer steps() { return steps; }
    public Integer iters() { return iters; }
    public Integer epochs() { return epochs; }
    public Double gradTol() { return gradTol; }
    public Integer batch() { return batch; }
    public Integer valBatch() { return valBatch; }
    public Integer nt() { return nt; }
    public Integer ntVal() { return ntVal; }
    public Integer width() { return width; }
    public Integer layers() { return layers; }
    public String alpha() { return alpha; }
    public Double lr() { return lr; }
    public Integer warmup() { return warmup; }
    public Double annealAt() { return annealAt; }
    public String anneal() { return anneal; }
    public Integer dropsPerDecade() { return dropsPerDecade; }
    public Double weightDecay() { return weightDecay; }
    public Double ema() { return ema; }
    public Double lrDrop() { return lrDrop; }
    public Integer dropEvery() { return dropEvery; }
    public Integer earlyStopping() { return earlyStopping; }
    public Double clamp() { return clamp; }
    public Integer resampleEvery() { return resampleEvery; }
    public Integer valEvery() { return valEvery; }
    public Long seed() { return seed; }
    public Integer checkpointEvery() { return checkpointEvery; }
    public Integer batchShards() { return batchShards; }
    public String budget() { return budget; }
    public String adam() { return adam; }
    public Integer toySamples() { return toySamples; }
    public java.time.Duration timeBudget() { return timeBudget; }
    public boolean plot() { return plot; }
    public Map<String, Object> recorded() { return recorded; }
}
