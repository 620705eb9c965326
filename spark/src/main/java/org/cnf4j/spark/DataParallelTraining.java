package org.cnf4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.cnf4j.data.DataSets;
import org.cnf4j.engine.DataParallel;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.model.PhiParams;
import org.cnf4j.run.RunDirectory;
import org.cnf4j.run.RunListener;
import org.cnf4j.run.RunResult;
import org.cnf4j.run.TrainingOptions;
import org.cnf4j.run.TrainingRun;
import org.cnf4j.train.TrainConfig;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * One OT-Flow or JKO-Flow run trained by E Spark tasks in a barrier stage (synchronous data parallelism). Every task
 * runs the training-run service with the same options ({@link TrainingRun#start} with a {@link DataParallel} place):
 * it draws the same batches, computes the loss and gradient of its own slice of each batch, and the tasks' parts are
 * exchanged ({@link Exchange}) and summed in task order, so all tasks take the same optimiser steps
 * and the model equals the single-process run's up to float64 round-off (one task: bit for bit). Task 0 writes the
 * run directory (config, log, checkpoints, plot), which must therefore be on a file system task 0's executor can
 * write and the driver can read, like the data file, which every task reads at the same path.
 *
 * <p>A killed job continues with {@code resume}; when Spark retries the barrier stage after a task failed, the retry
 * continues from the last checkpoint by itself (task 0 decides, and tells the others in a first allGather).
 */
public final class DataParallelTraining {
    private DataParallelTraining() {}

    /** A run to train: the train options (as {@link Sweep}'s cells: option name to value), or a run to resume. */
    public record Request(Map<String, String> options, String out, boolean resume, Integer iters, Integer checkpointEvery, boolean plot,
                          int tasks, EngineSpec engine, Exchange exchange) implements Serializable {
        public Request {
            if (tasks < 1) throw new IllegalArgumentException("--executors must be >= 1, got " + tasks);
            if (exchange == null) exchange = Exchange.DIRECT;
            if (out == null) throw new IllegalArgumentException("--out RUN_DIR is required");
            options = Map.copyOf(options);
        }
    }

    /**
     * How the tasks exchange their parts every step: {@code DIRECT} over TCP through task 0 (rendezvous by Spark's
     * barrier allGather; see {@link DirectGather}), or {@code BARRIER} through Spark's barrier allGather itself, which
     * takes at least about a second per exchange (Spark polls its reply once a second).
     */
    public enum Exchange { DIRECT, BARRIER }

    /** What each task reports: its model's SHA-256 (all tasks must agree) and, from task 0, the run's numbers. */
    public record TaskOutcome(int rank, String modelSha256, double validationNll, int bestIteration, int maps, int jkoSteps, boolean resumed,
                              double seconds, String plotError) implements Serializable {}

    /**
     * Makes a task's listener, on the task's executor (null: none): the command line's progress lines on task 0, the
     * tests' injected faults.
     */
    @FunctionalInterface
    public interface TaskListener extends Serializable {
        RunListener create(int rank, int stageAttempt);
    }

    /** The run's result: task 0's outcome, and every task's. */
    public record Summary(TaskOutcome writer, List<TaskOutcome> tasks, double seconds) {}

    /**
     * Checks the request on the driver (the options as the tasks will resolve them, the output folder, the slots and
     * the size of the messages), then trains; throws with one line when the tasks end with different models.
     */
    public static Summary run(SparkSession spark, Request r, TaskListener listener) throws IOException {
        Path out = Path.of(r.out()).toAbsolutePath().normalize();
        Map<String, String> options = new java.util.LinkedHashMap<>(r.options());
        if (options.containsKey("data")) options.put("data", Sweep.absoluteData(options.get("data")));
        // finite data: batches from one shard per task, so that each task reads only its own (a single process gives the
        // same model with --batch-shards E); --batch-shards 1 gives cnf4j train's batches, every task reading all rows
        if (!r.resume() && !options.containsKey("batch-shards") && options.containsKey("data") && !DataSets.isToy(options.get("data"))) {
            options.put("batch-shards", Integer.toString(r.tasks()));
        }
        Request abs = new Request(options, out.toString(), r.resume(), r.iters(), r.checkpointEvery(), r.plot(), r.tasks(), r.engine(), r.exchange());
        long parameters = check(spark, abs, out);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Integer> ranks = jsc.parallelize(IntStream.range(0, r.tasks()).boxed().toList(), r.tasks());
        ClassTag<TaskOutcome> tag = ClassTag$.MODULE$.apply(TaskOutcome.class);
        long t0 = System.nanoTime();
        // the shuffle after the barrier stage makes it a map stage, which Spark retries when a task fails (a barrier
        // result stage it gives up on); the retry resumes from the last checkpoint (Task)
        List<TaskOutcome> outcomes = new ArrayList<>(JavaRDD.fromRDD(ranks.rdd().barrier().mapPartitions(new Task(abs, listener), false, tag), tag)
                .repartition(1).collect());
        outcomes.sort((a, b) -> Integer.compare(a.rank(), b.rank()));
        for (TaskOutcome o : outcomes) {
            if (!o.modelSha256().equals(outcomes.get(0).modelSha256())) {
                throw new IllegalStateException("data-parallel task " + o.rank() + " ended with another model than task 0 (" + parameters
                        + " parameters): the tasks lost lockstep; report this with the command line");
            }
        }
        return new Summary(outcomes.get(0), outcomes, (System.nanoTime() - t0) / 1e9);
    }

    /** The driver's checks, before any task starts; returns the model's parameter count. */
    private static long check(SparkSession spark, Request r, Path out) throws IOException {
        EngineOptions eo = r.engine().options().withThreads(1);
        TrainConfig cfg;
        if (r.resume()) {
            if (!Files.isRegularFile(out.resolve("config.json"))) throw new IllegalArgumentException(out + " is not a cnf4j run directory (no config.json): check --out");
            try (RunDirectory run = RunDirectory.open(out)) {
                cfg = run.loadConfig();
            }
            DataParallel.requireRows(r.tasks(), cfg.batch(), "--batch");
        } else {
            if (Files.exists(out)) throw new IllegalArgumentException("--out " + out + " exists; remove it, choose another folder, or add --resume");
            cfg = TrainingRun.check(Sweep.trainingOptions(r.options(), null), eo, r.tasks());
        }
        int slots = spark.sparkContext().defaultParallelism();
        if (r.tasks() > slots) {
            throw new IllegalArgumentException("--executors " + r.tasks() + " needs " + r.tasks() + " task slots at once but the cluster has "
                    + slots + "; use --executors " + slots + " or fewer, or a larger cluster");
        }
        long p = PhiParams.count(cfg.shape());
        // every task receives every task's gradient in one reply of the driver's barrier coordinator (base64 text)
        if (r.exchange() != Exchange.BARRIER) return p;
        long reply = (long) r.tasks() * ((8 * (p + 4) + 2) / 3 * 4 + 16);
        long max = spark.sparkContext().getConf().getSizeAsBytes("spark.rpc.message.maxSize", "128m");
        if (max < 2048) max *= 1024 * 1024;   // the setting is in MiB when it has no unit
        if (reply > max) {
            throw new IllegalArgumentException(r.tasks() + " tasks of " + p + " parameters exchange " + reply / (1 << 20) + " MiB per step, more than "
                    + "spark.rpc.message.maxSize (" + max / (1 << 20) + " MiB): raise it with --conf spark.rpc.message.maxSize=N (MiB), or use fewer tasks");
        }
        return p;
    }

    /** One task of the barrier stage. */
    static final class Task extends AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<TaskOutcome>> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Request r;
        private final TaskListener listener;

        Task(Request r, TaskListener listener) {
            this.r = r;
            this.listener = listener;
        }

        @Override
        public scala.collection.Iterator<TaskOutcome> apply(scala.collection.Iterator<Integer> ignored) {
            BarrierTaskContext ctx = BarrierTaskContext.get();
            int rank = ctx.partitionId(), attempt = ctx.stageAttemptNumber();
            try (DirectGather direct = r.exchange() == Exchange.DIRECT ? DirectGather.connect(ctx) : null) {
                DataParallel task = new DataParallel(rank, ctx.numPartitions(), direct != null ? direct : local -> gather(ctx, local));
                return CollectionConverters.asScala(List.of(train(task, ctx.cpus(), attempt)).iterator());
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }

        private TaskOutcome train(DataParallel task, int cpus, int attempt) throws IOException {
            int rank = task.rank();
            Path out = Path.of(r.out());
            // task 0 decides whether this attempt resumes (a retried stage continues what the failed attempt wrote) and
            // tells the others, who may not see the run directory as it is yet
            boolean mine = r.resume() || (attempt > 0 && Files.exists(out.resolve("config.json")));
            boolean resume = task.gather().allGather(new double[] {mine ? 1 : 0})[0][0] == 1;
            int threads = r.engine().threads() > 0 ? r.engine().threads() : cpus;
            EngineOptions eo = r.engine().options().withThreads(threads);
            RunListener l = this.listener == null ? null : this.listener.create(rank, attempt);
            long t0 = System.nanoTime();
            RunResult res = resume ? TrainingRun.resume(out, r.iters(), r.checkpointEvery(), threads, r.plot(), eo, l, task)
                    : TrainingRun.start(Sweep.trainingOptions(r.options(), out).plot(r.plot()), eo, l, task);
            return new TaskOutcome(rank, sha256(res.model().maps()), res.validationNll(), res.bestIteration(), res.model().maps().size(),
                    res.jkoSteps(), resume, (System.nanoTime() - t0) / 1e9, res.plotError());
        }
    }

    /** Spark's allGather carries text: every vector travels as base64 of its little-endian doubles. */
    static double[][] gather(BarrierTaskContext ctx, double[] local) {
        String[] all = ctx.allGather(encode(local));
        double[][] out = new double[all.length][];
        for (int i = 0; i < all.length; i++) out[i] = decode(all[i]);
        return out;
    }

    static String encode(double[] v) { return Base64.getEncoder().encodeToString(bytes(v)); }

    private static byte[] bytes(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(v);
        return b.array();
    }

    static double[] decode(String s) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(s)).order(ByteOrder.LITTLE_ENDIAN);
        double[] v = new double[b.remaining() / 8];
        b.asDoubleBuffer().get(v);
        return v;
    }

    static String sha256(List<PhiParams> maps) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (PhiParams p : maps) md.update(bytes(p.data));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
