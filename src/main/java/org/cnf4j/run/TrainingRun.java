package org.cnf4j.run;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cnf4j.backend.DType;
import org.cnf4j.baseline.Baselines;
import org.cnf4j.baseline.GaussianDensity;
import org.cnf4j.data.DataSets;
import org.cnf4j.data.DataShard;
import org.cnf4j.data.DataTransform;
import org.cnf4j.data.Dataset;
import org.cnf4j.data.ShardedFile;
import org.cnf4j.data.ToyData;
import org.cnf4j.engine.DataParallel;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.engine.MemoryEstimate;
import org.cnf4j.engine.NotEnoughMemoryException;
import org.cnf4j.engine.WorkEstimate;
import org.cnf4j.eval.ComposedFlow;
import org.cnf4j.eval.Flow;
import org.cnf4j.format.AtomicFile;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.ode.Tableau;
import org.cnf4j.train.BatchSource;
import org.cnf4j.train.BudgetAnneal;
import org.cnf4j.train.DatasetBatchSource;
import org.cnf4j.train.JkoTrainer;
import org.cnf4j.train.OtFlowTrainer;
import org.cnf4j.train.ToyBatchSource;
import org.cnf4j.train.TrainConfig;
import org.cnf4j.train.TrainState;

/**
 * The one training-run service: {@code cnf4j train}, the experiments and the Java API all train through it, so the
 * same options and seed give the same model bit for bit. It resolves the options against the data's {@link Recipe},
 * creates (or, for {@link #resume}, reopens) the run directory, writes config.json, log.csv and the checkpoints in
 * the order that makes a killed run resumable (config.json and the iteration-0 checkpoint before the first
 * iteration; then the subproblem's best map first, checkpoint.bin second), runs OT-Flow or JKO-Flow and draws
 * plot.png at the end. Without a run directory ({@link TrainingOptions#out} null) it trains
 * in memory and writes nothing. It prints nothing: everything a person should see goes to the {@link RunListener}.
 */
public final class TrainingRun {
    /** Checkpoint interval when none is given. */
    public static final int DEFAULT_CHECKPOINT_EVERY = 50;
    /** Default JKO-Flow subproblems K. */
    public static final int DEFAULT_JKO_STEPS = 5;

    private TrainingRun() {}

    /**
     * A new run. The engine's precision and threads become the run's ({@code dtype} and {@code threads} of the saved
     * configuration); its device is not saved, so a resumed run may use another. Every option is validated, and the
     * device checked, before anything is written.
     */
    public static RunResult start(TrainingOptions o, EngineOptions engine, RunListener listener) throws IOException {
        return start(o, engine, listener, null);
    }

    /**
     * Validates {@code o} as {@link #start} would for a run of {@code tasks} data-parallel tasks (data read, recipe
     * resolved, memory and device checked) and returns the run's configuration, without training or writing anything:
     * what a driver checks before it launches the tasks.
     */
    public static TrainConfig check(TrainingOptions o, EngineOptions engine, int tasks) throws IOException {
        return resolve(o, engine, null, tasks, 0).cfg();
    }

    /**
     * A new run's options resolved against its data and recipe. {@code shard} holds the finite data (null for a toy
     * set): the whole set, or only this task's shard when the tasks hold shards (see {@link #sharded}).
     */
    private record Resolved(String method, int jkoSteps, int checkpointEvery, String source, DataShard shard, DataTransform transform,
                            TrainConfig cfg, int batchShards, RunProtocol protocol) {}

    /** A toy set drawn once: N training and N validation points (and the usual test draws), not standardised. */
    private static Dataset toySample(String source, long seed, int n) throws IOException {
        return DataSets.load(source, seed, DataSets.Options.defaults().withToySizes(n, n, 10_000));
    }

    /**
     * Whether each of {@code tasks} data-parallel tasks reads only its own shard of a file: when the batches are drawn
     * from as many shards as there are tasks. With any other count every task reads the whole data set and cuts its
     * rows out of every batch.
     */
    private static boolean sharded(int batchShards, int tasks, String source) {
        return batchShards > 1 && tasks == batchShards && source != null && DataSets.file(source) != null;
    }

