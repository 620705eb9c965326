package org.cnf4j.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.DataParallel;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.model.PhiParams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Synchronous data-parallel training in the training-run service, with threads as the tasks: every task ends with
 * the same model, one task is the single-process run bit for bit, two tasks equal it to float64 round-off, only the
 * writer writes, and a resumed data-parallel run ends as the uninterrupted one.
 */
class DataParallelTrainingTest {
    @TempDir Path tmp;

    private static final EngineOptions F64 = EngineOptions.defaults().withDtype(DType.FLOAT64).withThreads(1);

    /** A gather through shared slots and a barrier: the in-process twin of Spark's barrier allGather. */
    static final class ThreadGather implements DataParallel.Gather {
        private final double[][] slots;
        private final CyclicBarrier barrier;
        private final ThreadLocal<Integer> rank = new ThreadLocal<>();

        ThreadGather(int size) {
            slots = new double[size][];
            barrier = new CyclicBarrier(size);
        }

        DataParallel task(int r) {
            rank.set(r);
            return new DataParallel(r, slots.length, this);
        }

        @Override public double[][] allGather(double[] local) {
            try {
                slots[rank.get()] = local.clone();
                barrier.await(60, TimeUnit.SECONDS);
                double[][] all = new double[slots.length][];
                for (int i = 0; i < all.length; i++) all[i] = slots[i].clone();
                barrier.await(60, TimeUnit.SECONDS);   // nobody overwrites a slot before everybody has read it
                return all;
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("gather failed", e);
            }
        }
    }

    @FunctionalInterface
    interface TaskRun {
        RunResult run(DataParallel task) throws Exception;
    }

    /** Runs {@code size} tasks on threads and returns their results in rank order. */
    static List<RunResult> inThreads(int size, TaskRun body) throws Exception {
        ThreadGather g = new ThreadGather(size);
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<RunResult>> fs = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                int rank = r;
                fs.add(pool.submit(() -> body.run(g.task(rank))));
            }
            List<RunResult> out = new ArrayList<>();
            for (Future<RunResult> f : fs) out.add(f.get(5, TimeUnit.MINUTES));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static TrainingOptions toy(Path out) {
        return new TrainingOptions().data("8gaussians").out(out).width(8).iters(12).batch(101).valBatch(67).valEvery(4).nt(3).ntVal(3)
                .checkpointEvery(4).seed(3L).plot(false);
    }

