package org.cnf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.cnf4j.backend.DType;
import org.cnf4j.data.DataSets;
import org.cnf4j.data.Dataset;
import org.cnf4j.data.ToyData;
import org.cnf4j.data.DataTransform;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.run.RunDirectory;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.train.BatchSource;
import org.cnf4j.train.DatasetBatchSource;
import org.cnf4j.train.JkoTrainer;
import org.cnf4j.train.OtFlowTrainer;
import org.cnf4j.train.ToyBatchSource;
import org.cnf4j.train.TrainConfig;
import org.cnf4j.train.TrainListener;
import org.cnf4j.train.TrainState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cnf4j train}: OT-Flow on any data source of {@link DataSets#load}, leaving a run directory with the best
 * model. Options left unset take the reference's toy recipe when d <= 2 and a tabular recipe when d > 2 (the
 * MAF table of ALGORITHMS.md section 4 for {@code maf:NAME}, a smaller generic one for other files).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train an OT-Flow model, or a JKO-Flow model of K OT-Flow maps (--method jko --steps K).",
            "Defaults: d <= 2 (toy sets, 2-column files): the reference's toy recipe (width 32, 2 layers, nt 8/8, batch 2048, "
                + "alpha 1,100,5, lr 0.1 halved every 100 iterations, 500 iterations, validation every 10). "
                + "maf:NAME: the reference's row for that set (ALGORITHMS.md section 4) with clamp 1.5 and early stopping 20. "
                + "Other files with d > 2: width 64, 2 layers, nt 8/16, batch 1000 (at most the training rows), alpha 1,100,15, "
                + "lr 0.01, clamp 1.5, 2000 iterations, validation once per epoch, early stopping 20."})
