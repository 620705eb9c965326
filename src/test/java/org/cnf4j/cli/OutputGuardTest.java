package org.cnf4j.cli;

import static org.cnf4j.testing.Fixtures.swissroll;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.testing.TreeSnapshot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No command writes over what it reads: each refused output exits 2 with one line, and the whole folder of the
 * test (inputs, the run directory, the links) is byte for byte as before. Links, {@code ..} and hard links name
 * the same files as the plain paths and are refused alike; the results a run directory may hold (eval.json,
 * plot.png) are still allowed there.
 */
class OutputGuardTest {
    @TempDir static Path dir;
    static Path data, run, input, runLink, inputLink, other;

    @BeforeAll
    static void setUp() throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        double[] x = new double[300 * 2];
        for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian() + (i % 2) * 3;
        data = dir.resolve("data.csv");
        MatrixFile.write(data, x, 300, 2);
        input = dir.resolve("in.npy");
        MatrixFile.write(input, java.util.Arrays.copyOf(x, 20), 10, 2);
        run = dir.resolve("run");
        Cli.Result t = Cli.run("train", "--data", data.toString(), "--out", run.toString(), "--width", "8", "--batch", "64", "--nt", "2",
                "--nt-val", "2", "--iters", "2", "--no-plot");
        assertEquals(0, t.code(), t.err());
        runLink = Files.createSymbolicLink(dir.resolve("runlink"), run);
        inputLink = Files.createSymbolicLink(dir.resolve("inlink.npy"), input);
        Files.createLink(dir.resolve("hard.npy"), input);
        Path weights = Files.createDirectories(dir.resolve("import/weights"));
        try (var files = Files.list(swissroll().resolve("weights"))) {
            for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, weights.resolve(f.getFileName().toString()));
        }
        Files.copy(swissroll().resolve("config.json"), dir.resolve("import/config.json"));
        Files.createSymbolicLink(dir.resolve("weightslink"), weights);
        Files.createDirectories(dir.resolve("holder"));
        Files.copy(data, dir.resolve("holder/data.csv"));
        Files.writeString(dir.resolve("holder/cfg.yaml"), "width: 8\n");
        Files.createSymbolicLink(dir.resolve("holderlink"), dir.resolve("holder"));
        other = dir.resolve("other");
        Cli.Result i = Cli.run("import-otflow", "--weights", swissroll().resolve("weights").toString(), "--config",
                swissroll().resolve("config.json").toString(), "--out", other.toString());
        assertEquals(0, i.code(), i.err());
    }

    /** Exit 2, one line naming the output and saying to choose another, and nothing below the test folder changed. */
    static void refused(String... args) throws Exception {
        Map<String, String> before = TreeSnapshot.of(dir);
        Cli.Result r = Cli.run(args);
        String what = String.join(" ", args);
        assertEquals(2, r.code(), what + ": " + r.err() + r.out());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), what + ": " + err);
        assertTrue(err.startsWith("cnf4j: error: ") && err.contains("choose another"), what + ": " + err);
        assertFalse(err.contains("Exception"), err);
        assertEquals(before, TreeSnapshot.of(dir), what + " changed files");
    }

    static String p(String rel) { return dir.resolve(rel).toString(); }

    @Test
    void logpRefusesItsInputAndTheModelsFilesThroughLinksAndDots() throws Exception {
        String m = run.toString();
        refused("logp", "--model", m, "--input", input.toString(), "--output", input.toString());
        refused("logp", "--model", m, "--input", input.toString(), "--output", p("nosuch/../in.npy"));
        refused("logp", "--model", m, "--input", input.toString(), "--output", p("run/../in.npy"));
        refused("logp", "--model", m, "--input", input.toString(), "--output", inputLink.toString());
        refused("logp", "--model", m, "--input", inputLink.toString(), "--output", input.toString());
        refused("logp", "--model", m, "--input", p("hard.npy"), "--output", input.toString());
        refused("logp", "--model", m, "--input", input.toString(), "--output", p("run/weights/A.npy"));
        refused("logp", "--model", m, "--input", input.toString(), "--output", p("runlink/weights/A.npy"));
        refused("logp", "--model", runLink.toString(), "--input", input.toString(), "--output", p("run/weights/A.npy"));
        refused("logp", "--model", m, "--input", input.toString(), "--output", p("run/logp.npy"));
        Cli.Result ok = Cli.run("logp", "--model", m, "--input", input.toString(), "--output", p("logp.npy"));
        assertEquals(0, ok.code(), ok.err());
    }

    @Test
    void sampleRefusesTheModelsFiles() throws Exception {
        refused("sample", "--model", run.toString(), "-n", "5", "--output", p("run/weights/A.npy"));
        refused("sample", "--model", run.toString(), "-n", "5", "--output", p("runlink/../run/s.csv"));
        refused("sample", "--model", runLink.toString(), "-n", "5", "--output", p("run/weights/c.bias.npy"));
    }

    @Test
    void evalRefusesModelFilesAndItsDataButWritesItsOwnResultBesideTheModel() throws Exception {
        String m = run.toString();
        for (String out : new String[] {"run/config.json", "run/log.csv", "run/checkpoint.bin", "run/weights/A.npy", "runlink/config.json",
            "run/.lock", "run", "data.csv", "run/../data.csv"}) {
            refused("eval", "--model", m, "--mmd-n", "20", "--output", p(out));
        }
        refused("eval", "--model", m, "--data", input.toString(), "--mmd-n", "5", "--output", inputLink.toString());
        Cli.Result own = Cli.run("eval", "--model", m, "--mmd-n", "20", "--output", p("run/eval.json"));
        assertEquals(0, own.code(), own.err());
        assertTrue(Files.isRegularFile(run.resolve("eval.json")));
        assertEquals(0, Cli.run("eval", "--model", m, "--mmd-n", "20").code(), "the default RUN_DIR/eval.json");
    }

    @Test
    void plotMayReplaceTheRunsPlotButNoModelFile() throws Exception {
        String m = run.toString();
        refused("plot", "--model", m, "--out", p("run/weights/x.png"), "--grid", "4", "--samples", "20");
        refused("plot", "--model", m, "--out", p("run/maps/../weights/x.png"), "--grid", "4", "--samples", "20");
        refused("plot", "--model", runLink.toString(), "--out", p("run/weights/x.png"), "--grid", "4", "--samples", "20");
        Cli.Result r = Cli.run("plot", "--model", m, "--out", p("runlink/plot.png"), "--grid", "4", "--samples", "20");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(run.resolve("plot.png")));
    }

    @Test
    void aFolderGivenAsTheInputFileIsNamedAsSuch() throws Exception {
        Map<String, String> before = TreeSnapshot.of(dir);
        Cli.Result r = Cli.run("train", "--data", p("holder"), "--out", p("holder/run"), "--iters", "1");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("holder is a folder; the --data file must be a file"), r.err());
        Cli.Result l = Cli.run("logp", "--model", run.toString(), "--input", p("holder"), "--output", p("holder/l.npy"));
        assertEquals(1, l.code(), l.err());
        assertTrue(l.err().contains("holder is a folder; the --input file must be a file"), l.err());
        assertEquals(before, TreeSnapshot.of(dir));
    }

    @Test
    void noCommandReplacesTheFilesOfAnotherRun() throws Exception {
        String o = other.toString();
        refused("baseline", "--data", data.toString(), "--output", p("run/config.json"));
        refused("baseline", "--data", data.toString(), "--output", p("runlink/weights/x.json"));
        refused("eval", "--model", o, "--data", data.toString(), "--mmd-n", "5", "--output", p("run/config.json"));
        refused("logp", "--model", o, "--input", input.toString(), "--output", p("run/log.csv"));
        refused("sample", "--model", o, "-n", "5", "--output", p("runlink/log.csv"));
        refused("plot", "--model", o, "--out", p("run/weights/x.png"), "--grid", "4", "--samples", "20");
        Cli.Result beside = Cli.run("baseline", "--data", data.toString(), "--output", p("run/baseline.json"));
        assertEquals(0, beside.code(), "a new file beside another run's is fine: " + beside.err());
    }

    @Test
    void importRefusesAnOutThatIsInsideOrHoldsItsInputs() throws Exception {
        String w = p("import/weights"), c = p("import/config.json");
        for (String out : new String[] {"import/weights", "import/weights/sub", "import", "weightslink", "weightslink/sub", "import/config.json"}) {
            refused("import-otflow", "--weights", w, "--config", c, "--out", p(out));
        }
        refused("import-otflow", "--weights", p("weightslink"), "--config", c, "--out", p("import/weights/new"));
    }

    @Test
    void trainRefusesAnOutThatIsOrHoldsItsDataOrConfig() throws Exception {
        String[] small = {"--width", "8", "--batch", "64", "--nt", "2", "--nt-val", "2", "--iters", "1", "--no-plot"};
        refused(concat(new String[] {"train", "--data", p("holder/data.csv"), "--out", p("holder/data.csv")}, small));
        refused(concat(new String[] {"train", "--data", p("holder/data.csv"), "--out", p("holder")}, small));
        refused(concat(new String[] {"train", "--data", p("holder/data.csv"), "--out", p("holderlink")}, small));
        refused(concat(new String[] {"train", "--data", p("holderlink/data.csv"), "--out", p("run/../holder")}, small));
        refused(concat(new String[] {"train", "--data", "8gaussians", "--config", p("holder/cfg.yaml"), "--out", p("holder")}, small));
        refused(concat(new String[] {"train", "--data", "8gaussians", "--config", p("holder/cfg.yaml"), "--out", p("holderlink/cfg.yaml")}, small));
    }

    static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