    private static double maxRelDiff(List<PhiParams> a, List<PhiParams> b) {
        assertEquals(a.size(), b.size());
        double m = 0;
        for (int k = 0; k < a.size(); k++) {
            double[] x = a.get(k).data, y = b.get(k).data;
            assertEquals(x.length, y.length);
            for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]) / Math.max(1e-3, Math.abs(x[i])));
        }
        return m;
    }

    private static void assertSameBits(List<PhiParams> a, List<PhiParams> b) {
        assertEquals(a.size(), b.size());
        for (int k = 0; k < a.size(); k++) assertArrayEquals(a.get(k).data, b.get(k).data);
    }

    @Test
    void twoTasksEqualOneProcessToRoundOffAndOnlyTheWriterWrites() throws Exception {
        RunResult single = TrainingRun.start(toy(tmp.resolve("single")), F64, null);
        Path out = tmp.resolve("dp");
        List<RunResult> tasks = inThreads(2, t -> TrainingRun.start(toy(out), F64, null, t));
        assertSameBits(tasks.get(0).model().maps(), tasks.get(1).model().maps());   // lockstep: one model
        double rel = maxRelDiff(single.model().maps(), tasks.get(0).model().maps());
        assertTrue(rel < 1e-9, "2 tasks against 1 process: max relative difference " + rel);
        assertEquals(single.validationNll(), tasks.get(0).validationNll(), 1e-10);
        assertEquals(single.bestIteration(), tasks.get(0).bestIteration());
        // the writer's run directory holds the model; the reader wrote nothing anywhere
        assertSameBits(tasks.get(0).model().maps(), RunModel.load(out).maps());
        assertEquals(out, tasks.get(0).model().dir());
        assertEquals(null, tasks.get(1).model().dir());
        try (var files = Files.list(tmp)) {
            assertEquals(List.of("dp", "single"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void oneTaskIsTheSingleProcessRunBitForBit() throws Exception {
        RunResult single = TrainingRun.start(toy(null), F64, null);
        RunResult one = inThreads(1, t -> TrainingRun.start(toy(null), F64, null, t)).get(0);
        assertSameBits(single.model().maps(), one.model().maps());
        assertEquals(single.validationNll(), one.validationNll());
    }

    /** 400 rows of three dependent columns. */
    private Path rowsCsv() throws Exception {
        Path csv = tmp.resolve("rows.csv");
        SplittableRandom r = new SplittableRandom(5);
        StringBuilder b = new StringBuilder("a,b,c\n");
        for (int i = 0; i < 400; i++) {
            double u = r.nextGaussian(), v = r.nextGaussian();
            b.append(String.format(Locale.ROOT, "%.6f,%.6f,%.6f%n", u, 0.5 * u + v, u * v + 0.1 * r.nextGaussian()));
        }
        Files.writeString(csv, b);
        return csv;
    }

    /** Records what a task says of its data. */
    private static final class DataLine implements RunListener {
        volatile String line;

        @Override public void onData(String description) { line = description; }
    }

    @Test
    void tasksThatHoldOneShardEachEqualOneProcessWithTheSameShards() throws Exception {
        Path csv = rowsCsv();   // 400 rows: 324 training, 36 validation, 40 test
        Supplier<TrainingOptions> o = () -> new TrainingOptions().data(csv.toString()).iters(10).width(6).batch(90).valBatch(30).valEvery(5)
                .nt(2).ntVal(2).seed(2L).batchShards(2).plot(false);
        DataLine whole = new DataLine();
        RunResult single = TrainingRun.start(o.get().out(tmp.resolve("single")), F64, whole);
        assertEquals("all 324 training, 36 validation and 40 test rows (batches drawn from 2 shards)", whole.line);
        DataLine[] lines = {new DataLine(), new DataLine()};
        List<RunResult> tasks = inThreads(2, t -> TrainingRun.start(o.get().out(tmp.resolve("dp")), F64, lines[t.rank()], t));
        // each task read only its shard of the file: half the training rows, its half of the validation batch
        assertEquals("shard 1 of 2 shards: 162 of 324 training rows, 15 of 30 validation rows, 20 of 40 test rows", lines[0].line);
        assertEquals("shard 2 of 2 shards: 162 of 324 training rows, 15 of 30 validation rows, 20 of 40 test rows", lines[1].line);
        assertSameBits(tasks.get(0).model().maps(), tasks.get(1).model().maps());
        double rel = maxRelDiff(single.model().maps(), tasks.get(0).model().maps());
        assertTrue(rel < 1e-9, "2 sharded tasks against 1 process with 2 shards: max relative difference " + rel);
        assertEquals(single.validationNll(), tasks.get(0).validationNll(), 1e-10);
        // the shards are the batches' definition: one process without them trains on other batches
        RunResult unsharded = TrainingRun.start(o.get().batchShards(1), F64, null);
        assertTrue(maxRelDiff(single.model().maps(), unsharded.model().maps()) > 1e-6, "--batch-shards changes the batches");
        // config.json keeps the shards, so that a resume draws the same batches
        assertTrue(Files.readString(tmp.resolve("dp/config.json")).contains("\"batch-shards\" : 2"), Files.readString(tmp.resolve("dp/config.json")));
    }

    @Test
    void aShardedRunResumesInOneProcessAndAcrossTasks() throws Exception {
        Path csv = rowsCsv();
        Supplier<TrainingOptions> o = () -> new TrainingOptions().data(csv.toString()).width(6).batch(90).valBatch(30).valEvery(4)
                .nt(2).ntVal(2).seed(4L).batchShards(2).checkpointEvery(4).plot(false);
        Path whole = tmp.resolve("whole"), part = tmp.resolve("part"), one = tmp.resolve("one");
        List<RunResult> uninterrupted = inThreads(2, t -> TrainingRun.start(o.get().out(whole).iters(12), F64, null, t));
        inThreads(2, t -> TrainingRun.start(o.get().out(part).iters(8), F64, null, t));
        List<RunResult> resumed = inThreads(2, t -> TrainingRun.resume(part, 12, null, null, false, F64, null, t));
        assertSameBits(uninterrupted.get(0).model().maps(), resumed.get(0).model().maps());
        assertSameBits(RunModel.load(whole).maps(), RunModel.load(part).maps());
        // one process resumes a sharded run with its shards (every row in memory): the same batches, to round-off
        TrainingRun.start(o.get().out(one).iters(8), F64, null);
        RunResult single = TrainingRun.resume(one, 12, null, null, false, F64, null);
        double rel = maxRelDiff(single.model().maps(), resumed.get(0).model().maps());
        assertTrue(rel < 1e-9, "resumed in one process against 2 tasks: " + rel);
    }

    @Test
    void jkoOnAFileWithThreeShardedTasks() throws Exception {
        Path csv = rowsCsv();
        Supplier<TrainingOptions> o = () -> new TrainingOptions().data(csv.toString()).method(TrainingOptions.JKO).steps(2).iters(4).width(6)
                .batch(90).valBatch(40).valEvery(2).nt(2).ntVal(2).seed(1L).batchShards(3).plot(false);
        RunResult single = TrainingRun.start(o.get(), F64, null);
        List<RunResult> tasks = inThreads(3, t -> TrainingRun.start(o.get(), F64, null, t));
        for (RunResult t : tasks) assertSameBits(tasks.get(0).model().maps(), t.model().maps());
        double rel = maxRelDiff(single.model().maps(), tasks.get(0).model().maps());
        assertTrue(rel < 1e-9, "3 sharded tasks against 1 process: max relative difference " + rel);
        // the composed validation NLL is summed over the tasks' parts of the validation batch
        assertEquals(single.validationNll(), tasks.get(0).validationNll(), 1e-9);
        assertEquals(tasks.get(0).validationNll(), tasks.get(2).validationNll());
    }

    @Test
    void dataReadWholeIsCutToTheTasksShard() throws Exception {
        // maf: sets and in-memory data are read whole, then each task keeps its shard: the model is the one-process one
        org.cnf4j.data.Dataset ds = org.cnf4j.data.DataSets.load(rowsCsv().toString(), 3);
        Supplier<TrainingOptions> o = () -> new TrainingOptions().dataset(ds).iters(6).width(6).batch(90).valBatch(30).valEvery(3).nt(2).ntVal(2)
                .seed(3L).batchShards(2).plot(false);
        RunResult single = TrainingRun.start(o.get(), F64, null);
        DataLine[] lines = {new DataLine(), new DataLine()};
        List<RunResult> tasks = inThreads(2, t -> TrainingRun.start(o.get(), F64, lines[t.rank()], t));
        assertTrue(lines[1].line.startsWith("shard 2 of 2 shards: 162 of 324 training rows"), lines[1].line);
        double rel = maxRelDiff(single.model().maps(), tasks.get(0).model().maps());
        assertTrue(rel < 1e-9, "2 tasks holding cut shards against 1 process: " + rel);
    }

    @Test
    void batchShardsOnToyDataAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingRun.start(toy(null).batchShards(2), F64, null));
        assertTrue(e.getMessage().contains("--batch-shards is for finite data"), e.getMessage());
    }

    @Test
    void jkoOnAFileWithThreeTasks() throws Exception {
        Path csv = rowsCsv();
        Supplier<TrainingOptions> o = () -> new TrainingOptions().data(csv.toString()).method(TrainingOptions.JKO).steps(2).iters(4).width(6)
                .batch(90).valBatch(40).valEvery(2).nt(2).ntVal(2).seed(1L).plot(false);
        RunResult single = TrainingRun.start(o.get(), F64, null);
        List<RunResult> tasks = inThreads(3, t -> TrainingRun.start(o.get(), F64, null, t));
        assertEquals(2, single.model().maps().size());
        for (RunResult t : tasks) assertSameBits(tasks.get(0).model().maps(), t.model().maps());
        double rel = maxRelDiff(single.model().maps(), tasks.get(0).model().maps());
        assertTrue(rel < 1e-9, "3 tasks against 1 process: max relative difference " + rel);
        assertNotEquals(0.0, maxRelDiff(List.of(single.model().maps().get(0)), List.of(single.model().maps().get(1))), "map 2 trained on");
    }

    @Test
    void aResumedDataParallelRunEndsAsTheUninterruptedOne() throws Exception {
        Path whole = tmp.resolve("whole"), part = tmp.resolve("part");
        List<RunResult> uninterrupted = inThreads(2, t -> TrainingRun.start(toy(whole), F64, null, t));
        // the same run stopped after 8 of its 12 iterations (the last checkpoint at 8), then resumed to 12
        inThreads(2, t -> TrainingRun.start(toy(part).iters(8), F64, null, t));
        List<RunResult> resumed = inThreads(2, t -> TrainingRun.resume(part, 12, null, null, false, F64, null, t));
        assertSameBits(uninterrupted.get(0).model().maps(), resumed.get(0).model().maps());
        assertSameBits(uninterrupted.get(0).model().maps(), resumed.get(1).model().maps());
        assertSameBits(RunModel.load(whole).maps(), RunModel.load(part).maps());
        assertEquals(Files.readAllLines(whole.resolve("log.csv")).size(), Files.readAllLines(part.resolve("log.csv")).size());
    }

    @Test
    void aBatchSmallerThanTheTasksIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path out = tmp.resolve("small");
        ThreadGather g = new ThreadGather(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.start(toy(out).batch(3), F64, null, g.task(0)));
        assertTrue(e.getMessage().contains("--batch of 3 rows is smaller than the 4 data-parallel tasks"), e.getMessage());
        assertFalse(Files.exists(out));
    }
}
