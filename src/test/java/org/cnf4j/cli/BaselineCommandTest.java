package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cnf4j.baseline.GaussianDensity;
import org.cnf4j.baseline.GaussianMixture;
import org.cnf4j.data.DataSets;
import org.cnf4j.data.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cnf4j baseline}, the baseline line of {@code cnf4j train}, and {@code eval --data FILE} on every row of a
 * file: what a user needs to judge a flow on real data.
 */
class BaselineCommandTest {
    @Test
    void baselinesOnTheSplitTrainUses(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("b.json");
        Cli.Result r = Cli.run("baseline", "--data", "data/breast_cancer.csv", "--components", "1,2,3", "--seed", "4", "--output", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Gaussian mixture ("), r.out());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        Dataset ds = DataSets.load("data/breast_cancer.csv", 4);
        assertEquals(ds.nTrain(), j.get("n_train").asInt());
        GaussianDensity g = GaussianDensity.fit(ds.train(), ds.nTrain(), ds.d(), 1e-4);
        assertEquals(-g.meanLogDensity(ds.validation(), ds.nValidation()), j.get("gaussian").get("validation_nll").asDouble(), 1e-9);
        assertEquals(-g.meanLogDensity(ds.test(), ds.nTest()), j.get("gaussian").get("test_nll").asDouble(), 1e-9);
        GaussianMixture m = GaussianMixture.selectByValidation(ds.train(), ds.nTrain(), ds.validation(), ds.nValidation(), ds.d(), new int[] {1, 2, 3}, 1e-4, 4);
        assertEquals(m.components(), j.get("mixture").get("components").asInt());
        assertEquals(-m.meanLogDensity(ds.test(), ds.nTest()), j.get("mixture").get("test_nll").asDouble(), 1e-9);
        assertTrue(j.get("mixture").get("validation_nll").asDouble() <= j.get("gaussian").get("validation_nll").asDouble() + 1e-9,
                "the mixture's choice includes one component");
        assertEquals(ds.nllOffset(), j.get("nll_offset_data_units").asDouble(), 1e-12);
        Cli.Result bad = Cli.run("baseline", "--data", "data/breast_cancer.csv", "--components", "0");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--components must be >= 1"), bad.err());
        Cli.Result missing = Cli.run("baseline", "--data", dir.resolve("none.csv").toString());
        assertEquals(1, missing.code());
    }

    @Test
    void trainSaysWhatAGaussianGetsAndEvalTakesAWholeFile(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.csv"), b = dir.resolve("b.csv"), run = dir.resolve("run");
        StringBuilder sa = new StringBuilder("x,y,z\n"), sb = new StringBuilder("x,y,z\n");
        java.util.SplittableRandom g = new java.util.SplittableRandom(3);
        for (int i = 0; i < 300; i++) {
            double u = g.nextGaussian(), v = g.nextGaussian();
            sa.append(u).append(',').append(u * u + 0.3 * v).append(',').append(v).append('\n');
            if (i < 37) sb.append(v).append(',').append(v * v + 0.3 * u).append(',').append(u).append('\n');
        }
        Files.writeString(a, sa);
        Files.writeString(b, sb);
        Cli.Result t = Cli.run("train", "--data", a.toString(), "--iters", "4", "--width", "8", "--batch", "100", "--nt", "2", "--nt-val", "2",
                "--no-plot", "--out", run.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("baseline: a full-covariance Gaussian has validation NLL "), t.out());
        // five rows leave three to train on: a covariance of d = 3 from them is the ridge's, not the data's, so no line
        Path tiny = Files.writeString(dir.resolve("tiny.csv"), "x,y,z\n0.1,0.5,-1\n1.2,0.3,0.4\n-0.7,2.0,0.9\n0.4,-1.1,0.2\n2.2,0.8,-0.3\n");
        Cli.Result few = Cli.run("train", "--data", tiny.toString(), "--iters", "2", "--width", "8", "--nt", "2", "--nt-val", "2",
                "--no-plot", "--out", dir.resolve("tiny-run").toString());
        assertEquals(0, few.code(), few.err());
        assertFalse(few.out().contains("baseline:"), few.out());
        // three rows leave two to train and validate on: they span a line of the 3 dimensions, where a flow has no density
        Path three = Files.writeString(dir.resolve("three.csv"), "x,y,z\n0.1,0.5,-1\n1.2,0.3,0.4\n-0.7,2.0,0.9\n");
        Cli.Result line = Cli.run("train", "--data", three.toString(), "--iters", "2", "--width", "8", "--no-plot", "--out", dir.resolve("three-run").toString());
        assertEquals(2, line.code(), line.out());
        assertEquals("cnf4j: error: " + three + ": the 2 training and validation rows span at most 1 of the 3 dimensions, where a flow has no density; "
                + "give more rows than columns (many more, to learn a density)", line.err().strip());
        assertFalse(Files.exists(dir.resolve("three-run")));
        Cli.Result own = Cli.run("eval", "--model", run.toString(), "--mmd-n", "10");
        assertEquals(0, own.code(), own.err());
        assertTrue(own.out().contains("(30 test points)"), own.out());
        Path out = dir.resolve("e.json");
        Cli.Result other = Cli.run("eval", "--model", run.toString(), "--data", b.toString(), "--mmd-n", "10", "--output", out.toString());
        assertEquals(0, other.code(), other.err());
        assertTrue(other.out().contains("(all 37 rows of the file)"), other.out());
        JsonNode j = new ObjectMapper().readTree(out.toFile());
        assertEquals("file", j.get("rows").asText());
        assertEquals(37, j.get("n_test").asInt());
        assertFalse(Files.exists(run.resolve("eval.json.tmp")));
    }
}
