package org.cnf4j.cli;

import static org.cnf4j.testing.Fixtures.swissroll;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input list of the CLI: each case exits with 2 (usage) or 1 (data/runtime), prints exactly one line on
 * stderr naming the problem (no stack trace), and leaves no output file or run directory behind.
 */
class BadInputTest {
    @TempDir static Path dir;
    static Path model;
    static final String[] SMALL = {"--width", "8", "--batch", "64", "--nt", "2", "--nt-val", "2", "--iters", "2"};

    @BeforeAll
    static void importModel() {
        model = dir.resolve("model");
        assertEquals(0, Cli.run("import-otflow", "--weights", swissroll().resolve("weights").toString(),
                "--config", swissroll().resolve("config.json").toString(), "--out", model.toString()).code());
    }

    /** Runs, checks the exit code, a one-line message containing every fragment, and no stack trace. */
    static String fails(int code, String[] fragments, String... args) {
        Cli.Result r = Cli.run(args);
        String what = String.join(" ", args);
        assertEquals(code, r.code(), what + " -> stderr: " + r.err() + " stdout: " + r.out());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), "one line for " + what + ": " + err);
        assertTrue(err.startsWith("cnf4j: error: "), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace or exception names: " + err);
        for (String f : fragments) assertTrue(err.toLowerCase().contains(f.toLowerCase()), what + ": '" + f + "' not in: " + err);
        return err;
    }

    static String[] train(Path data, Path out, String... more) {
        return Stream.concat(Stream.of("train", "--data", data.toString(), "--out", out.toString()),
                Stream.concat(Stream.of(SMALL), Stream.of(more))).toArray(String[]::new);
    }

    static String[] frag(String... f) { return f; }

    static Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    static String csvRows(int n, int d) {
        StringBuilder b = new StringBuilder();
        java.util.SplittableRandom r = new java.util.SplittableRandom(n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) b.append(j > 0 ? "," : "").append(r.nextGaussian());
            b.append('\n');
        }
        return b.toString();
    }

    @Test
    void missingFiles() {
        Path out = dir.resolve("never1");
        fails(1, frag("nope.csv", "not found"), train(dir.resolve("nope.csv"), out));
        assertFalse(Files.exists(out), "no run directory after a failed start");
        Path o = dir.resolve("o1.npy");
        fails(1, frag("nope.npy"), "logp", "--model", model.toString(), "--input", dir.resolve("nope.npy").toString(), "--output", o.toString());
        assertFalse(Files.exists(o));
        fails(1, frag("no-such-run"), "eval", "--model", dir.resolve("no-such-run").toString());
        fails(1, frag("no-such-run"), "sample", "--model", dir.resolve("no-such-run").toString(), "-n", "3", "--output", o.toString());
        fails(1, frag("missing.yaml"), "train", "--data", "8gaussians", "--out", dir.resolve("never2").toString(), "--config", dir.resolve("missing.yaml").toString());
        fails(1, frag("weights"), "import-otflow", "--weights", dir.resolve("nothing").toString(), "--config", swissroll().resolve("config.json").toString(),
                "--out", dir.resolve("never3").toString());
        assertFalse(Files.exists(dir.resolve("never2")) || Files.exists(dir.resolve("never3")));
    }

    @Test
    void unknownOrMissingDevice() throws Exception {
        Path data = write("dev.csv", csvRows(50, 2));
        fails(2, frag("device"), train(data, dir.resolve("never5"), "--device", "tpu"));
        if (org.cnf4j.engine.Engines.cudaUnavailableReason() != null) {
            fails(1, frag("--device cpu"), train(data, dir.resolve("never6"), "--device", "cuda"));
        }
        assertFalse(Files.exists(dir.resolve("never5")) || Files.exists(dir.resolve("never6")), "no run directory left behind");
    }

    @Test
    void unreadableFile() throws Exception {
        // a directory where a data file is expected: unreadable as a file, also for root (which ignores permissions)
        Path notAFile = Files.createDirectories(dir.resolve("folder.csv"));
        fails(1, frag("folder.csv"), train(notAFile, dir.resolve("never4")));
        assertFalse(Files.exists(dir.resolve("never4")));
    }

    @Test
    void wrongDimensionForTheModel() throws Exception {
        Path three = write("three.csv", csvRows(40, 3));
        Path o = dir.resolve("o2.npy");
        fails(2, frag("3 column", "d=2"), "logp", "--model", model.toString(), "--input", three.toString(), "--output", o.toString());
        assertFalse(Files.exists(o));
        fails(2, frag("3 columns", "d=2"), "eval", "--model", model.toString(), "--data", three.toString());
        assertFalse(Files.exists(model.resolve("eval.json")));
    }

    @Test
    void badFileContents() throws Exception {
        Path text = write("text.csv", "a,b\n1,2\n3,x\n4,5\n");
        fails(2, frag("text.csv"), train(text, dir.resolve("never5")));
        Path nan = write("nan.csv", "1,2\n3,nan\n4,5\n6,7\n");
        fails(2, frag("nan.csv"), train(nan, dir.resolve("never6")));
        Path inf = write("inf.csv", "1,2\n3,4\n-inf,5\n6,7\n");
        Path o = dir.resolve("o3.csv");
        fails(2, frag("inf.csv"), "logp", "--model", model.toString(), "--input", inf.toString(), "--output", o.toString());
        assertFalse(Files.exists(o));
        Path empty = write("empty.csv", "");
        fails(2, frag("empty.csv"), train(empty, dir.resolve("never7")));
        Path header = write("header.csv", "x,y\n");
        fails(2, frag("header.csv"), "logp", "--model", model.toString(), "--input", header.toString(), "--output", o.toString());
        for (String n : new String[] {"never5", "never6", "never7"}) assertFalse(Files.exists(dir.resolve(n)), n);
        assertFalse(Files.exists(o));
    }

    @Test
    void fewerRowsThanABatch() throws Exception {
        Path small = write("small.csv", csvRows(100, 3));
        Path out = dir.resolve("never8");
        fails(2, frag("fewer than one batch", "--batch"), "train", "--data", small.toString(), "--out", out.toString(), "--batch", "500");
        assertFalse(Files.exists(out));
    }

    @Test
    void corruptOrTruncatedCheckpoint() throws Exception {
        Path run = dir.resolve("ck");
        assertEquals(0, Cli.run("train", "--data", "8gaussians", "--out", run.toString(), "--width", "8", "--batch", "64", "--val-batch", "64",
                "--nt", "2", "--nt-val", "2", "--iters", "3").code());
        Path ck = run.resolve("checkpoint.bin");
        byte[] good = Files.readAllBytes(ck);
        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 4;
        Files.write(ck, flipped);
        fails(1, frag("corrupt"), "train", "--out", run.toString(), "--resume", "--iters", "5");
        Files.write(ck, java.util.Arrays.copyOf(good, good.length / 2));
        fails(1, frag("truncated"), "train", "--out", run.toString(), "--resume", "--iters", "5");
        Files.write(ck, new byte[0]);
        fails(1, frag("checkpoint"), "train", "--out", run.toString(), "--resume", "--iters", "5");
        Files.delete(ck);
        fails(1, frag("no checkpoint"), "train", "--out", run.toString(), "--resume");
        // a broken config.json in a model directory
        Files.writeString(run.resolve("config.json"), "{\"d\": 2, \"m\": ");
        fails(1, frag("json"), "eval", "--model", run.toString());
    }

    @Test
    void unknownDataSet() {
        fails(2, frag("unknown data", "8gaussians"), "train", "--data", "9gaussians", "--out", dir.resolve("never9").toString());
        fails(2, frag("unknown MAF"), "train", "--data", "maf:cifar", "--out", dir.resolve("never9").toString());
        assertFalse(Files.exists(dir.resolve("never9")));
    }

    @Test
    void nonsenseFlagValues() throws Exception {
        Path out = dir.resolve("never10");
        String o = out.toString();
        fails(2, frag("width"), "train", "--data", "8gaussians", "--out", o, "--width", "-3");
        fails(2, frag("nt"), "train", "--data", "8gaussians", "--out", o, "--nt", "0");
        fails(2, frag("--lr-drop must be at most 1", "lr_drop 2.0 divides: --lr-drop 0.5 here"), "train", "--data", "8gaussians", "--out", o, "--lr-drop", "2");
        fails(2, frag("--val-batch must be >= 1, got 0"), "train", "--data", "8gaussians", "--out", o, "--val-batch", "0");   // was about data-parallel tasks
        fails(2, frag("alpha", "three numbers"), "train", "--data", "8gaussians", "--out", o, "--alpha", "1,2");
        fails(2, frag("layers"), "train", "--data", "8gaussians", "--out", o, "--layers", "1");
        fails(2, frag("lr"), "train", "--data", "8gaussians", "--out", o, "--lr", "-1");
        fails(2, frag("anneal-at", "[0, 1)"), "train", "--data", "8gaussians", "--out", o, "--anneal-at", "1.5");
        fails(2, frag("--anneal", "cosine, step or none"), "train", "--data", "8gaussians", "--out", o, "--anneal", "linear");
        fails(2, frag("--anneal-at", "leave one of them out"), "train", "--data", "8gaussians", "--out", o, "--anneal", "cosine", "--anneal-at", "0.5");
        fails(2, frag("--anneal cosine", "--time-budget"), "train", "--data", "8gaussians", "--out", o, "--anneal", "cosine", "--iters", "2");
        fails(2, frag("--anneal step", "--time-budget"), "train", "--data", "8gaussians", "--out", o, "--anneal", "step", "--iters", "2");
        fails(2, frag("--anneal-at 0.5", "--time-budget"), "train", "--data", "8gaussians", "--out", o, "--anneal-at", "0.5", "--iters", "2");
        fails(2, frag("--time-budget", "more than a year"), "train", "--data", "8gaussians", "--out", o, "--time-budget", "100000000h");
        fails(2, frag("drops-per-decade", "1..10"), "train", "--data", "8gaussians", "--out", o, "--drops-per-decade", "0");
        fails(2, frag("weight-decay", ">= 0"), "train", "--data", "8gaussians", "--out", o, "--weight-decay", "-1");
        fails(2, frag("weight-decay", "below 1"), "train", "--data", "8gaussians", "--out", o, "--weight-decay", "20", "--lr", "0.1");
        fails(2, frag("dtype"), "train", "--data", "8gaussians", "--out", o, "--dtype", "float16");
        int cores = Runtime.getRuntime().availableProcessors();
        fails(2, frag("--threads " + (cores + 1), "processors", "at most " + cores), "train", "--data", "8gaussians", "--out", o, "--threads", String.valueOf(cores + 1));
        fails(2, frag("--threads", ">= 1"), "train", "--data", "8gaussians", "--out", o, "--threads", "0");
        fails(2, frag("--width", "abc"), "train", "--data", "8gaussians", "--out", o, "--width", "abc");
        fails(2, frag("--no-such-flag"), "train", "--data", "8gaussians", "--out", o, "--no-such-flag");
        fails(2, frag("--model"), "eval");
        // below float64's resolution the adaptive integrator's error estimate overflowed: "NaN appears ... near time NaN"
        fails(2, frag("--rtol and --atol", "at least 1e-15", "1.0E-160"), "eval", "--model", model.toString(), "--adaptive", "--atol", "1e-160");
        fails(2, frag("--rtol and --atol", "at least 1e-15"), "eval", "--model", model.toString(), "--adaptive", "--rtol", "0");
        fails(2, frag("--mmd-columns lists 1 twice"), "eval", "--model", model.toString(), "--mmd-columns", "1,1");
        fails(2, frag("--nt"), "logp", "--model", model.toString(), "--input", swissroll().resolve("inputs.npy").toString(),
                "--output", dir.resolve("o4.npy").toString(), "--nt", "0");
        fails(2, frag("-n"), "sample", "--model", model.toString(), "-n", "-5", "--output", dir.resolve("o5.npy").toString());
        fails(2, frag("sampling 2.0 x 10^9 points", "Java arrays", "smaller -n"), "sample", "--model", model.toString(), "-n", "2000000000", "--output",
                dir.resolve("o5.npy").toString());
        fails(2, frag(".npy or .csv"), "sample", "--model", model.toString(), "-n", "5", "--output", dir.resolve("o5.txt").toString());
        Path badCfg = write("bad.yaml", "width: [1, 2\n");
        fails(2, frag("bad.yaml"), "train", "--data", "8gaussians", "--out", o, "--config", badCfg.toString());
        Path unknownKey = write("unknown.yaml", "wdith: 8\n");
        fails(2, frag("wdith"), "train", "--data", "8gaussians", "--out", o, "--config", unknownKey.toString());
        // a key twice, or two spellings of one option: which one wins would be a guess
        Path twice = write("twice.yaml", "width: 8\nwidth: 16\n");
        String dup = fails(2, frag("twice.yaml", "duplicate key width"), "train", "--data", "8gaussians", "--out", o, "--config", twice.toString());
        assertFalse(dup.contains("WARNING"), dup);
        Path spellings = write("spellings.yaml", "nt_val: 4\nntVal: 8\n");
        fails(2, frag("spellings.yaml", "option 'nt-val' is given twice", "ntVal"), "train", "--data", "8gaussians", "--out", o, "--config", spellings.toString());
        Path badValue = write("badvalue.yaml", "nt: two\n");
        fails(2, frag("nt"), "train", "--data", "8gaussians", "--out", o, "--config", badValue.toString());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("o4.npy")) || Files.exists(dir.resolve("o5.npy")));
    }
}
