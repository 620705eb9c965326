package org.cnf4j.cli;

import static org.cnf4j.testing.Fixtures.swissroll;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cnf4j.format.Npy;
import org.cnf4j.model.PhiShape;
import org.cnf4j.run.RunListener;
import org.cnf4j.run.TrainingOptions;
import org.cnf4j.run.TrainingRun;
import org.cnf4j.train.TrainState;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.backend.DType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory and work: sizes beyond memory are refused before anything is allocated or written (exit 1, one line with
 * the numbers and what to change); an OutOfMemoryError that still happens (on the command's thread, in an engine
 * worker, in another thread) is the same kind of one line, and a training run stays resumable; unbounded work
 * draws a warning before it starts.
 */
class MemoryCommandsTest {
    @TempDir static Path dir;
    static Path model;

    @BeforeAll
    static void importModel() {
        model = dir.resolve("model");
        assertEquals(0, Cli.run("import-otflow", "--weights", swissroll().resolve("weights").toString(),
                "--config", swissroll().resolve("config.json").toString(), "--out", model.toString()).code());
    }

    /** Exit 1, one line on stderr starting "cnf4j: error: " with every fragment; returns it. */
    static String oneLine(int code, String err, String... fragments) {
        String e = err.strip();
        assertEquals(1, e.lines().count(), "one line: " + e);
        assertTrue(e.startsWith("cnf4j: error: "), e);
        assertFalse(e.contains("\tat ") || e.contains("Exception"), e);
        for (String f : fragments) assertTrue(e.contains(f), "'" + f + "' not in: " + e);
        assertEquals(1, code, e);
        return e;
    }

