package org.cnf4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnf4j.cli.Main;
import org.cnf4j.model.PhiParams;
import org.cnf4j.engine.LossResult;
import org.cnf4j.run.RunListener;
import org.cnf4j.run.RunModel;
import org.junit.jupiter.api.Test;

/**
 * cnf4j-spark train on local[2]: two barrier tasks train cnf4j train's model to float64 round-off, one task bit for
 * bit; a task that dies part-way is retried by Spark from the last checkpoint and the run ends as an uninterrupted one.
 */
class DataParallelTrainingTest {
    /** cnf4j train's flags of the runs below (8gaussians, float64, 12 iterations, checkpoints every 4). */
    static final String[] FLAGS = {"--data", "8gaussians", "--width", "8", "--iters", "12", "--batch", "203", "--val-batch", "97", "--val-every", "4",
        "--nt", "3", "--nt-val", "3", "--checkpoint-every", "4", "--seed", "4", "--no-plot"};

    static Map<String, String> options() {
        Map<String, String> o = new java.util.LinkedHashMap<>();
        for (int i = 0; i < FLAGS.length; i++) {
            String k = FLAGS[i].substring(2);
            o.put(k, k.equals("no-plot") ? "true" : FLAGS[++i]);
        }
        return o;
    }

    static Path cliRun(String name) throws IOException {
        Path out = Fixtures.root().resolve("dp").resolve(name);
        List<String> args = new ArrayList<>(List.of("train", "--dtype", "float64", "--threads", "1", "--out", out.toString()));
        args.addAll(List.of(FLAGS));
        assertEquals(0, Main.execute(args.toArray(String[]::new)));
        return out;
    }

    static DataParallelTraining.Summary spark(Path out, int tasks, boolean resume, DataParallelTraining.TaskListener listener) throws IOException {
        return spark(out, tasks, resume, listener, DataParallelTraining.Exchange.DIRECT, options());
    }

    static DataParallelTraining.Summary spark(Path out, int tasks, boolean resume, DataParallelTraining.TaskListener listener,
                                              DataParallelTraining.Exchange how, Map<String, String> options) throws IOException {
        var r = new DataParallelTraining.Request(resume ? Map.of() : options, out.toString(), resume, null, null, false, tasks,
                new EngineSpec("cpu", "float64", 1), how);
        return DataParallelTraining.run(Fixtures.spark(), r, listener);
    }

    static double maxRelDiff(Path a, Path b) throws IOException {
        List<PhiParams> x = RunModel.load(a).maps(), y = RunModel.load(b).maps();
        double m = 0;
        for (int k = 0; k < x.size(); k++) {
            for (int i = 0; i < x.get(k).data.length; i++) {
                double u = x.get(k).data[i], v = y.get(k).data[i];
                m = Math.max(m, Math.abs(u - v) / Math.max(1e-3, Math.abs(u)));
            }
        }
        return m;
    }

    @Test
    void twoTasksTrainCnf4jTrainsModelToRoundOffAndOneTaskBitForBit() throws IOException {
        Path cli = cliRun("cli");
        Path two = Fixtures.root().resolve("dp").resolve("two"), one = Fixtures.root().resolve("dp").resolve("one");
        DataParallelTraining.Summary s = spark(two, 2, false, null);
        assertEquals(2, s.tasks().size());
        assertEquals(s.tasks().get(0).modelSha256(), s.tasks().get(1).modelSha256());
        double rel = maxRelDiff(cli, two);
        assertTrue(rel > 0 && rel < 1e-9, "2 tasks against cnf4j train: max relative difference " + rel);
        assertEquals(RunModel.load(cli).maps().size(), RunModel.load(two).maps().size());
        assertEquals(Files.readAllLines(cli.resolve("log.csv")).size(), Files.readAllLines(two.resolve("log.csv")).size());
        spark(one, 1, false, null);
        SweepTest.assertSameWeights(cli, one);
    }

