package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cnf4j eval} as the references evaluate: the costs, the parameter count, the whole test split, the per-map protocol. */
class EvalProtocolTest {
    @Test
    void evalReportsCostsAndThePerMapProtocol(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("jko"), csv = dir.resolve("rows.csv");
        StringBuilder b = new StringBuilder("a,b\n");
        java.util.SplittableRandom g = new java.util.SplittableRandom(1);
        for (int i = 0; i < 500; i++) b.append(g.nextGaussian()).append(',').append(0.5 * g.nextGaussian() + 1).append('\n');
        Files.writeString(csv, b);
        Cli.Result t = Cli.run("train", "--data", csv.toString(), "--method", "jko", "--steps", "2", "--iters", "6", "--width", "8",
                "--batch", "100", "--nt", "2", "--nt-val", "2", "--val-every", "3", "--no-plot", "--out", run.toString());
        assertEquals(0, t.code(), t.err());
        Cli.Result e = Cli.run("eval", "--model", run.toString(), "--per-map", "--mmd-n", "40", "--mmd-columns", "2", "--mmd-estimator", "biased");
        assertEquals(0, e.code(), e.err());
        JsonNode j = new ObjectMapper().readTree(run.resolve("eval.json").toFile());
        assertEquals(50, j.get("n_test").asInt(), "the whole test split (10% of 500 rows) by default");
        assertEquals(2 * org.cnf4j.model.PhiParams.count(new org.cnf4j.model.PhiShape(2, 8, 2)), j.get("parameters").asLong(), "two maps");
        JsonNode c = j.get("test_costs");
        // the recipe's alpha for 2-column files is the toy one, 1,100,5
        assertEquals(j.get("test_nll").asDouble(), c.get("C").asDouble(), 0.0);
        double jj = c.get("L").asDouble() + 100 * c.get("C").asDouble() + 5 * c.get("R").asDouble();
        assertEquals(jj, c.get("J").asDouble(), 1e-9 * Math.abs(jj));
        assertEquals("biased", j.get("mmd_estimator").asText());
        assertEquals(2, j.get("mmd_columns").get(0).asInt());
        JsonNode pm = j.get("per_map");
        assertEquals(3, pm.size(), "k = 0, 1, 2");
        assertEquals(j.get("mmd2").asDouble(), pm.get(2).get("mmd2").asDouble(), 0.0);
        assertEquals(j.get("test_nll").asDouble(), pm.get(2).get("nll").asDouble(), 0.0);
        assertTrue(pm.get(0).get("L").isNull());
        assertTrue(Files.size(run.resolve("eval-per-map.png")) > 1000);
        assertTrue(e.out().contains("per map"), e.out());
        assertTrue(e.out().contains("test costs"), e.out());
        // --output elsewhere: the PNG goes beside it
        Path out = dir.resolve("res.json");
        assertEquals(0, Cli.run("eval", "--model", run.toString(), "--per-map", "--mmd-n", "20", "--max-test", "30", "--output", out.toString()).code());
        assertTrue(Files.isRegularFile(dir.resolve("res-per-map.png")));
        assertEquals(30, new ObjectMapper().readTree(out.toFile()).get("n_test").asInt());
    }

    @Test
    void badProtocolOptionsAreOneLineUsageErrors(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run("train", "--data", "8gaussians", "--iters", "2", "--width", "4", "--batch", "64", "--val-batch", "64", "--nt", "2",
                "--nt-val", "2", "--no-plot", "--out", run.toString()).code());
        String[][] bad = {
            {"--mmd-columns", "1,3", "--mmd-columns 3 is not a column of the model's 2 (1..2)"},
            {"--mmd-estimator", "vstat", "unknown --mmd-estimator 'vstat': use unbiased or biased"},
            {"--per-map", "--adaptive", "--per-map measures fixed RK4 steps"},
            {"--max-test", "0", "--max-test must be"},
            {"--max-test", "1", "--max-test must be >= 2 (the MMD compares at least two rows), got 1"}};
        for (String[] x : bad) {
            java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("eval", "--model", run.toString()));
            for (int i = 0; i + 1 < x.length; i++) a.add(x[i]);
            Cli.Result r = Cli.run(a.toArray(String[]::new));
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(x[x.length - 1]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        assertFalse(Files.exists(run.resolve("eval.json")));
        assertFalse(Files.exists(run.resolve("eval-per-map.png")));
    }
}
