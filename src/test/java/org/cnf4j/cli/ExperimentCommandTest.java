package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smoke versions of the three experiments: tiny budgets, real code paths, result files checked. */
class ExperimentCommandTest {

    private static List<String[]> csv(Path f) throws Exception {
        return Files.readAllLines(f).stream().skip(1).map(l -> l.split(",", -1)).toList();
    }

    @Test
    void alphaSweepSmoke(@TempDir Path dir) throws Exception {
        Cli.Result r = Cli.run("experiment", "alpha-sweep", "--quick", "--out", dir.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        List<String[]> rows = csv(dir.resolve("results.csv"));
        assertEquals(4, rows.size());   // 8gaussians x {OT-Flow, JKO K=2} x a1 in {1, 100}
        for (String[] row : rows) {
            assertEquals("8gaussians", row[0]);
            assertEquals("0", row[4], "seed");
            assertEquals("8", row[7], "every cell spends the whole budget");
            double nll = Double.parseDouble(row[8]), ent = Double.parseDouble(row[9]), kl = Double.parseDouble(row[10]);
            assertTrue(Double.isFinite(nll));
            assertEquals(nll - ent, kl, 1e-3);
            assertTrue(Double.parseDouble(row[11]) >= -1e-9, "MMD^2 is non-negative");
        }
        assertEquals(List.of("1", "2", "1", "2"), rows.stream().map(x -> x[2]).toList());
        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| JKO-Flow K=2 |"), md);
        assertTrue(md.contains("## Sensitivity to alpha") && md.contains("| 8gaussians | OT-Flow |"), md);
        assertTrue(md.contains("Command: `./cnf4j experiment alpha-sweep --quick"), md);
        assertTrue(Files.size(dir.resolve("nll-vs-alpha.png")) > 1000);
        assertTrue(Files.size(dir.resolve("densities-8gaussians.png")) > 1000);
        assertTrue(Files.size(dir.resolve("mmd-per-map.png")) > 1000);
        // a2 held fixed by default: alpha = (1, a1, 5); MMD after k = 0..K maps, the last the cell's own MMD
        assertEquals(List.of("1;1.0;5.0", "1;1.0;5.0", "1;100.0;5.0", "1;100.0;5.0"), rows.stream().map(x -> x[5]).toList());
        for (String[] row : rows) {
            String[] pm = row[14].split(";");
            assertEquals(Integer.parseInt(row[2]) + 1, pm.length, "k = 0..K");
            assertEquals(row[11], pm[pm.length - 1]);
        }
        assertTrue(md.contains("alpha = (1, a1, 5, held fixed)"), md);
    }

    @Test
    void alphaSweepProtocolVariants(@TempDir Path dir) throws Exception {
        Cli.Result r = Cli.run("experiment", "alpha-sweep", "--quick", "--a2", "scaled", "--jko-budget", "per-map", "--jko-adam", "carry",
                "--a1", "2", "--ks", "2,3", "--out", dir.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        List<String[]> rows = csv(dir.resolve("results.csv"));
        assertEquals(List.of("1", "2", "3"), rows.stream().map(x -> x[2]).toList());
        for (String[] row : rows) {
            assertEquals("1;2.0;0.1", row[5], "a2 = 0.05 a1");
            int maps = Integer.parseInt(row[2]);
            assertEquals(8 * maps, Integer.parseInt(row[6]), "per map: the whole budget for each map");
            assertEquals(8 * maps, Integer.parseInt(row[7]), "iterations run");
        }
        assertTrue(Files.readString(dir.resolve("results.md")).contains("one Adam state through all subproblems"));
        Cli.Result bad = Cli.run("experiment", "alpha-sweep", "--quick", "--a2", "big", "--out", dir.resolve("x").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--a2 must be a number (held fixed) or 'scaled'"), bad.err());
    }

    @Test
    void tabularSmokeOnGaussianData(@TempDir Path dir) throws Exception {
        Path csv = TrainCommandTest.gaussianCsv(dir);
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("experiment", "tabular", "--quick", "--data", csv.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        List<String[]> rows = csv(out.resolve("results.csv"));
        assertEquals(8, rows.size());   // 4 methods x 2 seeds
        double gaussian = 0, flows = 0;
        for (String[] row : rows) {
            double nll = Double.parseDouble(row[3]);
            assertTrue(Double.isFinite(nll), String.join(",", row));
            if (row[1].equals("Gaussian")) gaussian += nll;
            if (row[1].contains("Flow")) flows += nll / 2;
        }
        // the data are Gaussian: the fitted Gaussian is close to the truth, and 6 iterations of a flow are not
        assertTrue(gaussian < flows, "Gaussian " + gaussian + " vs flows " + flows);
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("| GMM |") && md.contains(" ± "), md);
        assertTrue(Files.size(out.resolve("nll.png")) > 1000);

        Cli.Result missing = Cli.run("experiment", "tabular", "--data", dir.resolve("none.csv").toString(), "--out", out.toString());
        assertNotEquals(0, missing.code());
        assertTrue(missing.err().contains("none.csv: file not found"), missing.err());
    }

    @Test
    void speedReportFromACnf4jBenchLine(@TempDir Path dir) throws Exception {
        Cli.Result b = Cli.run("bench", "--d", "2", "--m", "8", "--n", "64", "--nt", "2", "--reps", "2", "--mode", "fwdbwd");
        assertEquals(0, b.code(), b.err());
        String cnf = b.out().strip();
        double cnfMedian = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cnf).get("fwdbwd").get("median_s").asDouble();
        double torchMedian = 4 * cnfMedian;   // a stand-in for the torch half, which CI does not have
        String compare = String.format(Locale.ROOT, "{\"compare\": \"toy\", \"threads\": 1, \"fwdbwd_ratio\": 0.25, \"fwdbwd_median_s\": "
                + "{\"cnf4j\": %s, \"torch\": %s}, \"fwdbwd_peak_rss_mb\": {\"cnf4j\": 150.0, \"torch\": 300.0}}", cnfMedian, torchMedian);
        Path raw = dir.resolve("raw.jsonl");
        Files.write(raw, List.of("speed.sh: toy on 1 thread(s)...", cnf, "{\"bench\": \"torch_otflow\"}", compare));
        Cli.Result r = Cli.run("experiment", "speed-report", "--input", raw.toString(), "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        String[] row = csv(dir.resolve("results.csv")).get(0);
        assertEquals("toy", row[0]);
        assertEquals(1 / cnfMedian, Double.parseDouble(row[3]), 1e-3 / cnfMedian);
        assertEquals(4.0, Double.parseDouble(row[5]), 1e-9);
        assertTrue(Files.readString(dir.resolve("results.md")).contains("d=2 m=8 nTh=2 n=64 nt=2 float32"));
        assertTrue(Files.size(dir.resolve("steps-per-second.png")) > 1000);

        Files.write(raw, List.of("not json"));
        Cli.Result bad = Cli.run("experiment", "speed-report", "--input", raw.toString(), "--out", dir.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("no compare lines"), bad.err());
    }

    @Test
    void qualityTakesItsDataAndTheSyntheticSize(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("q");
        Cli.Result r = Cli.run("experiment", "quality", "--quick", "--data", "mixture16", "--synthetic-rows", "900", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(out.resolve("mixture16.csv"));
        assertEquals("c0", lines.get(0).split(",")[0], "a header, then the rows");
        assertEquals(1 + 900, lines.stream().filter(l -> !l.isBlank()).count());
        assertTrue(Files.readString(out.resolve("results.md")).contains("900 rows"));

        Cli.Result few = Cli.run("experiment", "quality", "--quick", "--synthetic-rows", "5", "--out", dir.resolve("few").toString());
        assertEquals(2, few.code());
        assertEquals("cnf4j: error: --synthetic-rows must be >= 100, got 5", few.err().strip());
        Cli.Result missing = Cli.run("experiment", "quality", "--quick", "--data", dir.resolve("none.csv").toString(), "--out", dir.resolve("m").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().strip().startsWith("cnf4j: error: ") && missing.err().contains("none.csv: file not found")
                && missing.err().strip().lines().count() == 1, missing.err());
        assertFalse(Files.exists(dir.resolve("few")) || Files.exists(dir.resolve("m")), "nothing written for a bad command");

        // past Java's arrays, and past the heap (it drew until an OutOfMemoryError): refused before the folder is made
        Cli.Result huge = Cli.run("experiment", "quality", "--quick", "--synthetic-rows", "2000000000", "--out", dir.resolve("huge").toString());
        assertEquals(2, huge.code(), huge.err());
        assertTrue(huge.err().contains("--synthetic-rows 2000000000 is more than Java arrays"), huge.err());
        Cli.Result heap = Cli.run("experiment", "quality", "--quick", "--synthetic-rows", "100000000", "--out", dir.resolve("heap").toString());
        assertEquals(1, heap.code(), heap.err());
        assertTrue(heap.err().contains("mixture16 with 1.0 x 10^8 rows needs about") && heap.err().contains("use a smaller --synthetic-rows"), heap.err());
        assertFalse(Files.exists(dir.resolve("huge")) || Files.exists(dir.resolve("heap")));
    }

    /** An --out that cannot be a folder fails before any training (the sweep trained every cell, then failed to write). */
    @Test
    void anOutThatIsAFileFailsBeforeTraining(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        for (String e : new String[] {"alpha-sweep", "tabular", "quality"}) {
            Cli.Result r = Cli.run("experiment", e, "--quick", "--out", file.toString());
            assertEquals(1, r.code(), e + ": " + r.err());
            assertEquals("cnf4j: error: " + file + ": already exists as a file, where a folder is needed; choose another path or remove it", r.err().strip(), e);
            assertEquals("", r.out(), e + ": nothing trained");
            assertEquals("x", Files.readString(file));
        }
    }

    /** A list option names at least one value, each once (an empty list failed deep inside; a repeat ran the same work twice). */
    @Test
    void listOptionsNeedDistinctValues(@TempDir Path dir) {
        String[][] cases = {
            {"--seeds needs at least one value", "quality", "--seeds", ","},
            {"--seeds lists 0 twice", "quality", "--seeds", "0,0"},
            {"--data needs at least one value", "quality", "--data", ","},
            {"--data lists mixture16 twice", "quality", "--data", "mixture16,mixture16"},
            {"--data needs at least one value", "tabular", "--data", ","},
            {"--seeds needs at least one value", "alpha-sweep", "--seeds", ","},
            {"--datasets lists 8gaussians twice", "alpha-sweep", "--datasets", "8gaussians,8gaussians"},
            {"--a1 lists 1.0 twice", "alpha-sweep", "--a1", "1,1.0"},
            {"--ks needs at least one value", "alpha-sweep", "--ks", ","},
        };
        for (String[] c : cases) {
            Path out = dir.resolve(c[1] + c[3].length());
            Cli.Result r = Cli.run("experiment", c[1], "--quick", c[2], c[3], "--out", out.toString());
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
            assertEquals("cnf4j: error: " + c[0], r.err().strip().replaceAll(": give each value once$", ""), String.join(" ", c));
            assertFalse(Files.exists(out), "nothing written: " + String.join(" ", c));
        }
    }
}