    /** Spark's barrier allGather as the exchange: the same model as the direct one (4 iterations: each step waits about a second). */
    @Test
    void barrierExchangeGivesTheSameModel() throws IOException {
        Map<String, String> o = options();
        o.put("iters", "4");
        Path direct = Fixtures.root().resolve("dp").resolve("direct4"), barrier = Fixtures.root().resolve("dp").resolve("barrier4");
        spark(direct, 2, false, null, DataParallelTraining.Exchange.DIRECT, o);
        spark(barrier, 2, false, null, DataParallelTraining.Exchange.BARRIER, o);
        SweepTest.assertSameWeights(direct, barrier);
    }

    /** Task 1 dies at iteration 6 of the first attempt (after the checkpoint at 4); Spark retries the stage, which resumes. */
    @Test
    void aRetriedStageResumesFromTheLastCheckpoint() throws IOException {
        Path whole = Fixtures.root().resolve("dp").resolve("whole"), killed = Fixtures.root().resolve("dp").resolve("killed");
        spark(whole, 2, false, null);
        DataParallelTraining.Summary s = spark(killed, 2, false, (rank, attempt) -> rank == 1 && attempt == 0 ? new DiesAtIteration6() : null);
        assertTrue(s.writer().resumed(), "the retried attempt resumed");
        SweepTest.assertSameWeights(whole, killed);
        assertArrayEquals(Files.readAllBytes(whole.resolve("checkpoint.bin")), Files.readAllBytes(killed.resolve("checkpoint.bin")));
        assertEquals(Files.readAllLines(whole.resolve("log.csv")).size(), Files.readAllLines(killed.resolve("log.csv")).size());
    }

    /** An executor lost part-way: the task fails after its sixth step. */
    static final class DiesAtIteration6 implements RunListener {
        @Override public void onIteration(int iter, LossResult r, double lr) {
            if (iter == 6) throw new IllegalStateException("injected: executor lost at iteration 6");
        }
    }

    @Test
    void commandLine() throws IOException {
        Path out = Fixtures.root().resolve("dp").resolve("cli-spark");
        List<String> args = new ArrayList<>(List.of("train", "--executors", "2", "--dtype", "float64", "--out", out.toString()));
        args.addAll(List.of(FLAGS));
        Cli c = Cli.run(args.toArray(String[]::new));
        assertEquals(0, c.rc(), c.err());
        assertTrue(c.out().contains("best validation NLL "), c.out());
        assertTrue(c.out().contains("(2 tasks, "), c.out());
        assertTrue(c.out().contains("iter    12/12"), c.out());
        // --resume of a finished run with a higher budget continues it
        c = Cli.run("train", "--executors", "2", "--out", out.toString(), "--resume", "--iters", "16");
        assertEquals(0, c.rc(), c.err());
        assertTrue(c.out().contains("resuming at iteration 12"), c.out());
        for (String[] bad : new String[][] {
            {"--executors", "3", "needs 3 task slots at once but the cluster has 2"},
            {"--executors", "0", "--executors must be >= 1, got 0"},
            {"--width", "0", "--width must be >= 1, got 0"},
            {"--batch", "1", "--batch of 1 rows is smaller than the 2 data-parallel tasks"}}) {
            List<String> a = new ArrayList<>(List.of("train", "--out", out.resolveSibling("bad").toString()));
            for (int i = 0; i < FLAGS.length; i++) {
                if (FLAGS[i].equals(bad[0])) i++;   // replaced by the bad value
                else a.add(FLAGS[i]);
            }
            if (!bad[0].equals("--executors")) a.addAll(List.of("--executors", "2"));
            a.addAll(List.of(bad).subList(0, 2));
            c = Cli.run(a.toArray(String[]::new));
            assertEquals(2, c.rc(), c.err());
            assertTrue(c.errorLine().contains(bad[2]), c.errorLine());
            assertFalse(Files.exists(out.resolveSibling("bad")));
        }
        c = Cli.run("train", "--executors", "2", "--out", out.toString(), "--data", "moons");
        assertEquals(2, c.rc());
        assertTrue(c.errorLine().contains("exists; remove it, choose another folder, or add --resume"), c.errorLine());
        c = Cli.run("train", "--executors", "2", "--out", out.toString(), "--resume", "--width", "4");
        assertEquals(2, c.rc());
        assertTrue(c.errorLine().contains("it would ignore --width"), c.errorLine());
    }