    private static Resolved resolve(TrainingOptions o, EngineOptions engine, RunListener listener, int tasks, int rank) throws IOException {
        String meth = o.method() == null ? TrainingOptions.OTFLOW : o.method().trim().toLowerCase(Locale.ROOT);
        if (!meth.equals(TrainingOptions.OTFLOW) && !meth.equals(TrainingOptions.JKO)) {
            throw new IllegalArgumentException("unknown --method '" + o.method() + "': use otflow or jko");
        }
        boolean jko = meth.equals(TrainingOptions.JKO);
        if (o.steps() != null && !jko) throw new IllegalArgumentException("--steps is for --method jko");
        if (o.steps() != null && o.steps() < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + o.steps());
        if (o.iters() != null && o.epochs() != null) throw new IllegalArgumentException("--iters and --epochs exclude each other");
        if (o.epochs() != null && o.epochs() < 1) throw new IllegalArgumentException("--epochs must be >= 1, got " + o.epochs());
        if (o.data() == null && o.dataset() == null) throw new IllegalArgumentException("--data is required (or --resume to continue a run)");
        Engines.checkAvailable(engine);
        int jkoSteps = jko ? (o.steps() != null ? o.steps() : DEFAULT_JKO_STEPS) : 0;
        int ckEvery = o.checkpointEvery() != null ? o.checkpointEvery() : DEFAULT_CHECKPOINT_EVERY;
        if (ckEvery < 0) throw new IllegalArgumentException("--checkpoint-every must be >= 0, got " + ckEvery);
        long sd = o.seed() != null ? o.seed() : 0;
        int shards = o.batchShards() != null ? o.batchShards() : 1;
        if (shards < 1) throw new IllegalArgumentException("--batch-shards must be >= 1, got " + shards);
        RunProtocol protocol = RunProtocol.of(o, jko);
        String source;
        Dataset full = null;
        ShardedFile opened = null;
        if (o.dataset() != null) {
            full = o.dataset();
            source = null;
        } else if (DataSets.isToy(o.data())) {
            source = o.data().trim().toLowerCase(Locale.ROOT);
            if (protocol.toySamples() > 0) full = toySample(source, sd, protocol.toySamples());
            else if (shards > 1) throw new IllegalArgumentException("--batch-shards is for finite data (a file, maf:NAME or --toy-samples): toy batches are fresh draws");
        } else {
            if (protocol.toySamples() > 0) throw new IllegalArgumentException("--toy-samples is for toy sets (" + String.join(", ", ToyData.names()) + ")");
            source = DataSets.canonical(o.data());   // saved so that eval, plot and resume find it from any folder
            if (sharded(shards, tasks, source)) opened = DataSets.openShards(o.data().trim(), sd);
            else full = DataSets.load(o.data().trim(), sd);
        }
        boolean finite = full != null || opened != null;
        int d = full != null ? full.d() : opened != null ? opened.cols() : 2;
        int nTrain = full != null ? full.nTrain() : opened != null ? opened.split().train() : 0;
        int nValidation = full != null ? full.nValidation() : opened != null ? opened.split().validation() : 0;
        String where = source != null ? source : "the data";
        if (finite && (nTrain < 1 || nValidation < 1)) throw new IllegalArgumentException(where + ": the training or validation split is empty");
        Recipe rec = finite ? Recipe.forData(source, d, nTrain) : Recipe.TOY;
        int b = or(o.batch(), rec.batch());
        if (b < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + b);
        int valEvery;
        if (o.valEvery() != null) valEvery = o.valEvery();
        else valEvery = rec.validationInterval(nTrain / b);
        int vb = or(o.valBatch(), rec.valBatch());
        if (vb < 1) throw new IllegalArgumentException("--val-batch must be >= 1, got " + vb);
        if (finite) vb = Math.min(vb, nValidation);
        DataParallel.requireRows(tasks, b, "--batch");
        DataParallel.requireRows(tasks, vb, "the validation batch");
        DataParallel.requireRows(shards, vb, "the validation batch");
        // a task of as many tasks as shards keeps only its shard: streamed from a file, cut from data read whole (maf:, in memory)
        boolean ownShard = shards > 1 && tasks == shards;
        DataShard shard = full != null ? (ownShard ? DataShard.cut(full, rank, shards, vb) : DataShard.whole(full, shards))
                : opened != null ? opened.load(rank, shards, vb) : null;
        // fewer rows than a batch (or than a shard's part of one): a clear error
        if (shard != null) DatasetBatchSource.of(shard, sd).batchesPerEpoch(b);
        int budget;
        if (o.epochs() != null) {
            if (shard == null) throw new IllegalArgumentException("--epochs needs a finite data set (a file or maf:NAME); toy data are endless: use --iters");
            long it = (long) o.epochs() * DatasetBatchSource.of(shard, sd).batchesPerEpoch(b);
            if (it > Integer.MAX_VALUE) throw new IllegalArgumentException("--epochs " + o.epochs() + " is too many iterations");
            budget = (int) it;
        } else {
            budget = o.iters() != null ? o.iters() : protocol.budget().equals(RunProtocol.PER_MAP) ? rec.iters() : Recipe.perSubproblem(rec.iters(), jkoSteps);
        }
        int w = or(o.width(), rec.width()), nl = or(o.layers(), rec.layers());
        if (w < 1) throw new IllegalArgumentException("--width must be >= 1, got " + w);
        if (nl < 2) throw new IllegalArgumentException("--layers must be >= 2, got " + nl);
        Integer dpd = o.dropsPerDecade();   // 0 is only how a config.json from before the option reads; a user means 1..10
        if (dpd != null && (dpd < 1 || dpd > 10)) throw new IllegalArgumentException("--drops-per-decade must be in 1..10, got " + dpd);
        Anneal anneal = anneal(o, rec);
        TrainConfig cfg = new TrainConfig(new PhiShape(d, w, nl), Alpha.parse(o.alpha() != null ? o.alpha() : rec.alpha()),
                or(o.nt(), rec.nt()), or(o.ntVal(), rec.ntVal()), b, vb, budget, o.lr() != null ? o.lr() : rec.lrFor(w),
                or(o.dropEvery(), rec.dropEvery()), o.lrDrop() != null ? o.lrDrop() : 0.5, o.clamp() != null ? o.clamp() : rec.clamp(),
                or(o.resampleEvery(), rec.resampleEvery()), valEvery, sd, engine.dtype(), engine.threads(),
                or(o.earlyStopping(), rec.earlyStopping()), o.gradTol() != null ? o.gradTol() : 0, or(o.warmup(), rec.warmup()),
                anneal.at(), or(o.dropsPerDecade(), 1), o.weightDecay() != null ? o.weightDecay() : 0, anneal.kind(),
                o.ema() != null ? o.ema() : rec.ema());
        DataTransform transform = shard == null ? DataTransform.identity(d) : DataTransform.of(shard.rows());
        budget(cfg, jkoSteps, shard, engine, listener);
        return new Resolved(meth, jkoSteps, ckEvery, source, shard, transform, cfg, shards, protocol);
    }

