package org.cnf4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.run.RunResult;
import org.cnf4j.run.TrainingOptions;
import org.junit.jupiter.api.Test;

/** cnf4j-spark sweep: the grid's cells, each exactly cnf4j train; failing cells recorded; retried tasks leave no trace. */
class SweepTest {
    static final String GRID = "data: 8gaussians\niters: 6\nval-every: 3\nbatch: 256\nval_batch: 256\nno-plot: true\n"
            + "grid:\n  width: [4, 0]\n  seed: [1, 2]\n";

    static Path write(String name, String text) throws IOException {
        Path dir = Files.createDirectories(Fixtures.root().resolve("sweep"));
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void gridFiles() throws IOException {
        List<Sweep.Cell> cells = Sweep.readGrid(write("g1.yaml", "data: 8gaussians\nalpha: [1, 10, 0.5]\ngrid:\n  width: [8, 16]\n  seed: [1, 2, 3]\n"));
        assertEquals(6, cells.size());
        assertEquals("cell-000", cells.get(0).id());
        assertEquals(Map.of("width", "8", "seed", "1"), cells.get(0).values());
        assertEquals(Map.of("width", "8", "seed", "2"), cells.get(1).values());
        assertEquals(Map.of("width", "16", "seed", "3"), cells.get(5).values());
        assertEquals("1,10,0.5", cells.get(3).options().get("alpha"));
        assertEquals("8gaussians", cells.get(3).options().get("data"));
        List<Sweep.Cell> alphas = Sweep.readGrid(write("g2.yaml", "{\"data\": \"moons\", \"grid\": {\"alpha\": [[1, 10, 1], \"1,100,5\"], \"ntVal\": [4]}}"));
        assertEquals("1,10,1", alphas.get(0).values().get("alpha"));
        assertEquals("4", alphas.get(1).options().get("nt-val"));
        for (String[] bad : new String[][] {
            {"data: moons\ngrid:\n  colour: [1]\n", "unknown option 'colour'"},
            {"data: moons\nwidth: 8\ngrid:\n  width: [1]\n", "option 'width' is both fixed and in the grid"},
            {"data: moons\ngrid:\n  width: 8\n", "grid option 'width' needs a non-empty list of values"},
            {"data: moons\ngrid:\n  width: [eight]\n", "option 'width': 'eight' is not a valid integer"},
            {"data: moons\ngrid:\n  seed: [1, 2, 1]\n", "grid option 'seed' lists 1 twice; give each value once"},
            {"data: moons\ngrid:\n  alpha: [[1, 10, 1], \"1,10,1\"]\n", "grid option 'alpha' lists 1,10,1 twice"},
            {"data: moons\n", "no 'grid:' of option lists"},
            {"data: [moons\n", "not valid YAML or JSON"}}) {
            String m = assertThrows(IllegalArgumentException.class, () -> Sweep.readGrid(write("bad.yaml", bad[0]))).getMessage();
            assertTrue(m.contains(bad[1]), m);
        }
    }

    /** Four cells, two of them failing (width 0); the two others are cnf4j train's models, bit for bit. */
    @Test
    void sweepTrainsEachCellAsCnf4jTrain() throws Exception {
        Path grid = write("grid.yaml", GRID);
        Path out = Fixtures.root().resolve("sweep").resolve("out");
        Sweep.Summary s = Sweep.run(Fixtures.spark(), grid, out, new EngineSpec("cpu", "float32", 1), Sweep.defaultTrainer());
        assertEquals(4, s.cells());
        assertEquals(2, s.ok());
        List<String> lines = Files.readAllLines(out.resolve("results.csv"));
        assertEquals("cell,status,width,seed,validation_nll,best_iteration,maps,seconds,error", lines.get(0));
        assertEquals(5, lines.size());
        assertTrue(lines.get(1).startsWith("cell-000,ok,4,1,"), lines.get(1));
        assertTrue(lines.get(3).startsWith("cell-002,failed,0,1,,,,"), lines.get(3));
        assertTrue(lines.get(3).contains("width"), lines.get(3));
        assertTrue(Files.readString(out.resolve("results.md")).contains("| cell-001 | ok | 4 | 2 |"));
        try (Stream<Path> cells = Files.list(out.resolve("cells"))) {
            assertEquals(List.of("cell-000", "cell-001"), cells.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Path cli = Fixtures.root().resolve("sweep").resolve("cli-train");
        assertEquals(0, org.cnf4j.cli.Main.execute("train", "--data", "8gaussians", "--iters", "6", "--val-every", "3", "--batch", "256",
                "--val-batch", "256", "--no-plot", "--width", "4", "--seed", "2", "--out", cli.toString()));
        assertSameWeights(cli, out.resolve("cells/cell-001"));
        try (Stream<Path> siblings = Files.list(out.getParent())) {
            assertFalse(siblings.anyMatch(p -> p.getFileName().toString().startsWith(".out.tmp")));
        }
        assertThrows(IllegalArgumentException.class, () -> Sweep.run(Fixtures.spark(), grid, out, EngineSpec.defaults(), Sweep.defaultTrainer()));
    }

    /** The first attempt of every task dies half-way (files written, then an Error): Spark retries, nothing of it remains. */
    @Test
    void retriedTasksLeaveNoTrace() throws Exception {
        Path grid = write("grid-retry.yaml", GRID.replace("width: [4, 0]", "width: [4]"));
        Path out = Fixtures.root().resolve("sweep").resolve("retry");
        Sweep.Summary s = Sweep.run(Fixtures.spark(), grid, out, new EngineSpec("cpu", "float32", 1), new FailFirstAttempt());
        assertEquals(2, s.ok());
        assertEquals(3, Files.readAllLines(out.resolve("results.csv")).size());
        Path cell = out.resolve("cells/cell-001");
        assertFalse(Files.exists(cell.resolve("half-written.txt")));
        Path clean = Fixtures.root().resolve("sweep").resolve("clean");
        assertEquals(0, org.cnf4j.cli.Main.execute("train", "--data", "8gaussians", "--iters", "6", "--val-every", "3", "--batch", "256",
                "--val-batch", "256", "--no-plot", "--width", "4", "--seed", "2", "--out", clean.toString()));
        assertSameWeights(clean, cell);
    }

    /** Writes into the cell's run directory and dies on a task's first attempt; trains normally on the retry. */
    static final class FailFirstAttempt implements Sweep.Trainer {
        @Override public RunResult train(TrainingOptions o, EngineOptions e) throws IOException {
            if (TaskContext.get().attemptNumber() == 0) {
                Files.createDirectories(o.out());
                Files.writeString(o.out().resolve("half-written.txt"), "partial");
                throw new AssertionError("injected: executor lost half-way");
            }
            return Sweep.defaultTrainer().train(o, e);
        }
    }

    @Test
    void sweepCommand() throws IOException {
        Path grid = write("grid-cli.yaml", GRID.replace("seed: [1, 2]", "seed: [5]"));
        Path out = Fixtures.root().resolve("sweep").resolve("cli-out");
        Cli c = Cli.run("sweep", "--grid", grid.toString(), "--out", out.toString());
        assertEquals(0, c.rc(), c.err());
        assertTrue(c.out().contains("cell-000 ok: validation NLL "), c.out());
        assertTrue(c.out().contains("cell-001 failed: "), c.out());
        assertTrue(c.out().contains("sweep: 2 cells, 1 ok, 1 failed in "), c.out());
        c = Cli.run("sweep", "--grid", grid.toString(), "--out", out.toString());
        assertEquals(2, c.rc());
        c = Cli.run("sweep", "--grid", grid.resolveSibling("none.yaml").toString(), "--out", out.resolveSibling("x").toString());
        assertEquals(1, c.rc());
        assertTrue(c.errorLine().endsWith("none.yaml: grid file not found; check --grid"), c.errorLine());
    }

    /** The alpha-sweep experiment with its cells as Spark tasks writes the numbers of the experiment on one machine. */
    @Test
    void alphaSweepThroughSpark() throws Exception {
        Path dir = Files.createDirectories(Fixtures.root().resolve("alpha"));
        org.cnf4j.experiments.AlphaSweep sweep = new org.cnf4j.experiments.AlphaSweep(org.cnf4j.experiments.AlphaSweep.Settings.quick());
        sweep.run(dir.resolve("local"), "test");
        Cli c = Cli.run("alpha-sweep", "--quick", "--out", dir.resolve("spark").toString());
        assertEquals(0, c.rc(), c.err());
        List<String> local = withoutSeconds(dir.resolve("local/results.csv")), spark = withoutSeconds(dir.resolve("spark/results.csv"));
        assertEquals(5, local.size());   // the header and 4 cells
        assertEquals(local, spark);
        assertTrue(Files.exists(dir.resolve("spark/nll-vs-alpha.png")));
        c = Cli.run("alpha-sweep", "--quick", "--dtype", "float64", "--out", dir.resolve("f64").toString());
        assertEquals(2, c.rc());
        assertTrue(c.errorLine().contains("drop --device, --dtype and --threads"), c.errorLine());
        assertFalse(Files.exists(dir.resolve("f64")));
    }

    /** results.csv without its last column (train_seconds). */
    /** The rows of results.csv without the train_seconds column (wall time differs between runs). */
    private static List<String> withoutSeconds(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        int col = java.util.Arrays.asList(lines.get(0).split(",", -1)).indexOf("train_seconds");
        assertTrue(col >= 0, lines.get(0));
        return lines.stream().map(l -> {
            List<String> cells = new java.util.ArrayList<>(java.util.Arrays.asList(l.split(",", -1)));
            cells.remove(col);
            return String.join(",", cells);
        }).toList();
    }

    static void assertSameWeights(Path a, Path b) throws IOException {
        try (Stream<Path> s = Files.list(a.resolve("weights"))) {
            List<Path> files = s.sorted().toList();
            assertFalse(files.isEmpty());
            for (Path f : files) assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(b.resolve("weights").resolve(f.getFileName())), f.toString());
        }
    }
}
