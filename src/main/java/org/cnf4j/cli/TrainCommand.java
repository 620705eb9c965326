package org.cnf4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.cnf4j.backend.DType;
import org.cnf4j.data.DataSets;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.LossResult;
import org.cnf4j.run.OutputGuard;
import org.cnf4j.run.RunListener;
import org.cnf4j.run.RunResult;
import org.cnf4j.run.TrainingOptions;
import org.cnf4j.run.TrainingRun;
import org.cnf4j.train.BudgetAnneal;
import org.cnf4j.train.OtFlowTrainer;
import org.cnf4j.train.TrainConfig;
import org.cnf4j.train.TrainState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code cnf4j train}: parses and validates the flags, then hands them to the training-run service
 * ({@link TrainingRun}) and prints what it reports. OT-Flow on any data source of {@link DataSets#load}, leaving a run directory with the best
 * model. Options left unset take the reference's toy recipe when d <= 2 and a tabular recipe when d > 2 (the
 * MAF table of ALGORITHMS.md section 4 for {@code maf:NAME}, a smaller generic one for other files).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train an OT-Flow model, or a JKO-Flow model of K OT-Flow maps (--method jko --steps K).",
            "Defaults: d <= 2 (toy sets, 2-column files): the reference's toy recipe (width 32, 2 layers, nt 8/8, batch 2048, "
                + "alpha 1,100,5, lr 0.1 halved every 100 iterations, 500 iterations, validation every 10). "
                + "maf:NAME: the reference's row for that set (ALGORITHMS.md section 4) with clamp 1.5 and early stopping 20. "
                + "Other files with d > 2: width 64 (128 from 10000 training rows), 2 layers, nt 8/16, batch 1000 (at most the training rows), alpha 1,100,15 "
                + "(1,1000,15 from 10000 training rows), "
                + "lr 0.1 (0.1 x 64 / width for wider models) after a 50-iteration warm-up, clamp 1.5, validation once per epoch (every 10 to 50 iterations), and it stops "
                + "by itself: after 20 validations without improvement lr / 10, three times, then the end (at most 20000 iterations; "
                + "--time-budget caps the wall time, and lr anneals over it: lr / 10 at 3/4 of it, or from 30000 training rows half a "
                + "cosine down to lr / 100, see --anneal)."})
