package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.cnf4j.model.PhiShape;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.run.RunDirectory;
import org.cnf4j.run.RunModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * JKO-Flow's protocol from the command line: --budget, --adam, --toy-samples and the presets, each saved in the run
 * and kept by --resume (bit for bit across subproblem boundaries).
 */
class JkoProtocolTest {
    static final String[] BASE = {"train", "--data", "8gaussians", "--method", "jko", "--steps", "3", "--width", "8", "--batch", "128",
        "--val-batch", "128", "--nt", "2", "--nt-val", "2", "--val-every", "3", "--seed", "1", "--no-plot", "--dtype", "float64", "--threads", "1"};

    private static String[] with(String... more) {
        List<String> a = new ArrayList<>(List.of(BASE));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private static void ok(Cli.Result r) { assertEquals(0, r.code(), r.err()); }

    private static double[] map(Path run, int k) throws Exception {
        return ReferenceModel.loadWeights(RunDirectory.mapFolder(run, k), new PhiShape(2, 8, 2)).data;
    }

    @Test
    void carryingAdamChangesTheLaterMapsAndResumesBitForBit(@TempDir Path dir) throws Exception {
        Path reset = dir.resolve("reset"), carry = dir.resolve("carry");
        ok(Cli.run(with("--iters", "6", "--out", reset.toString())));
        ok(Cli.run(with("--iters", "6", "--adam", "carry", "--out", carry.toString())));
        assertArrayEquals(map(reset, 1), map(carry, 1), 0.0, "map 1 starts with a fresh optimiser either way");
        assertFalse(Arrays.equals(map(reset, 2), map(carry, 2)), "map 2 continues map 1's moments");
        JsonNode cfg = new ObjectMapper().readTree(carry.resolve("config.json").toFile());
        assertEquals("carry", cfg.path("options").path("adam").asText());
        // killed inside map 2 (after its checkpoint at iteration 4), and at the start of map 3 (the last checkpoint is
        // map 2's end, whose optimiser map 3 must carry on): each resume ends with the uninterrupted maps, bit for bit
        for (int[] at : new int[][] {{2, 5}, {3, 1}}) {
            Path part = dir.resolve("part-" + at[0]);
            var o = new org.cnf4j.run.TrainingOptions().data("8gaussians").method("jko").steps(3).iters(6).width(8).batch(128).valBatch(128)
                    .nt(2).ntVal(2).valEvery(3).seed(1L).plot(false).adam("carry").checkpointEvery(4).out(part);
            var eo = org.cnf4j.engine.EngineOptions.defaults().withDtype(org.cnf4j.backend.DType.FLOAT64).withThreads(1);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> org.cnf4j.run.TrainingRun.start(o, eo, new DiesAt(at[0], at[1])));
            org.cnf4j.run.TrainingRun.resume(part, null, null, eo, null);
            for (int k = 1; k <= 3; k++) assertArrayEquals(map(carry, k), map(part, k), 0.0, "killed at " + Arrays.toString(at) + ", map " + k);
        }
    }

    /** Stops training at an iteration of a subproblem, as a kill would (the checkpoints before it are on disk). */
    static final class DiesAt implements org.cnf4j.run.RunListener {
        final int step, iter;
        int k = 1;

        DiesAt(int step, int iter) {
            this.step = step;
            this.iter = iter;
        }

        @Override public void onSubproblemStart(int s) { k = s; }

        @Override public void onIteration(int it, org.cnf4j.engine.LossResult r, double lr) {
            if (k == step && it == iter) throw new IllegalStateException("killed at map " + k + ", iteration " + it);
        }
    }

