package org.cnf4j.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnf4j.backend.DType;
import org.cnf4j.cli.Main;
import org.cnf4j.data.ToyData;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints: integrity, resume equality (also after kill -9), and recovery from a non-finite loss. */
class CheckpointResumeTest {
    static final String[] SMALL = {"train", "--data", "8gaussians", "--batch", "256", "--val-batch", "256", "--nt", "2", "--nt-val", "2",
        "--width", "8", "--val-every", "5", "--seed", "3", "--threads", "2"};

    private static int cli(String... args) {
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream()));
        try {
            return Main.execute(args);
        } finally {
            System.setOut(old);
        }
    }

    private static String[] with(String[] base, String... more) {
        List<String> l = new ArrayList<>(List.of(base));
        l.addAll(List.of(more));
        return l.toArray(new String[0]);
    }

    private static PhiParams lastParams(Path run) throws IOException {
        return TrainState.load(run.resolve("checkpoint.bin"), new PhiShape(2, 8, 2)).params;
    }

    @Test
    void checkpointRoundTripAndCorruptionIsDetected(@TempDir Path dir) throws IOException {
        PhiShape s = new PhiShape(3, 5, 3);
        TrainState st = TrainState.start(PhiParams.initialise(s, 1), 0.05);
        st.iteration = 17;
        st.draws = 3;
        st.bestJ = 1.25;
        st.subproblem = 4;
        st.gradRef = 2.5;
        st.gradSum = 7.25;
        st.gradCount = 3;
        st.converged = true;
        st.budgetUsed = 0.375;
        st.adam.step(st.params.data, st.params.data.clone());
        Path f = dir.resolve("checkpoint.bin");
        st.save(f);
        TrainState back = TrainState.load(f, s);
        assertEquals(17, back.iteration);
        assertEquals(4, back.subproblem);
        assertEquals(2.5, back.gradRef);
        assertEquals(7.25, back.gradSum);
        assertEquals(3, back.gradCount);
        assertTrue(back.converged);
        assertEquals(0.375, back.budgetUsed);
        assertEquals(3, back.draws);
        assertEquals(1.25, back.bestJ);
        assertArrayEquals(st.params.data, back.params.data);
        assertArrayEquals(st.adam.secondMoment(), back.adam.secondMoment());

        IOException shape = assertThrows(IOException.class, () -> TrainState.load(f, new PhiShape(2, 5, 3)));
        assertTrue(shape.getMessage().contains("d=3"), shape.getMessage());

        byte[] bytes = Files.readAllBytes(f);
        bytes[bytes.length / 2] ^= 1;
        Files.write(f, bytes);
        assertTrue(assertThrows(IOException.class, () -> TrainState.load(f, s)).getMessage().contains("corrupt"));
        Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length / 3));
        assertTrue(assertThrows(IOException.class, () -> TrainState.load(f, s)).getMessage().contains("corrupt"));
    }

    /**
     * A file as an older version wrote it: this state's version 5 file without its last {@code cut} bytes before the CRC
     * (the fields that version added since), stamped {@code version}, with a new CRC.
     */
    private static void writeAsVersion(TrainState st, Path f, int version, int cut) throws IOException {
        st.save(f);
        byte[] v5 = Files.readAllBytes(f);
        byte[] old = java.util.Arrays.copyOf(v5, v5.length - 8 - cut);
        java.nio.ByteBuffer.wrap(old, 8, 4).putInt(version);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(old);
        byte[] file = java.util.Arrays.copyOf(old, old.length + 8);
        java.nio.ByteBuffer.wrap(file, old.length, 8).putLong(crc.getValue());
        Files.write(f, file);
    }

    @Test
    void aVersion3CheckpointStillLoadsWithTheCosineNotStarted(@TempDir Path dir) throws IOException {
        PhiShape s = new PhiShape(2, 4, 2);
        TrainState st = TrainState.start(PhiParams.initialise(s, 2), 0.05);
        st.iteration = 9;
        st.budgetUsed = 0.5;
        Path f = dir.resolve("checkpoint.bin");
        writeAsVersion(st, f, 3, 8 + 1);   // without budgetUsed (8 bytes) and the average's flag (no average: 1 byte)
        TrainState back = TrainState.load(f, s);
        assertEquals(9, back.iteration);
        assertEquals(0, back.budgetUsed);
        assertNull(back.average);
        assertArrayEquals(st.params.data, back.params.data);
    }

    @Test
    void aVersion4CheckpointLoadsWithoutAnAverageAndVersion5KeepsIt(@TempDir Path dir) throws IOException {
        PhiShape s = new PhiShape(2, 4, 2);
        TrainState st = TrainState.start(PhiParams.initialise(s, 2), 0.05);
        st.budgetUsed = 0.25;
        Path f = dir.resolve("checkpoint.bin");
        writeAsVersion(st, f, 4, 1);
        TrainState back = TrainState.load(f, s);
        assertEquals(0.25, back.budgetUsed);
        assertNull(back.average, "version 4 had no average: a run with one starts it at the parameters");
        st.average = PhiParams.initialise(s, 5);
        st.save(f);
        back = TrainState.load(f, s);
        assertArrayEquals(st.average.data, back.average.data, 0.0);
        assertArrayEquals(st.params.data, back.params.data, 0.0);
    }

    @Test
    void resumedRunEndsBitIdenticalToUninterruptedRun(@TempDir Path dir) throws IOException {
        Path full = dir.resolve("full"), split = dir.resolve("split");
        assertEquals(0, cli(with(SMALL, "--out", full.toString(), "--iters", "30")));
        assertEquals(0, cli(with(SMALL, "--out", split.toString(), "--iters", "12")));
        assertEquals(0, cli("train", "--out", split.toString(), "--resume", "--iters", "30"));
        assertArrayEquals(lastParams(full).data, lastParams(split).data, 0.0);
        // the exported best model agrees too, file for file
        PhiParams a = ReferenceModel.load(full).params(), b = ReferenceModel.load(split).params();
        assertArrayEquals(a.data, b.data, 0.0);
        assertEquals(Files.readAllLines(full.resolve("log.csv")).size(), Files.readAllLines(split.resolve("log.csv")).size());
    }

    @Test
    void runKilledWithSigkillResumesToTheSameResult(@TempDir Path dir) throws Exception {
        Path killed = dir.resolve("killed"), full = dir.resolve("full");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.cnf4j.cli.Main"));
        cmd.addAll(List.of(with(SMALL, "--out", killed.toString(), "--iters", "300", "--checkpoint-every", "4")));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        Path ckpt = killed.resolve("checkpoint.bin");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(ckpt) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        Thread.sleep(150);
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(ckpt), "a checkpoint was written before the kill: " + Files.readString(dir.resolve("child.log")));
        int at = TrainState.load(ckpt, new PhiShape(2, 8, 2)).iteration;
        assertTrue(at < 300, "the run was interrupted (checkpoint at iteration " + at + ")");

        assertEquals(0, cli("train", "--out", killed.toString(), "--resume"));
        assertEquals(0, cli(with(SMALL, "--out", full.toString(), "--iters", "300", "--checkpoint-every", "4")));
        assertArrayEquals(lastParams(full).data, lastParams(killed).data, 0.0);
        assertArrayEquals(ReferenceModel.load(full).params().data, ReferenceModel.load(killed).params().data, 0.0);
    }

    @Test
    void nonFiniteLossRestoresTheLastGoodStateAndHalvesTheLearningRate() {
        PhiShape s = new PhiShape(2, 8, 2);
        TrainConfig cfg = new TrainConfig(s, new Alpha(1, 100, 5), 2, 2, 128, 128, 12, 0.05, 0, 0.5, 0, 2, 4, 1, DType.FLOAT64, 1);
        ToyBatchSource toy = new ToyBatchSource("8gaussians", 1);
        boolean[] poisoned = {false};
        BatchSource once = new BatchSource() {
            @Override public int dimension() { return 2; }

            @Override public double[] batch(int n, int draw) {
                double[] b = toy.batch(n, draw);
                if (draw == 3 && !poisoned[0]) {
                    poisoned[0] = true;
                    b[5] = Double.NaN;
                }
                return b;
            }
        };
        List<Double> recoveries = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        try (CpuFlowEngine e = new CpuFlowEngine(s, cfg.dtype(), 1)) {
            OtFlowTrainer.Result r = new OtFlowTrainer(cfg, e).addListener(new TrainListener() {
                @Override public void onRecovery(int iter, double newLr) { recoveries.add(newLr); }

                @Override public void onIteration(int iter, org.cnf4j.engine.LossResult l, double lr) { rates.add(lr); }
            }).train(PhiParams.initialise(s, 1), once, ToyData.sample("8gaussians", 128, 2), 128);
            assertEquals(List.of(0.025), recoveries);
            assertEquals(0.025, rates.get(rates.size() - 1), 0.0);
            for (double v : r.last().data) assertTrue(Double.isFinite(v));

            BatchSource always = new BatchSource() {
                @Override public int dimension() { return 2; }

                @Override public double[] batch(int n, int draw) {
                    double[] b = toy.batch(n, draw);
                    b[0] = Double.NaN;
                    return b;
                }
            };
            IllegalStateException ex = assertThrows(IllegalStateException.class,
                    () -> new OtFlowTrainer(cfg, e).train(PhiParams.initialise(s, 1), always, ToyData.sample("8gaussians", 128, 2), 128));
            assertTrue(ex.getMessage().contains("--lr"), ex.getMessage());
        }
    }

    @Test
    void relativeGradientRuleStopsWhenTheGradientNormFallsBelowTheTolerance() {
        PhiShape s = new PhiShape(2, 8, 2);
        java.util.function.DoubleFunction<TrainConfig> cfg = tol -> new TrainConfig(s, new Alpha(1, 100, 5), 2, 2, 256, 256, 200, 0.05, 0, 0.5, 0, 1,
                5, 1, DType.FLOAT64, 1).withGradTol(tol);
        double[] val = ToyData.sample("8gaussians", 256, 2);
        try (CpuFlowEngine e = new CpuFlowEngine(s, DType.FLOAT64, 1)) {
            // the mean gradient norm over each 5-iteration interval, to know where a tolerance must stop training
            List<Double> norms = new ArrayList<>();
            OtFlowTrainer.Result off = new OtFlowTrainer(cfg.apply(0), e).addListener(new TrainListener() {
                double sum;

                @Override public void onIteration(int iter, org.cnf4j.engine.LossResult l, double lr) {
                    double q = 0;
                    for (double g : l.gradient()) q += g * g;
                    sum += Math.sqrt(q);
                    if (iter % 5 == 0) {
                        norms.add(sum / 5);
                        sum = 0;
                    }
                }
            }).train(PhiParams.initialise(s, 1), new ToyBatchSource("8gaussians", 1), val, 256);
            assertEquals(40, norms.size());
            double minRatio = Double.POSITIVE_INFINITY;
            int firstBelow = -1;
            double tol = 0;
            for (int i = 1; i < norms.size(); i++) minRatio = Math.min(minRatio, norms.get(i) / norms.get(0));
            assertTrue(minRatio < 1, "the gradient shrinks during training: " + norms);
            tol = Math.min(0.999, minRatio * 1.05);
            for (int i = 1; i < norms.size() && firstBelow < 0; i++) if (norms.get(i) / norms.get(0) < tol) firstBelow = (i + 1) * 5;
            int[] stoppedAt = {-1};
            double[] ratio = {Double.NaN};
            OtFlowTrainer.Result on = new OtFlowTrainer(cfg.apply(tol), e).addListener(new TrainListener() {
                @Override public void onConverged(int iter, double r) {
                    stoppedAt[0] = iter;
                    ratio[0] = r;
                }
            }).train(PhiParams.initialise(s, 1), new ToyBatchSource("8gaussians", 1), val, 256);
            assertEquals(firstBelow, stoppedAt[0]);
            assertTrue(ratio[0] < tol);
            assertNotEquals(off.last(), on.last());
            assertFalse(java.util.Arrays.equals(off.last().data, on.last().data), "training stopped early");
        }
    }
}