    /**
     * Refuses --anneal cosine or step, or a non-zero --anneal-at, on a run without a time budget: the anneals run over
     * the budget, so without one they would do nothing, silently (a recipe's own anneal just stays idle).
     */
    static void requireBudgetForAnneal(TrainingOptions o) {
        if (o.timeBudget() != null) return;
        boolean mode = o.anneal() != null && !o.anneal().trim().equalsIgnoreCase("none");
        boolean at = o.annealAt() != null && o.annealAt() > 0;
        if (mode || at) {
            throw new IllegalArgumentException((mode ? "--anneal " + o.anneal().trim() : "--anneal-at " + o.annealAt())
                    + " anneals the rate over the time budget, and this run has none: add --time-budget (e.g. 20m), or leave it out");
        }
    }

    /** The time budget's anneal of a run: its kind, and for the step its moment (0: none). */
    record Anneal(BudgetAnneal kind, double at) {}

    /**
     * The anneal a run asks for: --anneal (cosine; step at --anneal-at, else the recipe's moment, else {@link
     * Recipe#STEP_ANNEAL_AT}; none), else the step at --anneal-at when only that is given, else the recipe's.
     */
    static Anneal anneal(TrainingOptions o, Recipe rec) {
        Double at = o.annealAt();
        if (o.anneal() == null) return at != null ? new Anneal(BudgetAnneal.STEP, at) : new Anneal(rec.anneal(), rec.annealAt());
        switch (o.anneal().trim().toLowerCase(java.util.Locale.ROOT)) {
            case "cosine":
                if (at != null) {
                    throw new IllegalArgumentException("--anneal-at sets when the step anneal drops the rate; --anneal cosine has no such "
                            + "moment: leave one of them out");
                }
                return new Anneal(BudgetAnneal.COSINE, 0);
            case "step":
                return new Anneal(BudgetAnneal.STEP, at != null ? at : rec.annealAt() > 0 ? rec.annealAt() : Recipe.STEP_ANNEAL_AT);
            case "none":
                if (at != null && at > 0) throw new IllegalArgumentException("--anneal none and --anneal-at " + at + " contradict each other: leave one of them out");
                return new Anneal(BudgetAnneal.STEP, 0);
            default:
                throw new IllegalArgumentException("--anneal must be cosine, step or none, got '" + o.anneal() + "'");
        }
    }

    /**
     * {@link #start} as one task of a data-parallel run ({@code task} null: the whole run in this process). Every task
     * gets the same options and computes its slice of every batch; the writer (rank 0) creates and writes
     * {@code o.out()}, the others write nothing. The tasks end with the same model, which equals the single-process
     * run's up to floating-point round-off (with one task: bit for bit).
     */
    public static RunResult start(TrainingOptions o, EngineOptions engine, RunListener listener, DataParallel task) throws IOException {
        if (task != null && o.timeBudget() != null) {
            throw new IllegalArgumentException("--time-budget would stop data-parallel tasks at different iterations; use --iters or --epochs");
        }
        checkTimeBudget(o.timeBudget());
        Resolved r = resolve(o, engine, listener, task == null ? 1 : task.size(), task == null ? 0 : task.rank());
        requireBudgetForAnneal(o);
        TrainConfig cfg = r.cfg();
        int jkoSteps = r.jkoSteps(), ckEvery = r.checkpointEvery();
        String meth = r.method(), source = r.source();
        DataTransform transform = r.transform();
        TrainState state = initialState(cfg);   // allocated before anything is written
        // the run directory stays locked against other writers until the run, plot included, is done
        boolean writes = o.out() != null && (task == null || task.writer());
        try (RunDirectory run = writes ? RunDirectory.create(o.out()) : null) {
            if (run != null) {
                Map<String, Object> opts = new LinkedHashMap<>();
                opts.put("data", source);
                opts.putAll(o.recorded());
                opts.put("checkpoint-every", ckEvery);
                opts.put("method", meth);
                if (jkoSteps > 0) opts.put("steps", jkoSteps);
                if (r.batchShards() > 1) opts.put(BATCH_SHARDS, r.batchShards());   // the batches depend on it: a resume keeps it
                r.protocol().record(opts);
                opts.put("plot", o.plot());   // a resume keeps it
                run.saveConfig(cfg, source, transform, opts, jkoSteps);
                // before the first iteration, so that a run killed, diverged or out of memory at any point continues
                // with --resume (bit-identical: it is the state training starts from); weights/ appear at the first
                // real checkpoint
                state.save(run.checkpointFile());
            }
            return train(new Plan(cfg, jkoSteps, ckEvery, source, r.shard(), transform, run, run == null ? null : run.path(), o.plot(), false, task,
                    r.protocol(), o.timeBudget()), state, engine, listener);
        }
    }