    @Test
    void aRunTooLargeForTheHeapIsRefusedBeforeAnythingIsWritten() {
        Path out = dir.resolve("wide");
        Cli.Result r = Cli.run("train", "--data", "8gaussians", "--out", out.toString(), "--width", "100000");
        oneLine(r.code(), r.err(), "this run needs about", "GB of Java heap", "1.0 x 10^10 parameters at width 100000", "the heap allows",
                "use a smaller --width or --batch", "CNF4J_JAVA_OPTS=-Xmx");
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void sampleBenchAndPlotRefuseSizesBeyondMemory() {
        Path out = dir.resolve("many.npy");
        Cli.Result s = Cli.run("sample", "--model", model.toString(), "-n", "100000000", "--output", out.toString());
        oneLine(s.code(), s.err(), "sampling 1.0 x 10^8 points needs about", "use a smaller -n");
        assertFalse(Files.exists(out));
        Path png = dir.resolve("many.png");   // the plot drew 10^8 samples until an OutOfMemoryError, naming options plot has not
        Cli.Result p = Cli.run("plot", "--model", model.toString(), "--samples", "100000000", "--out", png.toString());
        oneLine(p.code(), p.err(), "plotting 1.0 x 10^8 points needs about", "use a smaller --samples");
        assertFalse(Files.exists(png));
        Cli.Result b = Cli.run("bench", "--d", "100000", "--n", "20000");
        oneLine(b.code(), b.err(), "bench --d 100000 --m 32 --n 20000 needs about", "the inputs", "use a smaller --d, --m or --n");
        assertEquals("", b.out(), "no JSON line");
    }

    @Test
    void logpRefusesAnInputTooLargeForASmallHeap() throws Exception {
        // 400000 rows read in 6 MB, but scoring them takes about 80 MB of states and results: more than -Xmx64m
        int n = 400_000;
        double[] x = new double[n * 2];
        for (int i = 0; i < x.length; i++) x[i] = (i % 7) * 0.1;
        Path in = dir.resolve("rows.npy"), out = dir.resolve("logp.npy");
        Npy.write(in, x, new int[] {n, 2}, false);
        ChildJvm.Result r = ChildJvm.cnf4j(dir, 120, List.of("-Xmx64m"), "logp", "--model", model.toString(), "--input", in.toString(),
                "--output", out.toString());
        oneLine(r.code(), r.err(), "scoring 400000 points needs about", "split --input into smaller files");
        assertFalse(Files.exists(out));
    }

    @Test
    void anOutOfMemoryErrorOnTheCommandsThreadIsOneLine() throws Exception {
        // with the estimate off (-Dcnf4j.memoryCheck=false), 16 million parameters do not fit in 64 MB
        Path out = dir.resolve("oom-main");
        ChildJvm.Result r = ChildJvm.cnf4j(dir, 120, List.of("-Xmx64m", "-Dcnf4j.memoryCheck=false"), "train", "--data", "8gaussians",
                "--out", out.toString(), "--width", "4000", "--iters", "2");
        oneLine(r.code(), r.err().lines().filter(l -> !l.startsWith("cnf4j: warning:")).reduce("", (a, b) -> a + b + "\n"),
                "out of memory (Java heap space", "CNF4J_JAVA_OPTS=-Xmx");
        assertFalse(Files.exists(out), "the model is allocated before the run directory is created");
    }

    @Test
    void anOutOfMemoryErrorInAnEngineWorkerIsOneLineAndTheRunResumesBitIdentical() throws Exception {
        // the workers' stage slots (about 300 MB each, on the Java heap) do not fit in a 128 MB heap; they are allocated
        // in the first iteration, after the iteration-0 checkpoint
        Path killed = dir.resolve("oom-worker"), full = dir.resolve("oom-full");
        String[] args = {"train", "--data", "8gaussians", "--width", "128", "--batch", "8192", "--val-batch", "512", "--iters", "1",
            "--nt-val", "2", "--seed", "5", "--no-plot"};
        List<String> jvm = List.of("-Xmx128m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=400m", "-Dcnf4j.memoryCheck=false");
        ChildJvm.Result r = ChildJvm.cnf4j(dir, 180, jvm, concat(args, "--out", killed.toString()));
        oneLine(r.code(), r.err(), "out of memory (Java heap space", "CNF4J_JAVA_OPTS=-Xmx");
        ChildJvm.Result v = ChildJvm.cnf4j(dir, 180, jvm, concat(args, "--out", dir.resolve("oom-verbose").toString(), "--verbose"));
        assertEquals(1, v.code());
        // the JVM may throw its preallocated OutOfMemoryError, whose stack trace is empty: then either the thread name
        // says where it came from (when the worker died of it) or, rethrown on the command's thread, there is no frame
        // to print at all (seen once the float loops allocated their deferred sums in the worker)
        boolean noFrames = v.err().lines().noneMatch(l -> l.trim().startsWith("at "));
        assertTrue(v.err().contains("org.cnf4j.engine.cpu.CpuFlowEngine.lambda$loss") || v.err().contains("(in thread cnf4j-worker)")
                || noFrames && v.err().startsWith("java.lang.OutOfMemoryError"), "the error came from a worker: " + v.err());
        assertEquals(0, TrainState.load(killed.resolve("checkpoint.bin"), new PhiShape(2, 128, 2)).iteration);

        Cli.Result resumed = Cli.run("train", "--out", killed.toString(), "--resume");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(0, Cli.run(concat(args, "--out", full.toString())).code());
        PhiShape s = new PhiShape(2, 128, 2);
        assertArrayEquals(TrainState.load(full.resolve("checkpoint.bin"), s).params.data, TrainState.load(killed.resolve("checkpoint.bin"), s).params.data, 0.0);
    }

    @Test
    void aThreadThatDiesOfAnErrorEndsTheProcessWithOneLine() throws Exception {
        ChildJvm.Result r = ChildJvm.run(dir, 60, List.of(), DyingThreadMain.class.getName());
        oneLine(r.code(), r.err(), "cnf4j: error: out of memory (Java heap space", "(in thread background)");
    }

    @Test
    void manyStepsDrawAWarningAndTrainingGoesOn() {
        Path out = dir.resolve("steps");
        Cli.Result r = Cli.run("train", "--data", "8gaussians", "--out", out.toString(), "--width", "4", "--batch", "8", "--val-batch", "8",
                "--nt", "1001", "--nt-val", "2", "--iters", "1", "--no-plot");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().startsWith("cnf4j: warning: --nt 1001 is far beyond the 1000 RK4 steps this warning allows"), r.err());
        Cli.Result s = Cli.run("sample", "--model", model.toString(), "-n", "3", "--nt", "1500", "--output", dir.resolve("s.npy").toString());
        assertEquals(0, s.code(), s.err());
        assertTrue(s.err().contains("cnf4j: warning: --nt 1500 is far beyond"), s.err());
    }

    @Test
    void aSlowIterationIsAnnouncedBeforeAnythingIsWritten() {
        // width 1000 with 4 layers on one thread: 5 x 10^12 operations per iteration of the toy batch, over a minute
        // even at the GEMM rate of so wide a model; the listener stops the run at the warning
        Path out = dir.resolve("slow");
        List<String> warnings = new java.util.ArrayList<>();
        RunListener stop = new RunListener() {
            @Override public void onWarning(String message) {
                warnings.add(message);
                throw new IllegalStateException("stopped at the warning");
            }
        };
        TrainingOptions o = new TrainingOptions().data("8gaussians").out(out).width(1000).layers(4).iters(1);
        // its stage slots (about 1 GB) would not pass the memory check of the tests' 2 GB heap, which comes first
        EngineOptions engine = EngineOptions.cpu(DType.FLOAT32, 1).withMemoryCheck(false);
        assertThrows(IllegalStateException.class, () -> TrainingRun.start(o, engine, stop));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).matches("one training iteration is about [0-9.]+ x 10\\^12 floating-point operations: roughly [0-9]+ (s|minutes) on 1 thread"),
                warnings.get(0));
        assertFalse(Files.exists(out), "warnings come before the run directory");
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
