package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cnf4j.api.Cnf4j;
import org.cnf4j.api.FittedFlow;
import org.cnf4j.data.DataSets;
import org.cnf4j.data.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eval --split}: the NLL of the training or validation rows beside the test rows', for the gap between them. */
class EvalSplitTest {
    @Test
    void eachSplitIsEvaluatedOnItsOwnRowsInTheDataUnits(@TempDir Path dir) throws Exception {
        Path csv = TrainCommandTest.gaussianCsv(dir);   // 600 rows: 486 train, 54 validation, 60 test
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run("train", "--data", csv.toString(), "--out", run.toString(), "--width", "8", "--batch", "100",
                "--nt", "2", "--nt-val", "4", "--iters", "40", "--val-every", "10", "--no-plot").code());
        JsonNode train = eval(run, dir.resolve("train.json"), "--split", "train");
        JsonNode validation = eval(run, dir.resolve("validation.json"), "--split", "validation");
        JsonNode test = eval(run, dir.resolve("test.json"));
        assertEquals("train split", train.get("rows").asText());
        assertEquals(486, train.get("n_test").asInt());
        assertEquals("validation split", validation.get("rows").asText());
        assertEquals(54, validation.get("n_test").asInt());
        assertEquals("test split", test.get("rows").asText());
        assertEquals(60, test.get("n_test").asInt());
        assertNotEquals(train.get("test_nll").asDouble(), test.get("test_nll").asDouble(), "different rows, different NLLs");

        // the same number from the library: the run's training rows (same seed, same shuffle and split) in data units
        Dataset ds = DataSets.load(csv.toString(), 0);
        double[] x = ds.unstandardise(ds.train());
        double[][] rows = new double[ds.nTrain()][3];
        for (int i = 0; i < rows.length; i++) System.arraycopy(x, 3 * i, rows[i], 0, 3);
        double sum = 0;
        try (FittedFlow f = Cnf4j.load(run)) {
            for (double lp : f.logDensity(rows)) sum -= lp;
        }
        assertEquals(sum / rows.length, train.get("test_nll_data_units").asDouble(), 1e-9);
    }

    @Test
    void aSplitOfOtherDataOrOfToyDataOrAnUnknownOneIsRefused(@TempDir Path dir) throws Exception {
        Path csv = TrainCommandTest.gaussianCsv(dir);
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run("train", "--data", csv.toString(), "--out", run.toString(), "--width", "8", "--batch", "100",
                "--nt", "2", "--nt-val", "2", "--iters", "2", "--no-plot").code());
        Path other = dir.resolve("other.csv");
        Files.copy(csv, other);
        Cli.Result r = Cli.run("eval", "--model", run.toString(), "--split", "train", "--data", other.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("evaluated whole") && r.err().contains("drop --split"), r.err());
        r = Cli.run("eval", "--model", run.toString(), "--split", "training");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("use test, validation or train"), r.err());
        assertFalse(Files.exists(run.resolve("eval.json")), "nothing written");

        Path toy = dir.resolve("toy");
        assertEquals(0, Cli.run("train", "--data", "8gaussians", "--out", toy.toString(), "--width", "8", "--batch", "64", "--nt", "2",
                "--nt-val", "2", "--iters", "2", "--no-plot").code());
        r = Cli.run("eval", "--model", toy.toString(), "--split", "validation");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("toy data"), r.err());
    }

    @Test
    void anotherFileIsEvaluatedWholeEvenWithTwoRowsAndAConstantColumn(@TempDir Path dir) throws Exception {
        Path csv = TrainCommandTest.gaussianCsv(dir);
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run("train", "--data", csv.toString(), "--out", run.toString(), "--width", "8", "--batch", "100",
                "--nt", "2", "--nt-val", "4", "--iters", "20", "--val-every", "10", "--no-plot").code());
        // two rows of whole numbers whose last column is constant: no split or standardisation of their own could be
        // made of them, and none is needed, since the model's own preprocessing maps them
        double[][] rows = {{6, 1, 3}, {4, -1, 3}};
        Path two = dir.resolve("two.csv");
        Files.writeString(two, "6,1,3\n4,-1,3\n");
        Cli.Result e = Cli.run("eval", "--model", run.toString(), "--data", two.toString(), "--output", dir.resolve("two.json").toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("(all 2 rows of the file)"), e.out());
        JsonNode j = new ObjectMapper().readTree(dir.resolve("two.json").toFile());
        assertEquals("file", j.get("rows").asText());
        assertEquals(2, j.get("n_test").asInt());
        // the model's log-density at those very points: its data were continuous, so the integers get no noise
        double sum = 0;
        try (FittedFlow f = Cnf4j.load(run)) {
            for (double lp : f.logDensity(rows)) sum -= lp;
        }
        assertEquals(sum / rows.length, j.get("test_nll_data_units").asDouble(), 1e-9);
        // one row is too few for the sample statistics, and says so in a line
        Path one = dir.resolve("one.csv");
        Files.writeString(one, "6,1,3\n");
        Cli.Result r = Cli.run("eval", "--model", run.toString(), "--data", one.toString(), "--output", dir.resolve("one.json").toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("the file has 1 row(s); need at least 2"), r.err());
        assertFalse(Files.exists(dir.resolve("one.json")));
    }

    private static JsonNode eval(Path run, Path out, String... more) throws Exception {
        String[] args = new String[4 + more.length];
        args[0] = "eval";
        args[1] = "--model";
        args[2] = run.toString();
        args[3] = "--output=" + out;
        System.arraycopy(more, 0, args, 4, more.length);
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(more.length > 0 ? more[1] + " NLL" : "test NLL"), r.out());
        return new ObjectMapper().readTree(out.toFile());
    }
}