    /** {@link #resume(Path, Integer, Integer, Integer, boolean, EngineOptions, RunListener)} in the saved thread count, with the saved plot choice. */
    public static RunResult resume(Path dir, Integer iters, Integer checkpointEvery, EngineOptions engine, RunListener listener) throws IOException {
        return resume(dir, iters, checkpointEvery, null, true, engine, listener);
    }

    /**
     * Continues the run in {@code dir} from its checkpoint with its saved configuration; {@code iters} (if not null)
     * raises an OT-Flow run's budget. Log lines past the checkpoint are dropped (those iterations run again), so the
     * run ends bit-identical to an uninterrupted one. The engine runs in the saved precision and, unless
     * {@code threads} is given (results do not depend on it), the saved thread count; checkpoints come every
     * {@code checkpointEvery} iterations or as the run started. plot.png is drawn if {@code plot} and the run did not
     * start without it. Refused before anything is written: a run directory another process writes, a config.json
     * edited out of agreement with itself, a data file changed since the run started.
     */
    public static RunResult resume(Path dir, Integer iters, Integer checkpointEvery, Integer threads, boolean plot, EngineOptions engine,
                                   RunListener listener) throws IOException {
        return resume(dir, iters, checkpointEvery, threads, plot, engine, listener, null);
    }

    /**
     * {@link #resume} as one task of a data-parallel run (see {@link #start(TrainingOptions, EngineOptions, RunListener,
     * DataParallel)}): the writer (rank 0) reopens {@code dir} for writing and goes on writing it; the other tasks read
     * its configuration, checkpoint and finished maps (before the writer can change them: it writes nothing until every
     * task has joined the first step) and write nothing.
     */
    public static RunResult resume(Path dir, Integer iters, Integer checkpointEvery, Integer threads, boolean plot, EngineOptions engine,
                                   RunListener listener, DataParallel task) throws IOException {
        return resume(dir, iters, checkpointEvery, threads, plot, null, engine, listener, task);
    }

    /** {@link #resume} with a wall-time budget for this continuation (null: none; see {@link TrainingOptions#timeBudget}). */
    public static RunResult resume(Path dir, Integer iters, Integer checkpointEvery, Integer threads, boolean plot, java.time.Duration timeBudget,
                                   EngineOptions engine, RunListener listener, DataParallel task) throws IOException {
        if (task != null && timeBudget != null) throw new IllegalArgumentException("--time-budget would stop data-parallel tasks at different iterations");
        checkTimeBudget(timeBudget);
        Engines.checkAvailable(engine);
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        boolean writes = task == null || task.writer();
        if (task != null && !writes) task.barrier();   // the writer has put interrupted files back in place
        try (RunDirectory run = writes ? RunDirectory.openForWriting(dir) : RunDirectory.open(dir)) {
            if (writes) run.removeStaleTemporaries();
            if (task != null && writes) task.barrier();
            TrainConfig saved = run.loadConfig();
            String source = run.loadDataSource();
            int jkoSteps = run.loadJkoSteps();
            if (jkoSteps > 0 && iters != null && iters != saved.iters()) {
                throw new IllegalArgumentException("a JKO-Flow run keeps its per-subproblem budget (" + saved.iters() + " iterations); start a new run for another");
            }
            // --iters only raises the budget: a lower one was ignored, and the run went on to its own budget
            if (jkoSteps == 0 && iters != null && iters < saved.iters()) {
                throw new IllegalArgumentException("--iters " + iters + " is below the " + saved.iters() + " iterations " + dir + " was started with, and "
                        + "--resume only raises the budget: give --iters above " + saved.iters() + ", or leave it out to train to " + saved.iters());
            }
            String changed = run.dataFileChange();
            if (changed != null) throw new IOException(changed + ": resuming would train on other data; restore the file or start a new run");
            TrainConfig cfg = saved.withIters(iters != null ? iters : saved.iters());   // never below saved.iters(): refused above
            int shards = run.loadOption(BATCH_SHARDS).asInt(1);
            RunProtocol protocol = RunProtocol.load(run);
            DataShard shard = loadShard(source, cfg, shards, task, protocol.toySamples());
            EngineOptions eo = engine.withDtype(cfg.dtype()).withThreads(threads != null ? threads : cfg.threads());
            budget(cfg, jkoSteps, shard, eo, listener);
            if (task != null) {
                task.requireRows(cfg.batch(), "--batch");
                task.requireRows(validationRows(cfg, shard), "the validation batch");
            }
            TrainState state = checkpointOrStart(run, cfg);
            if (state.subproblem > Math.max(1, jkoSteps)) throw new IOException(run.checkpointFile() + " is corrupt or truncated: delete it or start a new run");
            // config.json keeps the first budget, so a run that an earlier --resume --iters took further is past it
            if (jkoSteps == 0 && iters != null && iters < state.iteration) {
                throw new IllegalArgumentException("--iters " + iters + " is below the " + state.iteration + " iterations " + dir
                        + " has trained, and --resume only goes on: give --iters above " + state.iteration + ", or leave it out");
            }
            if (jkoSteps == 0 && state.iteration > cfg.iters()) cfg = cfg.withIters(state.iteration);
            if (writes) truncateLog(run.logFile(), (state.subproblem - 1) * cfg.iters() + state.iteration);
            int ckEvery = checkpointEvery != null ? checkpointEvery : run.loadOption("checkpoint-every").asInt(DEFAULT_CHECKPOINT_EVERY);
            if (ckEvery < 0) throw new IllegalArgumentException("--checkpoint-every must be >= 0, got " + ckEvery);
            boolean drawPlot = plot && run.loadOption("plot").asBoolean(true);
            DataTransform transform = run.loadTransform(cfg.shape().d());
            return train(new Plan(cfg, jkoSteps, ckEvery, source, shard, transform, writes ? run : null, run.path(), drawPlot, true, task,
                    protocol, timeBudget), state, eo, listener);
        }
    }

