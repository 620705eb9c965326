package org.cnf4j.spark.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.cnf4j.engine.LossResult;
import org.cnf4j.spark.DataParallelTraining;
import org.cnf4j.spark.EngineSpec;
import org.cnf4j.spark.Sweep;
import org.cnf4j.run.RunListener;
import org.cnf4j.train.TrainConfig;
import org.cnf4j.train.TrainState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code cnf4j-spark train}: one cnf4j train run over E Spark tasks (synchronous data parallelism). Its training
 * options are {@code cnf4j train}'s own, copied from that command's definition ({@link #addTrainOptions}), so the
 * two cannot drift apart.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train one OT-Flow or JKO-Flow run across E Spark tasks in a barrier stage: every task computes its slice of each "
            + "batch and the gradients are summed in task order every step, so the model equals cnf4j train's with the same options up "
            + "to float64 round-off (--executors 1: bit for bit). On file and maf data --batch-shards defaults to E: the batches are drawn "
            + "from E fixed shards of the training rows and each task reads only its own shard of a file (cnf4j train --batch-shards E "
            + "gives the same model); --batch-shards 1 draws cnf4j train's usual batches, every task reading all rows. Task 0 writes "
            + "RUN_DIR, which (like the --data file) must be at the same path for the executors and the driver.",
            "Training options: those of cnf4j train (see cnf4j train --help)."})
public final class TrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--out", required = true, paramLabel = "RUN_DIR", description = "Run directory to create (or, with --resume, continue).") Path out;
    @Option(names = "--executors", required = true, paramLabel = "E", description = "Data-parallel tasks (each needs a task slot; all run at once).")
    int executors;
    @Option(names = "--resume", description = "Continue the run in --out from its checkpoint; takes only --iters, --checkpoint-every and --no-plot "
            + "of the training options.") boolean resume;
    @Option(names = "--exchange", paramLabel = "direct|barrier", defaultValue = "direct",
            description = "How the tasks sum their gradients every step: direct (TCP through task 0, default) or barrier (Spark's barrier "
                + "allGather, which takes at least about a second per step).") String exchange;
    @Mixin SparkOptions spark = new SparkOptions();

    /** What --resume takes of the training options, as cnf4j train --resume. */
    private static final List<String> RESUMABLE = List.of("iters", "checkpoint-every", "no-plot");

    /** Adds every option of {@code cnf4j train} that a sweep cell may set (name, type, description) to this command. */
    static void addTrainOptions(CommandSpec train) {
        CommandSpec core = new CommandLine(new org.cnf4j.cli.TrainCommand()).getCommandSpec();
        for (String key : Sweep.trainOptionNames()) {
            OptionSpec o = core.findOption("--" + key);
            if (o == null) throw new IllegalStateException("cnf4j train has no --" + key);
            train.addOption(OptionSpec.builder(o).build());
        }
    }

    @Override
    public Integer call() throws Exception {
        ParseResult parsed = spec.commandLine().getParseResult();
        Map<String, String> options = new LinkedHashMap<>();
        List<String> refused = new ArrayList<>();
        for (String key : Sweep.trainOptionNames()) {
            if (!parsed.hasMatchedOption("--" + key)) continue;
            Object v = parsed.matchedOptionValue("--" + key, null);
            options.put(key, String.valueOf(v));
            if (resume && !RESUMABLE.contains(key)) refused.add("--" + key);
        }
        if (resume && !refused.isEmpty()) {
            throw new IllegalArgumentException("--resume continues " + out + " as it was configured and takes only --" + String.join(", --", RESUMABLE)
                    + " of the training options; it would ignore " + String.join(", ", refused) + ": drop them, or start a new run with another --out");
        }
        if (!resume && !options.containsKey("data")) throw new IllegalArgumentException("--data is required (or --resume to continue a run)");
        boolean plot = !"true".equals(options.get("no-plot"));
        Integer iters = options.containsKey("iters") ? Integer.valueOf(options.get("iters")) : null;
        Integer ck = options.containsKey("checkpoint-every") ? Integer.valueOf(options.get("checkpoint-every")) : null;
        EngineSpec e = spark.engine();
        // training defaults to float32 (as cnf4j train); threads per task: --threads, else spark.task.cpus
        EngineSpec engine = new EngineSpec(e.device(), spark.dtype == null ? "float32" : e.dtype(), spark.threads == null ? 0 : spark.threads);
        DataParallelTraining.Exchange how = switch (SparkOptions.lower(exchange)) {
            case "direct" -> DataParallelTraining.Exchange.DIRECT;
            case "barrier" -> DataParallelTraining.Exchange.BARRIER;
            default -> throw new IllegalArgumentException("unknown --exchange '" + exchange + "': use direct or barrier");
        };
        DataParallelTraining.Request r = new DataParallelTraining.Request(options, out.toString(), resume, iters, ck, plot, executors, engine, how);
        SparkSession s = spark.session("train");
        DataParallelTraining.Summary sum = DataParallelTraining.run(s, r, (rank, attempt) -> rank == 0 ? new ValidationLines() : null);
        DataParallelTraining.TaskOutcome w = sum.writer();
        if (w.jkoSteps() == 0) {
            System.out.printf(Locale.ROOT, "best validation NLL %.4f nats at iteration %d; model in %s (%s, %.1f s)%n", w.validationNll(),
                    w.bestIteration(), out, tasks(sum), sum.seconds());
        } else {
            System.out.printf(Locale.ROOT, "composed validation NLL %.4f nats over %d maps; model in %s (%s, %.1f s)%n", w.validationNll(), w.maps(),
                    out, tasks(sum), sum.seconds());
        }
        if (w.plotError() != null) System.out.println("note: no plot drawn (" + SparkMain.oneLine(w.plotError()) + ")");
        return 0;
    }

    private static String tasks(DataParallelTraining.Summary s) { return s.tasks().size() == 1 ? "1 task" : s.tasks().size() + " tasks"; }

    /** Task 0's report: the validation lines cnf4j train prints (on task 0's executor: the console in local mode). */
    static final class ValidationLines implements RunListener {
        private final long t0 = System.nanoTime();
        private TrainConfig cfg;
        private int jkoSteps, k = 1;
        private LossResult last;

        @Override public void onStart(TrainConfig config, int steps, TrainState from, String engine, boolean resumed) {
            cfg = config;
            jkoSteps = steps;
            k = from.subproblem;
            System.out.println((resumed ? "resuming at iteration " + from.iteration + " on " : "training on ") + engine);
        }

        @Override public void onWarning(String message) { System.err.println("cnf4j-spark: warning: " + message); }

        @Override public void onData(String description) { System.out.println("task 0 holds " + description); }

        @Override public void onSubproblemStart(int step) { k = step; }

        @Override public void onIteration(int iter, LossResult r, double lr) { last = r; }

        @Override public void onValidation(int iter, LossResult v, boolean best) {
            System.out.printf(Locale.ROOT, "%siter %5d/%d  J %.4f  C %.4f  | val J %.4f  NLL %.4f%s  (%.0fs)%n",
                    jkoSteps > 0 ? "[" + k + "/" + jkoSteps + "] " : "", iter, cfg.iters(), last.j(), last.c(), v.j(), v.c(), best ? " *" : "",
                    (System.nanoTime() - t0) / 1e9);
        }

        @Override public void onRecovery(int iter, double newLr) {
            System.out.printf(Locale.ROOT, "iter %d: non-finite loss or gradient; restored the last good state, lr now %.3g%n", iter, newLr);
        }
    }
}