public final class TrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--data", paramLabel = "SOURCE", description = "Toy name (swissroll, 8gaussians, pinwheel, circles, moons, 2spirals, checkerboard, rings), "
            + "a .npy or .csv file, or maf:NAME[:ROOT].")
    String data;
    @Option(names = "--out", paramLabel = "RUN_DIR", description = "Run directory to create (must not exist or be empty).")
    Path out;
    @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON file of options (keys are option names); flags override it.")
    Path config;
    @Option(names = "--preset", paramLabel = "NAME", description = "A reference recipe by name, applied as a --config file below it "
            + "(--config and flags override it): otflow-8gaussians, otflow-checkerboard, otflow-swissroll, otflow-circles, otflow-moons, "
            + "otflow-pinwheel, otflow-2spirals, otflow-power, otflow-gas, otflow-hepmass, otflow-miniboone, otflow-bsds300 (OT-Flow's "
            + "detailedSetup.md), jko-toy, jko-miniboone (the JKO-Flow drivers). Files: src/main/resources/org/cnf4j/cli/presets.")
    String presetName;
    @Option(names = "--method", defaultValue = "otflow", description = "otflow (one map) or jko (JKO-Flow: --steps maps, each an OT-Flow "
            + "subproblem with the same alpha, trained on the data pushed forward by the previous maps and warm-started from the last one).")
    String method;
    @Option(names = "--steps", description = "JKO-Flow subproblems K (default 5).") Integer steps;
    @Option(names = "--budget", paramLabel = "total|per-map", description = "JKO-Flow, when --iters and --epochs are unset: total (default) "
            + "splits the recipe's budget over the K maps, so the run costs what OT-Flow costs; per-map gives each map all of it, as the "
            + "JKO-Flow paper does.") String budget;
    @Option(names = "--adam", paramLabel = "reset|carry", description = "JKO-Flow: reset (default) starts each subproblem's Adam afresh; "
            + "carry continues the previous subproblem's moments, as the reference's one optimiser does.") String adam;
    @Option(names = "--toy-samples", paramLabel = "N", description = "Train on one fixed sample of N points of a toy set (and validate on "
            + "another N), read in reshuffled minibatches like a file, instead of fresh draws (the JKO-Flow toy driver: 6000); not standardised.")
    Integer toySamples;
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
    @Option(names = "--warmup", description = "Raise the learning rate linearly from lr/N to lr over the first N iterations (each "
            + "subproblem for jko); 0 none.") Integer warmup;
    @Option(names = "--anneal", paramLabel = "cosine|step|none", description = "With --time-budget (each map's share for jko): cosine "
            + "lowers lr along half a cosine over the budget to lr/100; step divides it by 10 at --anneal-at; none keeps it (default: "
            + "cosine for files of 30000 training rows or more, step for smaller files, none for toy data and maf:NAME; --anneal-at "
            + "alone means step; refused without --time-budget, where it would do nothing). --resume continues a cosine where it "
            + "stopped.") String anneal;
    @Option(names = "--anneal-at", paramLabel = "FRACTION", description = "With --anneal step: once this fraction of the budget is "
            + "used, divide lr by 10 unless a plateau already has (default 0.75; 0 = never).") Double annealAt;
    @Option(names = "--lr-drop", description = "Factor of the step decay (default 0.5).") Double lrDrop;
    @Option(names = "--drop-every", description = "Multiply the learning rate by --lr-drop every N iterations; 0 never.") Integer dropEvery;
    @Option(names = "--early-stopping", description = "After N validations without improvement divide lr by 10 (3 times), then stop "
            + "(each subproblem for jko); 0 off.") Integer earlyStopping;
    @Option(names = "--drops-per-decade", paramLabel = "N", description = "Early stopping lowers lr tenfold over N plateaus (each "
            + "divides it by 10^(1/N)), and stops at the plateau after the rate is down a thousandfold (default 1: lr / 10 at each plateau).")
    Integer dropsPerDecade;
    @Option(names = "--weight-decay", paramLabel = "WD", description = "Decoupled weight decay (AdamW): each step first multiplies "
            + "the parameters by 1 - lr x WD (default 0: none, as the reference trains).") Double weightDecay;
    @Option(names = "--ema", paramLabel = "DECAY", description = "Validate, and keep as the best model, a moving average of the "
            + "parameters: after each step avg = DECAY x avg + (1 - DECAY) x params (default 0.99 for files of more than 2 columns, "
            + "an average over about 100 steps; 0 for toy data and maf:NAME, as the reference trains; 0 = off).") Double ema;
    @Option(names = "--clamp", description = "Clamp parameters to [-c, c] before each step; 0 off.") Double clamp;
    @Option(names = "--resample-every", description = "Draw a new training batch every N iterations (toy 25, files 1).") Integer resampleEvery;
    @Option(names = "--val-every", description = "Validate every N iterations.") Integer valEvery;
    @Option(names = "--seed", description = "Random seed (model, batches, file shuffle and split; default 0).") Long seed;
    @Option(names = "--batch-shards", paramLabel = "S", description = "Cut the training rows of file or maf data into S fixed shards and draw "
            + "every batch as S parts, one per shard (default 1: the usual batches). cnf4j-spark train --executors S draws its batches so, each "
            + "task reading only its shard; the same S here reproduces such a run in one process.") Integer batchShards;
    @Mixin EngineMixin engine = new EngineMixin();
    @Option(names = "--checkpoint-every", description = "Write a checkpoint every N iterations (default 50); always at the end.") Integer checkpointEvery;
    @Option(names = "--resume", description = "Continue the run in --out from its checkpoint with its saved configuration; takes only "
            + "--iters (to raise the budget), --device, --gpu-math, --threads, --checkpoint-every, --time-budget, --no-plot and --verbose, and refuses other options.")
    boolean resume;
    @Option(names = "--time-budget", paramLabel = "TIME", description = "Stop after the iteration that passes this wall time (20m, 90s, "
            + "1h30m; JKO-Flow: shared evenly by the maps), with a checkpoint: --resume continues it. Where it stops depends on the machine.")
    String timeBudget;
    @Option(names = "--no-plot", description = "Do not draw RUN_DIR/plot.png at the end (see cnf4j plot).") boolean noPlot;

    /**
     * What --resume takes: options that do not change the saved run (the budget may only grow, see TrainingRun.resume;
     * results do not depend on the device or threads). Every other option would be ignored, so it is refused.
     */
    static final List<String> RESUMABLE = List.of("iters", "device", "gpu-math", "threads", "checkpoint-every", "time-budget", "no-plot", "verbose");

    @Override
    public Integer call() throws IOException {
        if (out == null) throw new IllegalArgumentException("--out RUN_DIR is required");
        ParseResult parsed = spec.commandLine().getParseResult();
        Set<String> notInFiles = Set.of("config", "preset", "resume", "help", "version", "verbose");
        List<String> fromFile = new ArrayList<>(config == null ? List.of() : ConfigFile.apply(config, spec, parsed, notInFiles));
        Preset preset = presetName == null ? null : Preset.of(presetName);
        if (preset != null && !resume) fromFile.addAll(preset.apply(spec, parsed, notInFiles, Set.copyOf(fromFile)));   // --resume refuses it below
        // --iters and --epochs exclude each other: the one on the command line replaces a file's other one
        if (parsed.hasMatchedOption("--iters") && !parsed.hasMatchedOption("--epochs")) epochs = null;
        if (parsed.hasMatchedOption("--epochs") && !parsed.hasMatchedOption("--iters")) iters = null;
        if (resume) refuseChanges(parsed, fromFile);
        else {
            OutputGuard.apart("--out", out, "the --data file", DataSets.file(data));
            OutputGuard.apart("--out", out, "the --config file", config);
        }
        EngineOptions eo = engine.checkedOptions(DType.FLOAT32, 2); // before anything is written
        Console console = new Console(out, timeBudget != null);
        RunResult res;
        if (resume) {
            res = TrainingRun.resume(out, iters, checkpointEvery, engine.threadsGiven() ? eo.threads() : null, !noPlot,
                    timeBudget == null ? null : duration(timeBudget), eo, console, null);
        } else {
            TrainingOptions o = new TrainingOptions().data(data).out(out).method(method).steps(steps).iters(iters).epochs(epochs)
                    .gradTol(gradTol).batch(batch).valBatch(valBatch).nt(nt).ntVal(ntVal).width(width).layers(layers).alpha(alpha).lr(lr).warmup(warmup).anneal(anneal).annealAt(annealAt).dropsPerDecade(dropsPerDecade).weightDecay(weightDecay).ema(ema)
                    .lrDrop(lrDrop).dropEvery(dropEvery).earlyStopping(earlyStopping).clamp(clamp).resampleEvery(resampleEvery)
                    .valEvery(valEvery).seed(seed).batchShards(batchShards).budget(budget).adam(adam).toySamples(toySamples)
                    .timeBudget(timeBudget == null ? null : duration(timeBudget)).checkpointEvery(checkpointEvery).plot(!noPlot);
            if (config != null) o.record("config", config.toString());
            if (preset != null) o.record("preset", preset.label());
            res = TrainingRun.start(o, eo, console);
        }
        console.endProgress();
        String ent = Double.isNaN(res.dataEntropy()) ? "" : String.format(Locale.ROOT, " (data entropy %.4f)", res.dataEntropy());
        if (res.jkoSteps() == 0) {
            System.out.printf(Locale.ROOT, "best validation NLL %.4f nats at iteration %d%s; model in %s%n", res.validationNll(), res.bestIteration(), ent, out);
        } else {
            System.out.printf(Locale.ROOT, "composed validation NLL %.4f nats over %d maps%s; model in %s%n", res.validationNll(),
                    res.model().maps().size(), ent, out);
        }
        if (!Double.isNaN(res.gaussianValidationNll())) {
            System.out.printf(Locale.ROOT, "baseline: a full-covariance Gaussian has validation NLL %.4f nats on the same rows (%s); "
                    + "cnf4j baseline --data SOURCE adds a Gaussian mixture%n", res.gaussianValidationNll(),
                    res.gaussianValidationNll() > res.validationNll() ? "the flow is better" : "the flow is not better yet");
        }
        if (res.plotError() != null) System.out.println("note: no plot drawn (" + Main.oneLine(res.plotError()) + ")");
        return 0;
    }

    /** Refuses, in one line, every option of the command line or the --config file that --resume would not apply. */
    private void refuseChanges(ParseResult parsed, List<String> fromFile) {
        List<String> fixed = new ArrayList<>();
        for (OptionSpec opt : spec.options()) {
            String name = opt.longestName().replaceFirst("^--", "");
            if (parsed.hasMatchedOption(opt) && !RESUMABLE.contains(name) && !Set.of("out", "resume", "config").contains(name)) fixed.add("--" + name);
        }
        for (String key : fromFile) {
            if (!RESUMABLE.contains(key) && !key.equals("out")) fixed.add(key + " (in " + config + ")");
        }
        if (!fixed.isEmpty()) {
            throw new IllegalArgumentException("--resume continues " + out + " as it was configured and takes only --"
                    + String.join(", --", RESUMABLE) + "; it would ignore " + String.join(", ", fixed)
                    + ": drop them, or start a new run with another --out");
        }
    }

    /** What a person sees: the resume line, a progress line on terminals, validation lines and the trainer's notices. */
    private static final class Console implements RunListener {
        private final Path out;
        private final long t0 = System.nanoTime();
        private final boolean interactive = System.console() != null;
        private TrainConfig cfg;
        private int jkoSteps, total, startIter;
        private int k = 1;
        private LossResult last;
        private boolean progressShown;

        /** Whether this run (or continuation) has a time budget, over which a cosine anneal runs. */
        private final boolean budgeted;

        Console(Path out, boolean budgeted) {
            this.out = out;
            this.budgeted = budgeted;
        }

        /** What the rate will do over the budget, when it is the cosine's doing (the step announces itself when it drops). */
        private String annealNote(TrainConfig config, TrainState from) {
            if (!budgeted || config.anneal() != BudgetAnneal.COSINE) return "";
            return from.budgetUsed > 0
                    ? String.format(Locale.ROOT, "; lr goes on down its cosine from %.0f%% of the way, over this time budget (--anneal)", 100 * from.budgetUsed)
                    : "; lr anneals along a cosine over the time budget (--anneal)";
        }

        @Override public void onStart(TrainConfig config, int steps, TrainState from, String engine, boolean resumed) {
            cfg = config;
            jkoSteps = steps;
            total = config.iters() * Math.max(1, steps);
            startIter = (from.subproblem - 1) * config.iters() + from.iteration;
            k = from.subproblem;
            String note = annealNote(config, from) + (config.ema() > 0 ? "; validation scores a moving average of the parameters (--ema " + config.ema() + ")" : "");
            if (resumed && steps > 0) System.out.printf("resuming %s at JKO step %d of %d, iteration %d of %d (%s)%s%n", out, from.subproblem, steps, from.iteration, config.iters(), engine, note);
            else if (resumed) System.out.printf("resuming %s at iteration %d of %d (%s)%s%n", out, from.iteration, config.iters(), engine, note);
            else System.out.printf("training on %s%s%n", engine, note);
        }

        @Override public void onWarning(String message) { ModelSupport.warn(message); }

        private int global(int iter) { return (k - 1) * cfg.iters() + iter; }

        private String prefix() { return jkoSteps > 0 ? String.format(Locale.ROOT, "[%d/%d] ", k, jkoSteps) : ""; }

        private double seconds() { return (System.nanoTime() - t0) / 1e9; }

        @Override public void onSubproblemStart(int step) { k = step; }

        @Override public void onSubproblem(int step, OtFlowTrainer.Result r) {
            endProgress();
            System.out.printf(Locale.ROOT, "[%d/%d] map %d done: best validation NLL %.4f nats (of the pushed data) at iteration %d%n",
                    step, jkoSteps, step, r.bestValidation().c(), r.bestIter());
        }

        @Override public void onIteration(int iter, LossResult r, double lrNow) {
            last = r;
            if (interactive) {
                double eta = ProgressLine.eta(seconds(), global(iter), startIter, total);
                System.out.print("\r" + prefix() + ProgressLine.render(global(iter), total, r, lrNow, eta) + "   ");
                System.out.flush();
                progressShown = true;
            }
        }

        void endProgress() {
            if (progressShown) System.out.print("\r\033[K");
            progressShown = false;
        }

        @Override public void onValidation(int iter, LossResult v, boolean best) {
            endProgress();
            System.out.printf(Locale.ROOT, "%siter %5d/%d  J %.4f  L %.4f  C %.4f  R %.4f  | val J %.4f  NLL %.4f%s  (%.0fs)%n",
                    prefix(), iter, cfg.iters(), last.j(), last.l(), last.c(), last.r(), v.j(), v.c(), best ? " *" : "", seconds());
        }

        @Override public void onRecovery(int iter, double newLr) {
            endProgress();
            System.out.printf(Locale.ROOT, "%siter %5d: loss or gradient not finite; restored the last good state, lr now %.3g%n", prefix(), iter, newLr);
        }

        @Override public void onBlowUp(int iter, double valJ, double bestJ, double newLr) {
            endProgress();
            System.out.printf(Locale.ROOT, "%siter %5d: validation J %.4g blew up (best %.4g); restored the best parameters, lr now %.3g%n", prefix(), iter,
                    valJ, bestJ, newLr);
        }

        /** Main prints the TrainingDivergedException that follows as the one error line; it must start on a clean line. */
        @Override public void onDiverged(int iter, int failures, double lastLr) { endProgress(); }

        @Override public void onPlateau(int iter, boolean stopping, double newLr) {
            endProgress();
            System.out.println(prefix() + (stopping ? String.format(Locale.ROOT, "iter %5d: no improvement for %d validations; stopping early", iter, cfg.earlyStopping())
                    : String.format(Locale.ROOT, "iter %5d: no improvement for %d validations; lr now %.3g", iter, cfg.earlyStopping(), newLr)));
        }

        @Override public void onBudgetAnneal(int iter, double fraction, double newLr) {
            endProgress();
            System.out.printf(Locale.ROOT, "%siter %5d: %.0f%% of the time budget used; lr now %.3g for the rest (--anneal-at)%n", prefix(), iter,
                    100 * fraction, newLr);
        }

        @Override public void onConverged(int iter, double ratio) {
            endProgress();
            System.out.printf(Locale.ROOT, "%siter %5d: gradient norm at %.3g of its first interval's (--grad-tol %s); stopping%n", prefix(), iter, ratio, cfg.gradTol());
        }

        @Override public void onTimeUp(int iter) {
            endProgress();
            System.out.printf(Locale.ROOT, "%siter %5d: time budget reached; stopping (train --out RUN_DIR --resume continues)%n", prefix(), iter);
        }
    }

    /** "20m", "90s", "1h30m", "1.5h": a positive wall time with its units (h, m, s). */
    static java.time.Duration duration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)([hms])").matcher(t);
        double seconds = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            double v = Double.parseDouble(m.group(1));
            seconds += v * switch (m.group(2)) { case "h" -> 3600; case "m" -> 60; default -> 1; };
            end = m.end();
        }
        if (t.isEmpty() || end != t.length() || !(seconds > 0)) {
            throw new IllegalArgumentException("--time-budget '" + text + "' is not a wall time: use a number with h, m or s, e.g. 20m, 90s, 1h30m");
        }
        return java.time.Duration.ofMillis(Math.round(seconds * 1000));
    }
}