    /** config.json's option that records {@code --batch-shards} (absent: 1). */
    static final String BATCH_SHARDS = "batch-shards";

    /** A saved run's data again: null for a toy set, this task's shard when the tasks hold shards, else the whole set. */
    private static DataShard loadShard(String source, TrainConfig cfg, int shards, DataParallel task, int toySamples) throws IOException {
        if (DataSets.isToy(source)) return toySamples > 0 ? DataShard.whole(toySample(source, cfg.seed(), toySamples), shards) : null;
        if (task != null && sharded(shards, task.size(), source)) {
            ShardedFile f = DataSets.openShards(source, cfg.seed());
            return f.load(task.rank(), shards, Math.min(cfg.valBatch(), f.split().validation()));
        }
        Dataset full = DataSets.load(source, cfg.seed());
        if (task != null && shards > 1 && task.size() == shards) {
            return DataShard.cut(full, task.rank(), shards, Math.min(cfg.valBatch(), full.nValidation()));
        }
        return DataShard.whole(full, shards);
    }

    /**
     * A resolved run: everything {@link #train} needs. {@code run} is the directory to write (null: write nothing),
     * {@code dir} the one finished JKO-Flow maps are read from; {@code task} is null or this task's data-parallel place.
     */
    private record Plan(TrainConfig cfg, int jkoSteps, int checkpointEvery, String source, DataShard shard, DataTransform transform,
                        RunDirectory run, Path dir, boolean plot, boolean resumed, DataParallel task, RunProtocol protocol,
                        java.time.Duration timeBudget) {
        long budgetNanos() { return timeBudget == null ? 0 : timeBudget.toNanos(); }
    }

    /** The longest --time-budget taken: far beyond any run, and far from where a deadline in nanoseconds overflows. */
    static final java.time.Duration MAX_TIME_BUDGET = java.time.Duration.ofDays(365);

    private static void checkTimeBudget(java.time.Duration d) {
        if (d != null && (d.isNegative() || d.isZero())) throw new IllegalArgumentException("--time-budget must be positive, got " + d);
        if (d != null && d.compareTo(MAX_TIME_BUDGET) > 0) {
            throw new IllegalArgumentException("--time-budget " + d.toHours() + "h is more than a year (8760h); leave it out to train without a time limit");
        }
    }