    @Test
    void perMapBudgetGivesEachMapTheRecipesIterations(@TempDir Path dir) throws Exception {
        Path total = dir.resolve("total"), per = dir.resolve("per");
        // the toy recipe's 500 iterations: 167 per map split over 3, 500 each per map (run with 2 steps to keep it short)
        Cli.Result bad = Cli.run("train", "--data", "8gaussians", "--budget", "per-map", "--out", dir.resolve("x").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--budget is for --method jko"), bad.err());
        Cli.Result unknown = Cli.run(with("--budget", "everything", "--out", dir.resolve("y").toString()));
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown --budget 'everything': use total or per-map"), unknown.err());
        var t = org.cnf4j.run.TrainingRun.check(new org.cnf4j.run.TrainingOptions().data("8gaussians").method("jko").steps(4),
                org.cnf4j.engine.EngineOptions.defaults(), 1);
        assertEquals(125, t.iters());
        var p = org.cnf4j.run.TrainingRun.check(new org.cnf4j.run.TrainingOptions().data("8gaussians").method("jko").steps(4).budget("per-map"),
                org.cnf4j.engine.EngineOptions.defaults(), 1);
        assertEquals(500, p.iters());
        assertFalse(Files.exists(total) || Files.exists(per));
    }

    @Test
    void aFixedToySampleTrainsLikeAFileAndResumes(@TempDir Path dir) throws Exception {
        Path whole = dir.resolve("whole"), part = dir.resolve("part");
        String[] flags = {"train", "--data", "8gaussians", "--toy-samples", "600", "--width", "8", "--batch", "200", "--val-batch", "300", "--nt", "2",
            "--nt-val", "2", "--val-every", "3", "--seed", "2", "--no-plot", "--dtype", "float64", "--threads", "1", "--checkpoint-every", "3"};
        List<String> a = new ArrayList<>(List.of(flags));
        a.addAll(List.of("--iters", "9", "--out", whole.toString()));
        Cli.Result r = Cli.run(a.toArray(String[]::new));
        ok(r);
        assertTrue(r.out().contains("data entropy"), r.out());
        a = new ArrayList<>(List.of(flags));
        a.addAll(List.of("--iters", "6", "--out", part.toString()));
        ok(Cli.run(a.toArray(String[]::new)));
        ok(Cli.run("train", "--out", part.toString(), "--resume", "--iters", "9"));
        assertArrayEquals(RunModel.load(whole).maps().get(0).data, RunModel.load(part).maps().get(0).data, 0.0);
        assertEquals(600, new ObjectMapper().readTree(whole.resolve("config.json").toFile()).path("options").path("toy-samples").asInt());
        // 600 points in batches of 200: 3 batches an epoch, so --epochs works as on a file
        a = new ArrayList<>(List.of(flags));
        a.addAll(List.of("--epochs", "2", "--out", dir.resolve("ep").toString()));
        ok(Cli.run(a.toArray(String[]::new)));
        assertEquals(6, new ObjectMapper().readTree(dir.resolve("ep/config.json").toFile()).path("train").path("iters").asInt());
        ok(Cli.run("eval", "--model", whole.toString(), "--max-test", "200", "--mmd-n", "50"));
        Cli.Result bad = Cli.run("train", "--data", "data/digits.csv", "--toy-samples", "100", "--out", dir.resolve("d").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--toy-samples is for toy sets"), bad.err());
    }

    @Test
    void everyPresetLoadsAndFlagsOverrideIt(@TempDir Path dir) throws Exception {
        for (Preset p : Preset.values()) {
            TrainCommand cmd = new TrainCommand();
            CommandLine cl = new CommandLine(cmd);
            CommandLine.ParseResult parsed = cl.parseArgs("--preset", p.label(), "--out", "x", "--width", "7");
            List<String> keys = p.apply(cl.getCommandSpec(), parsed, Set.of("config", "preset", "resume"), Set.of());
            assertTrue(keys.contains("data") && keys.contains("alpha") && keys.contains("nt"), p + ": " + keys);
            assertEquals(7, cmd.width, p + ": the flag wins");
            assertNotNull(cmd.data, p.label());
            assertTrue(p.label().startsWith("jko") == "jko".equals(cmd.method), p.label());
        }
        Cli.Result unknown = Cli.run("train", "--preset", "otflow-mnist", "--out", dir.resolve("u").toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown --preset 'otflow-mnist'; use one of otflow-8gaussians"), unknown.err());
        // the JKO-Flow toy driver, cut short: its options land in the run (the flags' smaller budget and sizes win)
        Path run = dir.resolve("jko-toy");
        ok(Cli.run("train", "--preset", "jko-toy", "--data", "moons", "--steps", "2", "--iters", "3", "--toy-samples", "400", "--batch", "200",
                "--val-batch", "200", "--width", "6", "--nt", "2", "--nt-val", "2", "--no-plot", "--out", run.toString()));
        JsonNode cfg = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals("jko-toy", cfg.path("options").path("preset").asText());
        assertEquals("carry", cfg.path("options").path("adam").asText());
        assertEquals("per-map", cfg.path("options").path("budget").asText());
        assertEquals(400, cfg.path("options").path("toy-samples").asInt());
        assertEquals(0.5, cfg.path("train").path("alpha").path("a2").asDouble(), 0.0, cfg.path("train").toString());
        assertEquals("moons", cfg.path("data").asText());
        Cli.Result resumed = Cli.run("train", "--out", run.toString(), "--resume", "--preset", "jko-toy");
        assertEquals(2, resumed.code());
        assertTrue(resumed.err().contains("it would ignore --preset"), resumed.err());
    }
}