public final class TrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--data", paramLabel = "SOURCE", description = "Toy name (swissroll, 8gaussians, pinwheel, circles, moons, 2spirals, checkerboard, rings), "
            + "a .npy or .csv file, or maf:NAME[:ROOT].")
    String data;
    @Option(names = "--out", paramLabel = "RUN_DIR", description = "Run directory to create (must not exist or be empty).")
    Path out;
    @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON file of options (keys are option names); flags override it.")
    Path config;
    @Option(names = "--method", defaultValue = "otflow", description = "otflow (one map) or jko (JKO-Flow: --steps maps, each an OT-Flow "
            + "subproblem with the same alpha, trained on the data pushed forward by the previous maps and warm-started from the last one).")
    String method;
    @Option(names = "--steps", description = "JKO-Flow subproblems K (default 5).") Integer steps;
    @Option(names = "--iters", description = "Training iterations (per subproblem for --method jko; default: the recipe's budget, "
            + "divided by K for jko so the total matches OT-Flow).") Integer iters;
    @Option(names = "--epochs", description = "Budget in epochs instead of --iters (file and maf data; per subproblem for jko).") Integer epochs;
    @Option(names = "--grad-tol", description = "Stop (each subproblem) when the mean gradient norm between validations falls below this "
            + "fraction of the first interval's; 0 off (default).") Double gradTol;
    @Option(names = "--batch", description = "Batch size.") Integer batch;
    @Option(names = "--val-batch", description = "Validation points (default 2048 toy; at most 10000 of the validation split).") Integer valBatch;
    @Option(names = "--nt", description = "RK4 steps in training.") Integer nt;
    @Option(names = "--nt-val", description = "RK4 steps in validation.") Integer ntVal;
    @Option(names = "--width", description = "Hidden width m.") Integer width;
    @Option(names = "--layers", description = "ResNet layers nTh >= 2.") Integer layers;
    @Option(names = "--alpha", description = "Loss weights a0,a1,a2.") String alpha;
    @Option(names = "--lr", description = "Adam learning rate.") Double lr;
    @Option(names = "--lr-drop", description = "Factor of the step decay (default 0.5).") Double lrDrop;
    @Option(names = "--drop-every", description = "Multiply the learning rate by --lr-drop every N iterations; 0 never.") Integer dropEvery;
    @Option(names = "--early-stopping", description = "After N validations without improvement divide lr by 10 (3 times), then stop "
            + "(each subproblem for jko); 0 off.") Integer earlyStopping;
    @Option(names = "--clamp", description = "Clamp parameters to [-c, c] before each step; 0 off.") Double clamp;
    @Option(names = "--resample-every", description = "Draw a new training batch every N iterations (toy 25, files 1).") Integer resampleEvery;
    @Option(names = "--val-every", description = "Validate every N iterations.") Integer valEvery;
    @Option(names = "--seed", description = "Random seed (model, batches, file shuffle and split; default 0).") Long seed;
    @Option(names = "--dtype", description = "float32 or float64 (default float32).") String dtype;
    @Option(names = "--threads", description = "Worker threads (default 2).") Integer threads;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or auto (default ${DEFAULT-VALUE}); not saved with the run, so a resumed run may use another.")
    String device;
    @Option(names = "--checkpoint-every", description = "Write a checkpoint every N iterations (default 50); always at the end.") Integer checkpointEvery;
    @Option(names = "--resume", description = "Continue the run in --out from its checkpoint (the saved configuration is used; --iters may raise the budget).")
    boolean resume;
    @Option(names = "--no-plot", description = "Do not draw RUN_DIR/plot.png at the end (see cnf4j plot).") boolean noPlot;
    @Option(names = "--verbose", description = "Print stack traces on errors.") boolean verbose;

    /** A recipe of defaults. */
    record Recipe(int width, int layers, int nt, int ntVal, int batch, int valBatch, int iters, String alpha, double lr,
                  int dropEvery, int earlyStopping, double clamp, int resampleEvery, int valEvery) {}

    static final Recipe TOY = new Recipe(32, 2, 8, 8, 2048, 2048, 500, "1,100,5", 0.1, 100, 0, 0, 25, 10);

    /** ALGORITHMS.md section 4; val-every -1 means once per epoch. */
    static Recipe maf(String name) {
        switch (name) {
            case "power": return new Recipe(128, 2, 10, 22, 10000, 10000, 36000, "1,500,5", 0.03, 0, 20, 1.5, 1, -1);
            case "gas": return new Recipe(350, 2, 10, 24, 2000, 10000, 60000, "1,1200,40", 0.01, 0, 20, 1.5, 1, -1);
            case "hepmass": return new Recipe(256, 2, 12, 24, 2000, 10000, 40000, "1,500,40", 0.02, 0, 20, 1.5, 1, -1);
            case "miniboone": return new Recipe(256, 2, 6, 10, 2000, 10000, 8000, "1,100,15", 0.02, 0, 20, 1.5, 1, -1);
            case "bsds300": return new Recipe(512, 2, 14, 30, 300, 10000, 120000, "1,2000,800", 0.001, 0, 20, 1.5, 1, -1);
            default: return null;
        }
    }

    static final Recipe TABULAR = new Recipe(64, 2, 8, 16, 1000, 10000, 2000, "1,100,15", 0.01, 0, 20, 1.5, 1, -1);

    @Override
    public Integer call() throws IOException {
        if (out == null) throw new IllegalArgumentException("--out RUN_DIR is required");
        if (config != null) {
            ConfigFile.apply(config, spec, spec.commandLine().getParseResult(), Set.of("config", "resume", "help", "version", "verbose"));
        }
        String meth = method.trim().toLowerCase(Locale.ROOT);
        if (!meth.equals(RunDirectory.OTFLOW) && !meth.equals(RunDirectory.JKO)) {
            throw new IllegalArgumentException("unknown --method '" + method + "': use otflow or jko");
        }
        if (steps != null && !meth.equals(RunDirectory.JKO)) throw new IllegalArgumentException("--steps is for --method jko");
        if (steps != null && steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        if (iters != null && epochs != null) throw new IllegalArgumentException("--iters and --epochs exclude each other");
        if (epochs != null && epochs < 1) throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        checkDevice(device); // before anything is written
        RunDirectory run;
        TrainConfig cfg;
        String source;
        TrainState state;
        Dataset ds = null;
        int ckEvery;
        int jkoSteps;
        if (resume) {
            run = RunDirectory.open(out);
            TrainConfig saved = run.loadConfig();
            source = run.loadDataSource();
            jkoSteps = run.loadJkoSteps();
            if (jkoSteps > 0 && (iters != null && iters != saved.iters() || epochs != null)) {
                throw new IllegalArgumentException("a JKO-Flow run keeps its per-subproblem budget (" + saved.iters() + " iterations); start a new run for another");
            }
            if (epochs != null) throw new IllegalArgumentException("--epochs cannot change a saved run's budget; use --iters");
            cfg = saved.withIters(Math.max(saved.iters(), iters != null ? iters : saved.iters()));
            if (!isToy(source)) ds = DataSets.load(source, cfg.seed());
            state = TrainState.load(run.checkpointFile(), cfg.shape());
            if (state.subproblem > Math.max(1, jkoSteps)) throw new IOException(run.checkpointFile() + " is corrupt or truncated: delete it or start a new run");
            truncateLog(run.logFile(), (state.subproblem - 1) * cfg.iters() + state.iteration);
            ckEvery = checkpointEvery != null ? checkpointEvery : 50;
            if (jkoSteps > 0) System.out.printf("resuming %s at JKO step %d of %d, iteration %d of %d%n", out, state.subproblem, jkoSteps, state.iteration, cfg.iters());
            else System.out.printf("resuming %s at iteration %d of %d%n", out, state.iteration, cfg.iters());
        } else {
            if (data == null) throw new IllegalArgumentException("--data is required (or --resume to continue a run)");
            jkoSteps = meth.equals(RunDirectory.JKO) ? (steps != null ? steps : 5) : 0;
            ckEvery = checkpointEvery != null ? checkpointEvery : 50;
            if (ckEvery < 0) throw new IllegalArgumentException("--checkpoint-every must be >= 0, got " + ckEvery);
            long sd = seed != null ? seed : 0;
            int d;
            Recipe rec;
            if (isToy(data)) {
                source = data.trim().toLowerCase(Locale.ROOT);
                d = 2;
                rec = TOY;
            } else {
                source = data.trim();
                ds = DataSets.load(source, sd);
                d = ds.d();
                if (ds.nTrain() < 1 || ds.nValidation() < 1) throw new IllegalArgumentException(source + ": the training or validation split is empty");
                if (d <= 2) rec = new Recipe(TOY.width, TOY.layers, TOY.nt, TOY.ntVal, Math.min(TOY.batch, ds.nTrain()), TOY.valBatch, TOY.iters,
                        TOY.alpha, TOY.lr, TOY.dropEvery, 0, 0, 1, TOY.valEvery);
                else {
                    Recipe m = source.toLowerCase(Locale.ROOT).startsWith("maf:") ? maf(source.split(":")[1].toLowerCase(Locale.ROOT)) : null;
                    rec = m != null ? m : TABULAR;
                    if (m == null) rec = new Recipe(rec.width, rec.layers, rec.nt, rec.ntVal, Math.min(rec.batch, ds.nTrain()), rec.valBatch, rec.iters,
                            rec.alpha, rec.lr, rec.dropEvery, rec.earlyStopping, rec.clamp, rec.resampleEvery, rec.valEvery);
                }
            }
            int b = or(batch, rec.batch);
            if (b < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + b);
            int valEveryResolved;
            if (valEvery != null) valEveryResolved = valEvery;
            else if (rec.valEvery > 0) valEveryResolved = rec.valEvery;
            else valEveryResolved = Math.max(1, ds.nTrain() / b);   // once per epoch
            int vb = or(valBatch, rec.valBatch);
            if (ds != null) {
                new DatasetBatchSource(ds.train(), ds.nTrain(), d, sd).batchesPerEpoch(b);   // fewer rows than a batch: a clear error
                vb = Math.min(vb, ds.nValidation());
            }
            int budget;
            if (epochs != null) {
                if (ds == null) throw new IllegalArgumentException("--epochs needs a finite data set (a file or maf:NAME); toy data are endless: use --iters");
                long it = (long) epochs * new DatasetBatchSource(ds.train(), ds.nTrain(), d, sd).batchesPerEpoch(b);
                if (it > Integer.MAX_VALUE) throw new IllegalArgumentException("--epochs " + epochs + " is too many iterations");
                budget = (int) it;
            } else {
                budget = iters != null ? iters : jkoSteps > 0 ? (rec.iters + jkoSteps - 1) / jkoSteps : rec.iters;
            }
            int w = or(width, rec.width), nl = or(layers, rec.layers);
            if (w < 1) throw new IllegalArgumentException("--width must be >= 1, got " + w);
            if (nl < 2) throw new IllegalArgumentException("--layers must be >= 2, got " + nl);
            cfg = new TrainConfig(new PhiShape(d, w, nl), Alpha.parse(alpha != null ? alpha : rec.alpha),
                    or(nt, rec.nt), or(ntVal, rec.ntVal), b, vb, budget, lr != null ? lr : rec.lr,
                    or(dropEvery, rec.dropEvery), lrDrop != null ? lrDrop : 0.5, clamp != null ? clamp : rec.clamp,
                    or(resampleEvery, rec.resampleEvery), valEveryResolved, sd, DType.parse(dtype != null ? dtype : "float32"),
                    or(threads, 2), or(earlyStopping, rec.earlyStopping), gradTol != null ? gradTol : 0);
            run = RunDirectory.create(out);
            Map<String, Object> opts = new LinkedHashMap<>();
            opts.put("data", source);
            if (config != null) opts.put("config", config.toString());
            opts.put("checkpoint-every", ckEvery);
            opts.put("method", meth);
            if (jkoSteps > 0) opts.put("steps", jkoSteps);
            run.saveConfig(cfg, source, ds == null ? DataTransform.identity(d) : DataTransform.of(ds), opts, jkoSteps);
            state = TrainState.start(PhiParams.initialise(cfg.shape(), cfg.seed()), cfg.lr());
        }
        if (ds != null && ds.d() != cfg.shape().d()) {
            throw new IllegalArgumentException(source + " has " + ds.d() + " columns but the run's model has d=" + cfg.shape().d());
        }
        double[] val;
        int nVal;
        if (ds == null) {
            val = ToyData.sample(source, cfg.valBatch(), cfg.seed() ^ 0x5eed5eedL);
            nVal = cfg.valBatch();
        } else {
            nVal = Math.min(cfg.valBatch(), ds.nValidation());
            val = java.util.Arrays.copyOf(ds.validation(), nVal * ds.d());
        }
        boolean fresh = !Files.exists(run.logFile());
        try (FlowEngine engine = Engines.create(cfg.shape(), org.cnf4j.engine.EngineOptions.defaults().withDevice(device).withDtype(cfg.dtype()).withThreads(cfg.threads()).withOverrides(System.getProperties()));
             PrintWriter log = new PrintWriter(Files.newBufferedWriter(run.logFile(), StandardOpenOption.CREATE, StandardOpenOption.APPEND))) {
            if (fresh) log.println("iter,J,L,C,R,lr,val_J,val_C,seconds" + (jkoSteps > 0 ? ",step" : ""));
            RunLogger logger = new RunLogger(cfg, run, log, jkoSteps, state);
            double entropy = ds == null ? ToyData.entropy(source) : Double.NaN;
            String ent = Double.isNaN(entropy) ? "" : String.format(Locale.ROOT, " (data entropy %.4f)", entropy);
            if (jkoSteps == 0) {
                BatchSource batches = ds == null ? new ToyBatchSource(source, cfg.seed()) : new DatasetBatchSource(ds.train(), ds.nTrain(), ds.d(), cfg.seed());
                OtFlowTrainer.Result res = new OtFlowTrainer(cfg, engine).checkpointEvery(ckEvery).addListener(logger).train(state, batches, val, nVal);
                System.out.printf(Locale.ROOT, "best validation NLL %.4f nats at iteration %d%s; model in %s%n", res.bestValidation().c(), res.bestIter(), ent, out);
            } else {
                String src = source;
                JkoTrainer.Data trainData = ds == null ? new JkoTrainer.Sampler(sd -> new ToyBatchSource(src, sd)) : new JkoTrainer.Finite(ds.train(), ds.nTrain());
                List<PhiParams> done = new java.util.ArrayList<>();
                for (int k = 1; k < state.subproblem; k++) done.add(ReferenceModel.loadWeights(RunDirectory.mapFolder(out, k), cfg.shape()));
                run.dropMapsAfter(state.subproblem);
                JkoTrainer.Result res = new JkoTrainer(cfg, jkoSteps, engine).checkpointEvery(ckEvery).addListener(logger).addOuterListener(logger)
                        .train(null, trainData, val, nVal, cfg.seed(), done, state);
                double nll = -org.cnf4j.eval.ComposedFlow.rk4(engine, res.maps(), cfg.alpha().a0(), cfg.ntVal()).meanLogDensity(val, nVal);
                System.out.printf(Locale.ROOT, "composed validation NLL %.4f nats over %d maps%s; model in %s%n", nll, res.maps().size(), ent, out);
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        if (!noPlot) {
            PlotCommand plot = new PlotCommand();
            plot.model = out;
            plot.out = out.resolve("plot.png");
            plot.threads = cfg.threads();
            try {
                plot.call();
            } catch (IOException | RuntimeException e) {
                System.out.println("note: no plot drawn (" + Main.message(e) + ")");
            }
        }
        return 0;
    }

    /**
     * Writes log.csv, the console lines and the checkpoints of a run: the best map to weights/ (OT-Flow) or maps/k
     * (JKO-Flow subproblem k), then checkpoint.bin, so a checkpoint never names a map that is not on disk. JKO-Flow
     * log rows count iterations across subproblems ((k-1) * iters + iteration) and add the subproblem in "step".
     */
    private static final class RunLogger implements TrainListener, JkoTrainer.Listener {
        private final TrainConfig cfg;
        private final RunDirectory run;
        private final PrintWriter log;
        private final int jkoSteps, total, startIter;
        private final long t0 = System.nanoTime();
        private final boolean interactive = System.console() != null;
        private int k = 1;
        private LossResult last;
        private double lastLr;
        private boolean progressShown;

        RunLogger(TrainConfig cfg, RunDirectory run, PrintWriter log, int jkoSteps, TrainState start) {
            this.cfg = cfg;
            this.run = run;
            this.log = log;
            this.jkoSteps = jkoSteps;
            this.total = cfg.iters() * Math.max(1, jkoSteps);
            this.startIter = (start.subproblem - 1) * cfg.iters() + start.iteration;
        }

        private int global(int iter) { return (k - 1) * cfg.iters() + iter; }

        private String stepColumn() { return jkoSteps > 0 ? "," + k : ""; }

        private String prefix() { return jkoSteps > 0 ? String.format(Locale.ROOT, "[%d/%d] ", k, jkoSteps) : ""; }

        @Override public void onSubproblemStart(int step) { k = step; }

        @Override public void onSubproblem(int step, OtFlowTrainer.Result r) {
            endProgress();
            System.out.printf(Locale.ROOT, "[%d/%d] map %d done: best validation NLL %.4f nats (of the pushed data) at iteration %d%n",
                    step, jkoSteps, step, r.bestValidation().c(), r.bestIter());
        }

        @Override public void onIteration(int iter, LossResult r, double lrNow) {
            last = r;
            lastLr = lrNow;
            double secs = (System.nanoTime() - t0) / 1e9;
            if (iter % cfg.valEvery() != 0 && iter != cfg.iters()) {
                log.printf(Locale.ROOT, "%d,%.6g,%.6g,%.6g,%.6g,%.3g,,,%.2f%s%n", global(iter), r.j(), r.l(), r.c(), r.r(), lrNow, secs, stepColumn());
            }
            if (interactive) {
                double eta = ProgressLine.eta(secs, global(iter), startIter, total);
                System.out.print("\r" + prefix() + ProgressLine.render(global(iter), total, r, lrNow, eta) + "   ");
                System.out.flush();
                progressShown = true;
            }
        }

        private void endProgress() {
            if (progressShown) System.out.print("\r\033[K");
            progressShown = false;
        }

        @Override public void onValidation(int iter, LossResult v, boolean best) {
            double secs = (System.nanoTime() - t0) / 1e9;
            log.printf(Locale.ROOT, "%d,%.6g,%.6g,%.6g,%.6g,%.3g,%.6g,%.6g,%.2f%s%n", global(iter), last.j(), last.l(), last.c(), last.r(), lastLr, v.j(), v.c(),
                    secs, stepColumn());
            endProgress();
            System.out.printf(Locale.ROOT, "%siter %5d/%d  J %.4f  L %.4f  C %.4f  R %.4f  | val J %.4f  NLL %.4f%s  (%.0fs)%n",
                    prefix(), iter, cfg.iters(), last.j(), last.l(), last.c(), last.r(), v.j(), v.c(), best ? " *" : "", secs);
        }

        @Override public void onRecovery(int iter, double newLr) {
            endProgress();
            System.out.printf(Locale.ROOT, "%siter %5d: loss or gradient not finite; restored the last good state, lr now %.3g%n", prefix(), iter, newLr);
            log.printf(Locale.ROOT, "# iter %d: non-finite loss or gradient; restored the last good state, lr now %.3g%n", global(iter), newLr);
        }

        @Override public void onPlateau(int iter, boolean stopping, double newLr) {
            endProgress();
            System.out.println(prefix() + (stopping ? String.format(Locale.ROOT, "iter %5d: no improvement for %d validations; stopping early", iter, cfg.earlyStopping())
                    : String.format(Locale.ROOT, "iter %5d: no improvement for %d validations; lr now %.3g", iter, cfg.earlyStopping(), newLr)));
        }

        @Override public void onConverged(int iter, double ratio) {
            endProgress();
            System.out.printf(Locale.ROOT, "%siter %5d: gradient norm at %.3g of its first interval's (--grad-tol %s); stopping%n", prefix(), iter, ratio, cfg.gradTol());
        }

        @Override public void onCheckpoint(TrainState st) {
            log.flush();
            try {
                if (jkoSteps > 0) run.saveMap(st.subproblem, st.best);
                else run.saveWeights(st.best);
                st.save(run.checkpointFile());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    static boolean isToy(String source) {
        return source != null && ToyData.names().contains(source.trim().toLowerCase(Locale.ROOT));
    }

    private static int or(Integer v, int dflt) { return v != null ? v : dflt; }

    /** Rejects an unknown device, and cuda where no driver or device answers, with a one-line message. */
    static void checkDevice(String device) {
        String dv = device.toLowerCase(Locale.ROOT);
        if (!java.util.Set.of("cpu", "cuda", "gpu", "auto").contains(dv)) {
            throw new IllegalArgumentException("unknown device '" + device + "': use cpu, cuda or auto");
        }
        if (!dv.equals("cpu") && !dv.equals("auto")) {
            String why = Engines.cudaUnavailableReason();
            if (why != null) throw new org.cnf4j.engine.cuda.CudaUnavailableException(why);
        }
    }

    /** Drops log lines past the checkpoint's iteration: those iterations are about to be replayed. */
    private static void truncateLog(Path log, int iteration) throws IOException {
        if (!Files.exists(log)) return;
        java.util.List<String> keep = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            int comma = line.indexOf(',');
            if (comma < 0) continue;
            String head = line.substring(0, comma);
            if (head.equals("iter") || (head.matches("\\d+") && Integer.parseInt(head) <= iteration)) keep.add(line);
        }
        Path tmp = log.resolveSibling(".log.csv.tmp");
        Files.write(tmp, keep);
        Files.move(tmp, log, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