    private static RunResult train(Plan p, TrainState state, EngineOptions engineOptions, RunListener listener) throws IOException {
        TrainConfig cfg = p.cfg();
        DataShard shard = p.shard();
        Dataset ds = shard == null ? null : shard.rows();
        if (ds != null && ds.d() != cfg.shape().d()) {
            throw new IllegalArgumentException(p.source() + " has " + ds.d() + " columns but the run's model has d=" + cfg.shape().d());
        }
        int nVal = validationRows(cfg, shard);
        // a task that holds a shard holds only its rows of the validation batch; every other caller has all nVal
        double[] val = shard == null ? ToyData.sample(p.source(), nVal, cfg.seed() ^ 0x5eed5eedL) : shard.validationBatch(nVal);
        double entropy = DataSets.isToy(p.source()) ? ToyData.entropy(p.source()) : Double.NaN;   // fresh draws or one fixed sample
        RunListener user = listener != null ? listener : new RunListener() {};
        List<PhiParams> maps;
        double nll;
        int bestIter;
        EngineOptions eo = engineOptions.withDtype(cfg.dtype());   // threads: the run's, or a resume's --threads
        try (FlowEngine engine = p.task() == null ? Engines.create(cfg.shape(), eo) : p.task().wrap(Engines.create(cfg.shape(), eo));
             RunFiles files = p.run() == null ? null : new RunFiles(p.run(), cfg, p.jkoSteps(), state)) {
            Listeners all = new Listeners(files, user);
            if (shard != null) user.onData(shard.describe());
            user.onStart(cfg, p.jkoSteps(), state, engine.describe(), p.resumed());
            if (p.jkoSteps() == 0) {
                BatchSource batches = shard == null ? new ToyBatchSource(p.source(), cfg.seed()) : DatasetBatchSource.of(shard, cfg.seed());
                OtFlowTrainer.Result res = new OtFlowTrainer(cfg, engine).checkpointEvery(p.run() == null ? 0 : p.checkpointEvery())
                        .deadline(p.budgetNanos() > 0 ? System.nanoTime() + p.budgetNanos() : 0).addListener(all).train(state, batches, val, nVal);
                maps = List.of(res.best());
                nll = res.bestValidation().c();
                bestIter = res.bestIter();
            } else {
                String src = p.source();
                JkoTrainer.Data trainData = shard == null ? new JkoTrainer.Sampler(sd -> new ToyBatchSource(src, sd))
                        : new JkoTrainer.Finite(ds.train(), ds.nTrain(), (x, n, d, sd) -> DatasetBatchSource.over(shard, x, sd));
                List<PhiParams> done = new ArrayList<>();
                for (int k = 1; k < state.subproblem; k++) done.add(ReferenceModel.loadWeights(RunDirectory.mapFolder(p.dir(), k), cfg.shape()));
                if (p.run() != null) p.run().dropMapsAfter(state.subproblem);
                JkoTrainer.Result res = new JkoTrainer(cfg, p.jkoSteps(), engine).checkpointEvery(p.run() == null ? 0 : p.checkpointEvery())
                        .carryOptimiser(p.protocol().adam().equals(RunProtocol.CARRY)).timeBudget(p.budgetNanos())
                        .addListener(all).addOuterListener(all).train(null, trainData, val, nVal, cfg.seed(), done, state);
                maps = res.maps();
                Flow composed = ComposedFlow.rk4(engine, maps, cfg.alpha().a0(), cfg.ntVal());
                int held = val.length / cfg.shape().d();
                // a shard's tasks each hold part of the validation batch: the mean is their parts' weighted sum
                nll = held == nVal ? -composed.meanLogDensity(val, nVal)
                        : -p.task().allSum(new double[] {composed.meanLogDensity(val, held) * held / nVal})[0];
                List<OtFlowTrainer.Result> subs = res.subproblems();
                bestIter = subs.isEmpty() ? 0 : subs.get(subs.size() - 1).bestIter();
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Path dir = p.run() == null ? null : p.run().path();   // a data-parallel reader's model is the writer's, not its own directory
        RunModel model = new RunModel(dir, maps, cfg.alpha(), cfg.ntVal(), p.transform(), p.source(), cfg.seed());
        String plotError = null;
        if (dir != null && p.plot()) {
            try {
                RunPlot.draw(model, p.run().logFile(), dir.resolve("plot.png"), RunPlot.Options.defaults(), eo.withDtype(DType.FLOAT64), ds);
            } catch (IOException | RuntimeException e) {
                plotError = e.getMessage() == null ? e.toString() : e.getMessage();
            }
        }
        // the cheapest baseline, on the same validation rows; a task holding one shard has neither all rows nor the need
        // (with d training rows or fewer the covariance is singular and the ridge alone would set the number: none then)
        double gaussian = Double.NaN;
        if (shard != null && shard.isWhole() && ds.nTrain() > ds.d()) {
            try {
                gaussian = -GaussianDensity.fit(ds.train(), ds.nTrain(), ds.d(), Baselines.REG).meanLogDensity(val, nVal);
            } catch (IllegalArgumentException e) {
                gaussian = Double.NaN;   // a singular covariance even with the ridge: no number rather than a failed run
            }
        }
        return new RunResult(model, cfg, p.jkoSteps(), nll, bestIter, entropy, plotError, gaussian);
    }

    private static int or(Integer v, int dflt) { return v != null ? v : dflt; }

    /** Validation points: the configured batch, at most the validation split of a finite data set. */
    private static int validationRows(TrainConfig cfg, DataShard shard) {
        return shard == null ? cfg.valBatch() : Math.min(cfg.valBatch(), shard.total().validation());
    }

    /**
     * Refuses a run that does not fit in memory ({@link NotEnoughMemoryException}, before anything is written or
     * allocated) and tells the listener what will make it slow. The heap holds the run's state, the trainer's current,
     * before-step and last-good states (parameters, best model and Adam's two moments each) and, while a checkpoint is
     * written, its bytes three times over (the growing buffer and two copies): 32 parameter vectors in all, and 40 with
     * the parameters' average ({@link TrainConfig#ema}), a fifth vector in each state and checkpoint.
     */
    private static void budget(TrainConfig cfg, int jkoSteps, DataShard shard, EngineOptions eo, RunListener listener) {
        PhiShape s = cfg.shape();
        double p = PhiParams.count(s), d = s.d();
        int nVal = validationRows(cfg, shard);
        Dataset ds = shard == null ? null : shard.rows();
        MemoryEstimate est = new MemoryEstimate("this run")
                .add("the parameters and optimiser state (" + MemoryEstimate.count(p) + " parameters at width " + s.m() + ")", 8 * (cfg.ema() > 0 ? 40 : 32) * p, 0)
                .add("the training batches", 8 * 2 * d * cfg.batch(), 0)
                .add("the validation set", 8 * d * nVal, 0)
                .engine("the engine's buffers for a batch of " + cfg.batch() + " with " + cfg.nt() + " RK4 steps", s, eo, cfg.batch(), cfg.nt(),
                        Tableau.RK4.stages(), true)
                .engine("the engine's buffers for validation", s, eo, nVal, cfg.ntVal(), Tableau.RK4.stages(), false);
        if (jkoSteps > 0) est.add("the " + jkoSteps + " maps", 8 * p * jkoSteps, 0);
        // a finite data set is in memory already (and pushed through each JKO-Flow map once more)
        if (ds != null) est.add("the data set", 8 * d * ((double) ds.nTrain() + ds.nValidation() + ds.nTest()) * (jkoSteps > 0 ? 2 : 1), 0);
        est.check(eo, "use a smaller --width or --batch (or --nt)");
        if (p > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("width " + s.m() + " gives " + MemoryEstimate.count(p) + " parameters; cnf4j keeps them in one Java array "
                    + "of at most 2^31 - 1: use a smaller --width");
        }
        if (listener == null) return;
        for (String w : new String[] {WorkEstimate.stepsWarning("--nt", cfg.nt()), WorkEstimate.stepsWarning("--nt-val", cfg.ntVal()),
            WorkEstimate.slowWarning("one training iteration", WorkEstimate.lossFlops(s, cfg.batch(), cfg.nt(), Tableau.RK4.stages(), true), eo.threads(), s)}) {
            if (w != null) listener.onWarning(w);
        }
    }

    /** Where every run starts: the seeded initial model and a fresh optimiser (a pure function of the configuration). */
    private static TrainState initialState(TrainConfig cfg) {
        return TrainState.start(PhiParams.initialise(cfg.shape(), cfg.seed()), cfg.lr());
    }

    /**
     * The checkpoint to resume from. A run that stopped between writing config.json and its first checkpoint (or one
     * written by an earlier cnf4j, which checkpointed only every --checkpoint-every iterations) has none and no
     * model either: it starts again from {@link #initialState}, exactly where it started the first time.
     */
    private static TrainState checkpointOrStart(RunDirectory run, TrainConfig cfg) throws IOException {
        if (Files.exists(run.checkpointFile())) return TrainState.load(run.checkpointFile(), cfg.shape());
        Path dir = run.path();
        if (Files.exists(dir.resolve("weights")) || Files.exists(dir.resolve("maps"))) {
            throw new IOException("no checkpoint at " + run.checkpointFile() + " although the run has saved a model: it cannot be resumed; "
                    + "start a new run with another --out (the model stays usable by eval, logp and sample)");
        }
        return initialState(cfg);
    }

    /** The run directory's listener first (log line and checkpoint on disk), then the user's. */
    private record Listeners(RunFiles files, RunListener user) implements RunListener {
        @Override public void onSubproblemStart(int k) {
            if (files != null) files.onSubproblemStart(k);
            user.onSubproblemStart(k);
        }

        @Override public void onSubproblem(int k, OtFlowTrainer.Result r) { user.onSubproblem(k, r); }

        @Override public void onIteration(int iter, LossResult r, double lr) {
            if (files != null) files.onIteration(iter, r, lr);
            user.onIteration(iter, r, lr);
        }

        @Override public void onValidation(int iter, LossResult v, boolean best) {
            if (files != null) files.onValidation(iter, v, best);
            user.onValidation(iter, v, best);
        }

        @Override public void onRecovery(int iter, double newLr) {
            if (files != null) files.onRecovery(iter, newLr);
            user.onRecovery(iter, newLr);
        }

        @Override public void onDiverged(int iter, int failures, double lastLr) {
            if (files != null) files.onDiverged(iter, failures, lastLr);
            user.onDiverged(iter, failures, lastLr);
        }

        @Override public void onPlateau(int iter, boolean stopping, double newLr) { user.onPlateau(iter, stopping, newLr); }

        @Override public void onBlowUp(int iter, double valJ, double bestJ, double newLr) {
            if (files != null) files.onBlowUp(iter, valJ, bestJ, newLr);
            user.onBlowUp(iter, valJ, bestJ, newLr);
        }

        @Override public void onConverged(int iter, double ratio) { user.onConverged(iter, ratio); }

        @Override public void onBudgetAnneal(int iter, double fraction, double newLr) {
            if (files != null) files.onBudgetAnneal(iter, fraction, newLr);
            user.onBudgetAnneal(iter, fraction, newLr);
        }

        @Override public void onTimeUp(int iter) {
            if (files != null) files.onTimeUp(iter);
            user.onTimeUp(iter);
        }

        @Override public void onCheckpoint(TrainState st) {
            if (files != null) files.onCheckpoint(st);
            user.onCheckpoint(st);
        }
    }

    /**
     * log.csv and the checkpoints: the best map to weights/ (OT-Flow) or maps/k (JKO-Flow subproblem k), then
     * checkpoint.bin, so a checkpoint never names a map that is not on disk. JKO-Flow log rows count iterations
     * across subproblems ((k-1) * iters + iteration) and add the subproblem in "step".
     */
    private static final class RunFiles implements AutoCloseable {
        private final TrainConfig cfg;
        private final RunDirectory run;
        private final PrintWriter log;
        private final int jkoSteps;
        private final long t0 = System.nanoTime();
        private int k = 1;
        private LossResult last;
        private double lastLr;

        RunFiles(RunDirectory run, TrainConfig cfg, int jkoSteps, TrainState start) throws IOException {
            this.cfg = cfg;
            this.run = run;
            this.jkoSteps = jkoSteps;
            this.k = start.subproblem;
            // a run killed before its first flush leaves an empty log.csv: it gets its header too
            boolean fresh = !Files.exists(run.logFile()) || Files.size(run.logFile()) == 0;
            this.log = new PrintWriter(Files.newBufferedWriter(run.logFile(), StandardOpenOption.CREATE, StandardOpenOption.APPEND));
            if (fresh) log.println("iter,J,L,C,R,lr,val_J,val_C,seconds" + (jkoSteps > 0 ? ",step" : ""));
        }

        private int global(int iter) { return (k - 1) * cfg.iters() + iter; }

        private String stepColumn() { return jkoSteps > 0 ? "," + k : ""; }

        void onSubproblemStart(int step) { k = step; }

        void onIteration(int iter, LossResult r, double lrNow) {
            last = r;
            lastLr = lrNow;
            if (iter % cfg.valEvery() != 0 && iter != cfg.iters()) {
                log.printf(Locale.ROOT, "%d,%.6g,%.6g,%.6g,%.6g,%.3g,,,%.2f%s%n", global(iter), r.j(), r.l(), r.c(), r.r(), lrNow, seconds(), stepColumn());
            }
        }

        void onValidation(int iter, LossResult v, boolean best) {
            log.printf(Locale.ROOT, "%d,%.6g,%.6g,%.6g,%.6g,%.3g,%.6g,%.6g,%.2f%s%n", global(iter), last.j(), last.l(), last.c(), last.r(), lastLr,
                    v.j(), v.c(), seconds(), stepColumn());
        }

        void onRecovery(int iter, double newLr) {
            log.printf(Locale.ROOT, "# iter %d: non-finite loss or gradient; restored the last good state, lr now %.3g%n", global(iter), newLr);
        }

        void onBlowUp(int iter, double valJ, double bestJ, double newLr) {
            log.printf(Locale.ROOT, "# iter %d: validation J %.6g blew up (best %.6g); restored the best parameters with a fresh Adam, lr now %.3g%n",
                    global(iter), valJ, bestJ, newLr);
        }

        void onBudgetAnneal(int iter, double fraction, double newLr) {
            log.printf(Locale.ROOT, "# iter %d: %.0f%% of the time budget used; lr now %.3g for the rest%n", global(iter), 100 * fraction, newLr);
        }

        void onTimeUp(int iter) {
            log.printf(Locale.ROOT, "# iter %d: time budget reached; training stopped (resumable with --resume)%n", global(iter));
        }

        void onDiverged(int iter, int failures, double lastLr) {
            log.printf(Locale.ROOT, "# iter %d: %d non-finite steps in a row, the last at lr %.3g; training stopped%n", global(iter), failures, lastLr);
            log.flush();
        }

        void onCheckpoint(TrainState st) {
            log.flush();
            try {
                if (jkoSteps > 0) run.saveMap(st.subproblem, st.best);
                else run.saveWeights(st.best);
                st.save(run.checkpointFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private double seconds() { return (System.nanoTime() - t0) / 1e9; }

        @Override public void close() { log.close(); }
    }

    /** Drops log lines past the checkpoint's iteration: those iterations are about to be replayed. */
    private static void truncateLog(Path log, int iteration) throws IOException {
        if (!Files.exists(log)) return;
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            int comma = line.indexOf(',');
            if (comma < 0) continue;
            String head = line.substring(0, comma);
            if (head.equals("iter") || (head.matches("\\d+") && Integer.parseInt(head) <= iteration)) keep.add(line);
        }
        StringBuilder text = new StringBuilder();
        for (String line : keep) text.append(line).append('\n');
        // a fixed temporary name, which the run directory's next start recognises (kill -9 runs no hook)
        AtomicFile.write(log, log.resolveSibling(".log.csv.tmp"), out -> out.write(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