    /**
     * File data: by default each of the 2 tasks reads only its shard of the file, and the model is cnf4j train's with
     * --batch-shards 2 (to round-off); --batch-shards 1 gives plain cnf4j train's batches, every task reading all rows.
     */
    @Test
    void onFileDataEachTaskReadsItsShard() throws IOException {
        Path csv = Fixtures.root().resolve("dp").resolve("rows.csv");
        Files.createDirectories(csv.getParent());
        java.util.SplittableRandom g = new java.util.SplittableRandom(9);
        StringBuilder b = new StringBuilder("a,b,c\n");
        for (int i = 0; i < 300; i++) {
            double u = g.nextGaussian(), v = g.nextGaussian();
            b.append(String.format(java.util.Locale.ROOT, "%.6f,%.6f,%.6f%n", u, u + 0.3 * v, u * v));
        }
        Files.writeString(csv, b);
        String[] flags = {"--data", csv.toString(), "--width", "6", "--iters", "6", "--batch", "80", "--val-batch", "20", "--val-every", "3",
            "--nt", "2", "--nt-val", "2", "--seed", "5", "--no-plot", "--dtype", "float64"};
        Path sharded = Fixtures.root().resolve("dp").resolve("file-2"), replicated = Fixtures.root().resolve("dp").resolve("file-2x1");
        Path cli2 = Fixtures.root().resolve("dp").resolve("file-cli2"), cli1 = Fixtures.root().resolve("dp").resolve("file-cli1");
        List<String> a = new ArrayList<>(List.of("train", "--executors", "2", "--out", sharded.toString()));
        a.addAll(List.of(flags));
        Cli c = Cli.run(a.toArray(String[]::new));
        assertEquals(0, c.rc(), c.err());
        assertTrue(c.out().contains("task 0 holds shard 1 of 2 shards: 121 of 243 training rows, 10 of 20 validation rows, 15 of 30 test rows"), c.out());
        assertTrue(Files.readString(sharded.resolve("config.json")).contains("\"batch-shards\" : 2"));
        a = new ArrayList<>(List.of("train", "--executors", "2", "--batch-shards", "1", "--out", replicated.toString()));
        a.addAll(List.of(flags));
        c = Cli.run(a.toArray(String[]::new));
        assertEquals(0, c.rc(), c.err());
        assertTrue(c.out().contains("task 0 holds all 243 training, 27 validation and 30 test rows"), c.out());
        List<String> t = new ArrayList<>(List.of("train", "--threads", "1", "--out", cli2.toString(), "--batch-shards", "2"));
        t.addAll(List.of(flags));
        assertEquals(0, Main.execute(t.toArray(String[]::new)));
        t = new ArrayList<>(List.of("train", "--threads", "1", "--out", cli1.toString()));
        t.addAll(List.of(flags));
        assertEquals(0, Main.execute(t.toArray(String[]::new)));
        double shardedRel = maxRelDiff(cli2, sharded), replicatedRel = maxRelDiff(cli1, replicated);
        assertTrue(shardedRel < 1e-9, "2 sharded tasks against cnf4j train --batch-shards 2: " + shardedRel);
        assertTrue(replicatedRel < 1e-9, "2 tasks with --batch-shards 1 against cnf4j train: " + replicatedRel);
        assertTrue(maxRelDiff(cli1, cli2) > 1e-6, "the shards are other batches");
    }
}
