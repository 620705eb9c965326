package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnf4j.model.PhiShape;
import org.cnf4j.testing.TreeSnapshot;
import org.cnf4j.train.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --resume continues the saved run or says why not: an option it would ignore (on the command line or in a
 * --config file) is refused in one line, exit 2, with the run untouched; the changeable ones (--iters, --threads,
 * --checkpoint-every, --no-plot, ...) are applied; a config.json edited out of agreement with itself or with the
 * checkpoint is refused.
 */
class ResumeFlagsTest {
    static final String[] SMALL = {"--batch", "128", "--val-batch", "128", "--nt", "2", "--nt-val", "2", "--width", "8", "--val-every", "2",
        "--checkpoint-every", "2"};

    static Path trained(Path dir, String name, String... more) {
        Path run = dir.resolve(name);
        List<String> a = new ArrayList<>(List.of("train", "--data", "8gaussians", "--out", run.toString()));
        a.addAll(List.of(SMALL));
        a.addAll(List.of(more));
        Cli.Result r = Cli.run(a.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return run;
    }

    static String resumeFails(int code, Path run, String... more) throws Exception {
        Map<String, String> before = TreeSnapshot.of(run);
        List<String> a = new ArrayList<>(List.of("train", "--out", run.toString(), "--resume"));
        a.addAll(List.of(more));
        Cli.Result r = Cli.run(a.toArray(String[]::new));
        assertEquals(code, r.code(), a + ": " + r.err() + r.out());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertEquals(before, TreeSnapshot.of(run), a + " changed the run");
        return err;
    }

    @Test
    void optionsThatWouldChangeTheRunAreRefusedAllInOneLine(@TempDir Path dir) throws Exception {
        Path run = trained(dir, "run", "--iters", "4", "--no-plot");
        String[][] each = {{"--width", "16"}, {"--data", "moons"}, {"--method", "jko"}, {"--steps", "2"}, {"--lr", "0.5"}, {"--seed", "3"},
            {"--dtype", "float64"}, {"--epochs", "2"}, {"--alpha", "1,10,1"}, {"--batch", "64"}, {"--nt", "4"}, {"--early-stopping", "3"},
            {"--data", "8gaussians"}};
        for (String[] flag : each) {
            String err = resumeFails(2, run, flag);
            assertTrue(err.contains("it would ignore " + flag[0] + ":"), err);
            assertTrue(err.contains("takes only --iters, --device, --gpu-math, --threads, --checkpoint-every, --time-budget, --no-plot, --verbose"), err);
        }
        String err = resumeFails(2, run, "--method", "jko", "--iters", "8", "--width", "16", "--lr", "0.5");
        assertTrue(err.endsWith("it would ignore --method, --width, --lr: drop them, or start a new run with another --out"), err);

        Path cfg = dir.resolve("cfg.yaml");
        Files.writeString(cfg, "iters: 8\nwidth: 16\nlr: 0.5\n");
        err = resumeFails(2, run, "--config", cfg.toString());
        assertTrue(err.contains("width (in " + cfg + ")") && err.contains("lr (in " + cfg + ")") && !err.contains("iters (in"), err);
    }

    @Test
    void changeableOptionsAreAppliedAndTheResultStaysBitIdentical(@TempDir Path dir) throws Exception {
        Path full = trained(dir, "full", "--iters", "10", "--no-plot");
        Path split = trained(dir, "split", "--iters", "4");
        Files.delete(split.resolve("plot.png"));
        Path cfg = dir.resolve("more.yaml");
        Files.writeString(cfg, "iters: 10\ncheckpoint-every: 3\n");
        Cli.Result r = Cli.run("train", "--out", split.toString(), "--resume", "--config", cfg.toString(), "--threads", "1", "--no-plot");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("resuming " + split + " at iteration 4 of 10 (cpu, 1 thread, float32)"), r.out());
        assertFalse(Files.exists(split.resolve("plot.png")), "--no-plot on resume");
        PhiShape s = new PhiShape(2, 8, 2);
        assertArrayEquals(TrainState.load(full.resolve("checkpoint.bin"), s).params.data, TrainState.load(split.resolve("checkpoint.bin"), s).params.data, 0.0);
    }

    @Test
    void aBudgetBelowWhatAnEarlierResumeTrainedIsRefused(@TempDir Path dir) throws Exception {
        Path run = trained(dir, "run", "--iters", "4", "--no-plot");
        assertEquals(0, Cli.run("train", "--out", run.toString(), "--resume", "--iters", "8").code());
        // config.json still says 4: the checkpoint, at 8, is what the run has done
        String err = resumeFails(2, run, "--iters", "6");
        assertTrue(err.contains("--iters 6 is below the 8 iterations " + run + " has trained") && err.contains("give --iters above 8"), err);
        Cli.Result again = Cli.run("train", "--out", run.toString(), "--resume");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("resuming " + run + " at iteration 8 of 8 "), again.out());
        // below the budget the run was started with: it was ignored, and the run trained on to its own budget
        String low = resumeFails(2, run, "--iters", "3");
        assertEquals("cnf4j: error: --iters 3 is below the 4 iterations " + run + " was started with, and --resume only raises the budget: "
                + "give --iters above 4, or leave it out to train to 4", low);
    }

    @Test
    void aRunStartedWithoutAPlotResumesWithoutOne(@TempDir Path dir) throws Exception {
        Path quiet = trained(dir, "quiet", "--iters", "2", "--no-plot");
        assertEquals(0, Cli.run("train", "--out", quiet.toString(), "--resume", "--iters", "4").code());
        assertFalse(Files.exists(quiet.resolve("plot.png")), "the run's --no-plot is kept");
        Path drawn = trained(dir, "drawn", "--iters", "2");
        Files.delete(drawn.resolve("plot.png"));
        assertEquals(0, Cli.run("train", "--out", drawn.toString(), "--resume", "--iters", "4").code());
        assertTrue(Files.isRegularFile(drawn.resolve("plot.png")), "a run with a plot draws it again");
    }

    @Test
    void aHandEditedConfigIsRefused(@TempDir Path dir) throws Exception {
        Path run = trained(dir, "run", "--iters", "2", "--no-plot");
        ObjectMapper om = new ObjectMapper();
        Path file = run.resolve("config.json");
        String original = Files.readString(file);
        ObjectNode c = (ObjectNode) om.readTree(original);
        c.put("d", 5);
        Files.writeString(file, om.writeValueAsString(c));
        String err = resumeFails(1, run, "--iters", "4");
        assertTrue(err.contains("config.json says d=5 but its training configuration has d=2: the file was edited; restore it"), err);

        // edited in both places: the checkpoint still holds the trained model's parameters
        c = (ObjectNode) om.readTree(original);
        c.put("m", 16);
        ((ObjectNode) c.get("train").get("shape")).put("m", 16);
        Files.writeString(file, om.writeValueAsString(c));
        err = resumeFails(1, run, "--iters", "4");
        assertTrue(err.contains("checkpoint.bin holds a model with d=2, m=8, nTh=2 but the run is configured for d=2, m=16, nTh=2"), err);

        // not JSON at all: the line names the file
        Files.writeString(file, "{\"broken");
        err = resumeFails(1, run, "--iters", "4");
        assertTrue(err.contains(file + " is not valid JSON: ") && err.contains("restore it or start a new run"), err);
    }
}
