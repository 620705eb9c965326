package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.model.PhiShape;
import org.cnf4j.train.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train on files, --config, the saved configuration, resume equality on file data, early stopping. */
class TrainCommandTest {
    /** 600 x 3 correlated Gaussian rows with a non-trivial mean and scale. */
    static Path gaussianCsv(Path dir) throws Exception {
        SplittableRandom r = new SplittableRandom(11);
        int n = 600, d = 3;
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            double a = r.nextGaussian(), b = r.nextGaussian(), c = r.nextGaussian();
            x[i * d] = 5 + 2 * a;
            x[i * d + 1] = -1 + a + 0.5 * b;
            x[i * d + 2] = 0.1 * c;
        }
        Path f = dir.resolve("gauss.csv");
        MatrixFile.write(f, x, n, d);
        return f;
    }

    @Test
    void trainsOnACsvFileWithAYamlConfigAndFlagsOverride(@TempDir Path dir) throws Exception {
        Path csv = gaussianCsv(dir);
        Path cfgFile = dir.resolve("cfg.yaml");
        Files.writeString(cfgFile, "width: 8\nbatch: 128\nnt: 2\nnt_val: 2\niters: 50\nalpha: [1, 50, 5]\nvalEvery: 4\nlr: 0.05\nseed: 4\n");
        Path run = dir.resolve("run");
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--out", run.toString(), "--config", cfgFile.toString(), "--iters", "12");
        assertEquals(0, r.code(), r.err());
        JsonNode c = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals(3, c.get("d").asInt());
        assertEquals(8, c.get("m").asInt());
        assertEquals(2, c.get("nTh").asInt());
        assertEquals(50.0, c.get("alph").get(1).asDouble());
        assertEquals(2, c.get("nt").asInt());
        assertEquals(12, c.get("train").get("iters").asInt(), "the flag overrides the file");
        assertEquals(4, c.get("train").get("seed").asInt());
        assertEquals(1.5, c.get("train").get("clamp").asDouble(), "tabular default for d > 2");
        JsonNode pre = c.get("preprocessing");
        assertEquals(3, pre.get("mean").size());
        assertEquals(5, pre.get("mean").get(0).asDouble(), 0.5);
        assertEquals(2, pre.get("std").get(0).asDouble(), 0.3);
        assertTrue(pre.get("dequantisation").isNull());
        assertEquals(13, Files.readAllLines(run.resolve("log.csv")).size());
        assertNotNull(javax.imageio.ImageIO.read(run.resolve("plot.png").toFile()), "train draws plot.png at the end");

        // logp maps file units through the saved standardisation: equals the model-space density minus sum log std
        Path a = dir.resolve("a.npy"), b = dir.resolve("b.npy"), z = dir.resolve("z.npy");
        MatrixFile.Matrix m = MatrixFile.read(csv);
        double[] std = new double[3], mean = new double[3];
        for (int j = 0; j < 3; j++) {
            mean[j] = pre.get("mean").get(j).asDouble();
            std[j] = pre.get("std").get(j).asDouble();
        }
        double[] zs = new double[m.data().length];
        for (int k = 0; k < zs.length; k++) zs[k] = (m.data()[k] - mean[k % 3]) / std[k % 3];
        MatrixFile.write(z, zs, m.rows(), 3);
        assertEquals(0, Cli.run("logp", "--model", run.toString(), "--input", csv.toString(), "--output", a.toString()).code());
        assertEquals(0, Cli.run("logp", "--model", run.toString(), "--input", z.toString(), "--output", b.toString(), "--standardised").code());
        double off = Math.log(std[0]) + Math.log(std[1]) + Math.log(std[2]);
        double[] la = MatrixFile.read(a).data(), lb = MatrixFile.read(b).data();
        for (int i = 0; i < la.length; i++) assertEquals(lb[i] - off, la[i], 1e-9);

        // samples come back in file units
        Path s = dir.resolve("s.csv");
        assertEquals(0, Cli.run("sample", "--model", run.toString(), "-n", "400", "--output", s.toString()).code());
        double[] xs = MatrixFile.read(s).data();
        double mu = 0;
        for (int i = 0; i < 400; i++) mu += xs[i * 3] / 400;
        assertEquals(5, mu, 1.0, "sample mean of column 0 in file units");

        Cli.Result e = Cli.run("eval", "--model", run.toString(), "--mmd-n", "50");
        assertEquals(0, e.code(), e.err());
        assertTrue(Files.isRegularFile(run.resolve("eval.json")));
    }

    @Test
    void evalOnOtherDataUsesTheModelsStandardisation(@TempDir Path dir) throws Exception {
        Path csv = gaussianCsv(dir);
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run("train", "--data", csv.toString(), "--out", run.toString(), "--width", "8", "--batch", "100",
                "--nt", "2", "--nt-val", "2", "--iters", "30", "--val-every", "10", "--no-plot").code());
        // the same rows moved by 10 standard deviations in column 0: a foreign data set for this model
        MatrixFile.Matrix m = MatrixFile.read(csv);
        double[] shifted = m.data().clone();
        for (int i = 0; i < m.rows(); i++) shifted[i * 3] += 20;
        Path far = dir.resolve("far.csv");
        MatrixFile.write(far, shifted, m.rows(), 3);
        Path own = dir.resolve("own.json"), other = dir.resolve("other.json");
        assertEquals(0, Cli.run("eval", "--model", run.toString(), "--output", own.toString()).code());
        Cli.Result r = Cli.run("eval", "--model", run.toString(), "--data", far.toString(), "--output", other.toString());
        assertEquals(0, r.code(), r.err());
        double nllOwn = new ObjectMapper().readTree(own.toFile()).get("test_nll_data_units").asDouble();
        double nllFar = new ObjectMapper().readTree(other.toFile()).get("test_nll_data_units").asDouble();
        // with its own standardisation the shifted file would look like the training data (same NLL)
        assertTrue(nllFar > nllOwn + 10, "shifted data must be unlikely under the model: " + nllFar + " vs " + nllOwn);
    }

    /**
     * Trains the gaussian file with {@code configJson} for {@code iters} iterations in one run, and in two: the first
     * {@code first} iterations (with {@code firstArgs}), then --resume; asserts the same parameters bit for bit and
     * returns both run directories (one run, two runs).
     */
    private static Path[] resumedRunIsOneRun(Path dir, String configJson, int first, int iters, String... firstArgs) throws Exception {
        Path csv = gaussianCsv(dir);
        Path cfgFile = dir.resolve("cfg.json");
        Files.writeString(cfgFile, configJson);
        Path full = dir.resolve("full"), split = dir.resolve("split");
        assertEquals(0, Cli.run("train", "--data", csv.toString(), "--out", full.toString(), "--config", cfgFile.toString(), "--iters", "" + iters).code());
        List<String> args = new ArrayList<>(List.of("train", "--data", csv.toString(), "--out", split.toString(), "--config", cfgFile.toString(),
                "--iters", "" + first));
        args.addAll(List.of(firstArgs));
        assertEquals(0, Cli.run(args.toArray(String[]::new)).code());
        Cli.Result r = Cli.run("train", "--out", split.toString(), "--resume", "--iters", "" + iters);
        assertEquals(0, r.code(), r.err());
        PhiShape s = new PhiShape(3, 8, 2);
        assertArrayEquals(TrainState.load(full.resolve("checkpoint.bin"), s).params.data, TrainState.load(split.resolve("checkpoint.bin"), s).params.data, 0.0);
        return new Path[] {full, split};
    }

    @Test
    void jsonConfigAndResumeOnFileDataAreBitIdentical(@TempDir Path dir) throws Exception {
        resumedRunIsOneRun(dir, "{\"width\": 8, \"batch\": 100, \"nt\": 2, \"nt-val\": 2, \"val-every\": 3, \"threads\": 2, \"early-stopping\": 0}",
                5, 14, "--checkpoint-every", "2");
    }

    @Test
    void earlyStoppingEndsTrainingAfterFourPlateaus(@TempDir Path dir) throws Exception {
        Path csv = gaussianCsv(dir);
        Path run = dir.resolve("run");
        // lr tiny: validations hardly improve, and with --early-stopping 1 each non-improvement is a plateau
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--out", run.toString(), "--width", "8", "--batch", "100", "--nt", "2",
                "--nt-val", "2", "--val-every", "1", "--early-stopping", "1", "--lr", "1e-12", "--iters", "200");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("stopping early"), r.out());
        TrainState st = TrainState.load(run.resolve("checkpoint.bin"), new PhiShape(3, 8, 2));
        assertTrue(st.iteration < 200, "stopped at " + st.iteration);
        assertTrue(st.lrStage > 3);
    }

    @Test
    void gentlerPlateauDropsTakeSixPlateausToEndTrainingAndTheConfigKeepsThem(@TempDir Path dir) throws Exception {
        Path csv = gaussianCsv(dir);
        Path run = dir.resolve("run");
        // a rate below the parameters' round-off: no validation improves on the first, so each later one is a plateau
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--out", run.toString(), "--width", "8", "--batch", "100", "--nt", "2",
                "--nt-val", "2", "--val-every", "1", "--early-stopping", "1", "--lr", "1e-200", "--warmup", "0", "--iters", "200",
                "--drops-per-decade", "2", "--no-plot");
        assertEquals(0, r.code(), r.err());
        assertEquals(6, r.out().split("lr now", -1).length - 1, r.out());
        assertTrue(r.out().contains("stopping early"), r.out());
        assertEquals(2, new ObjectMapper().readTree(run.resolve("config.json").toFile()).get("train").get("dropsPerDecade").asInt());
        assertEquals(8, TrainState.load(run.resolve("checkpoint.bin"), new PhiShape(3, 8, 2)).iteration, "one best, then seven plateaus");
    }

    @Test
    void weightDecayFromAConfigFileIsSavedAndAResumedRunIsBitIdentical(@TempDir Path dir) throws Exception {
        Path[] runs = resumedRunIsOneRun(dir, "{\"width\": 8, \"batch\": 100, \"nt\": 2, \"nt-val\": 2, \"val-every\": 3, \"weight-decay\": 0.25}", 3, 8);
        for (Path run : runs)
            assertEquals(0.25, new ObjectMapper().readTree(run.resolve("config.json").toFile()).get("train").get("weightDecay").asDouble());
    }

    @Test
    void filesAreValidatedOnTheParametersAverageWhichResumesBitIdentical(@TempDir Path dir) throws Exception {
        Path data = gaussianCsv(dir);
        JsonNode byDefault = trainBriefly(data, dir.resolve("default"));
        assertEquals(0.99, byDefault.get("train").get("ema").asDouble(), 0.0, "the file recipe's average");
        assertEquals(0.0, trainBriefly(data, dir.resolve("off"), "--ema", "0").get("train").get("ema").asDouble(), 0.0);
        Cli.Result toy = Cli.run("train", "--data", "8gaussians", "--out", dir.resolve("toy").toString(), "--iters", "2", "--width", "4",
                "--batch", "32", "--val-batch", "32", "--nt", "1", "--nt-val", "1", "--no-plot");
        assertEquals(0, toy.code(), toy.err());
        assertEquals(0.0, new ObjectMapper().readTree(dir.resolve("toy/config.json").toFile()).get("train").get("ema").asDouble(), 0.0,
                "toy data train as the reference does");
        assertFalse(toy.out().contains("moving average"), toy.out());
        Cli.Result said = Cli.run("train", "--data", data.toString(), "--out", dir.resolve("said").toString(), "--iters", "2", "--width", "4",
                "--batch", "100", "--nt", "1", "--nt-val", "1", "--no-plot");
        assertTrue(said.out().contains("validation scores a moving average of the parameters (--ema 0.99)"), said.out());
        Cli.Result bad = Cli.run("train", "--data", data.toString(), "--out", dir.resolve("bad").toString(), "--ema", "1");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("ema must be a decay in [0, 1)") && bad.err().lines().count() == 1, bad.err());
        assertFalse(Files.exists(dir.resolve("bad")), "nothing written");
        Files.createDirectories(dir.resolve("resume"));
        Path[] runs = resumedRunIsOneRun(dir.resolve("resume"), "{\"width\": 8, \"batch\": 100, \"nt\": 2, \"nt-val\": 2, \"val-every\": 3, \"ema\": 0.9}", 4, 10);
        PhiShape s = new PhiShape(3, 8, 2);
        assertArrayEquals(TrainState.load(runs[0].resolve("checkpoint.bin"), s).average.data, TrainState.load(runs[1].resolve("checkpoint.bin"), s).average.data, 0.0);
    }

    @Test
    void aFileOfManyRowsGetsTheWiderModelAndAFewRowsTheNarrowOne(@TempDir Path dir) throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        int n = 12_500, d = 3;   // 10,125 training rows after the test and validation splits
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian();
        Path big = dir.resolve("big.csv");
        MatrixFile.write(big, x, n, d);
        for (Path data : new Path[] {big, gaussianCsv(dir)}) {
            Path run = dir.resolve("run-" + data.getFileName());
            JsonNode config = trainBriefly(data, run);
            assertEquals(data == big ? 128 : 64, config.get("m").asInt(), data + ": the width from its training rows");
            assertEquals(data == big ? 0.05 : 0.1, config.get("train").get("lr").asDouble(), 1e-15, data + ": the rate for that width");
            JsonNode alpha = config.get("train").get("alpha");
            assertEquals(data == big ? 1000 : 100, alpha.get("a1").asDouble(), 0.0, data + ": the likelihood's weight for that size: " + alpha);
        }
    }

    @Test
    void theFileRecipesRateFollowsAnExplicitWidthAndAnExplicitRateWins(@TempDir Path dir) throws Exception {
        Path data = gaussianCsv(dir);
        assertEquals(0.025, trainBriefly(data, dir.resolve("w256"), "--width", "256").get("train").get("lr").asDouble(), 1e-15,
                "0.1 x 64 / 256");
        assertEquals(0.1, trainBriefly(data, dir.resolve("w16"), "--width", "16").get("train").get("lr").asDouble(), 1e-15,
                "narrower models keep 0.1");
        assertEquals(0.2, trainBriefly(data, dir.resolve("lr"), "--width", "256", "--lr", "0.2").get("train").get("lr").asDouble(), 1e-15,
                "--lr is taken as given");
    }

    /** Trains two iterations of a small configuration on {@code data} into {@code run} and returns its config.json. */
    private static JsonNode trainBriefly(Path data, Path run, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--out", run.toString(), "--batch", "100", "--nt", "2",
                "--nt-val", "2", "--val-batch", "100", "--iters", "2", "--no-plot"));
        args.addAll(List.of(more));
        Cli.Result res = Cli.run(args.toArray(String[]::new));
        assertEquals(0, res.code(), res.err());
        return new ObjectMapper().readTree(run.resolve("config.json").toFile());
    }

    @Test
    void trainsOnAMafSetWithTheReferenceRecipe(@TempDir Path dir) throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        int n = 300, d = 4;
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian() * (1 + i % d);
        Files.createDirectories(dir.resolve("maf/miniboone"));
        org.cnf4j.format.Npy.write(dir.resolve("maf/miniboone/data.npy"), x, new int[] {n, d}, false);
        Path run = dir.resolve("run");
        Cli.Result res = Cli.run("train", "--data", "maf:miniboone:" + dir.resolve("maf"), "--out", run.toString(), "--width", "8",
                "--batch", "64", "--nt", "2", "--nt-val", "2", "--iters", "6", "--no-plot");
        assertEquals(0, res.code(), res.err());
        JsonNode t = new ObjectMapper().readTree(run.resolve("config.json").toFile()).get("train");
        assertEquals(100.0, t.get("alpha").get("a1").asDouble(), "MINIBOONE recipe: alpha (1, 100, 15)");
        assertEquals(15.0, t.get("alpha").get("a2").asDouble());
        assertEquals(0.02, t.get("lr").asDouble());
        assertEquals(1.5, t.get("clamp").asDouble());
        assertEquals(20, t.get("earlyStopping").asInt());
        assertEquals(0.0, t.get("ema").asDouble(), 0.0, "the paper trains without an average");
        assertEquals(3, t.get("valEvery").asInt(), "once per epoch: 243 training rows / 64");
        assertFalse(Files.exists(run.resolve("plot.png")), "--no-plot");
    }

    @Test
    void integerDataAreDequantisedAndSamplesCanBeRoundedBack(@TempDir Path dir) throws Exception {
        SplittableRandom r = new SplittableRandom(9);
        int n = 400, d = 3;
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) x[i] = 2 + r.nextInt(6);   // integers 2..7
        Path csv = dir.resolve("ints.csv");
        MatrixFile.write(csv, x, n, d);
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run("train", "--data", csv.toString(), "--out", run.toString(), "--width", "8", "--batch", "100", "--nt", "2",
                "--nt-val", "2", "--iters", "3", "--no-plot").code());
        JsonNode q = new ObjectMapper().readTree(run.resolve("config.json").toFile()).get("preprocessing").get("dequantisation");
        assertEquals(2.0, q.get("offset").asDouble());
        assertEquals(6.0, q.get("scale").asDouble());
        Path s = dir.resolve("s.npy");
        Cli.Result res = Cli.run("sample", "--model", run.toString(), "-n", "200", "--output", s.toString(), "--round");
        assertEquals(0, res.code(), res.err());
        for (double v : MatrixFile.read(s).data()) {
            assertEquals(Math.rint(v), v, 0.0);
            assertTrue(v >= 2 && v <= 7, "rounded sample " + v);
        }
        Path json = dir.resolve("e.json");
        assertEquals(0, Cli.run("eval", "--model", run.toString(), "--mmd-scale", "3", "--output", json.toString()).code());
        assertEquals(3.0, new ObjectMapper().readTree(json.toFile()).get("mmd_scale").asDouble());
        assertEquals(2, Cli.run("eval", "--model", run.toString(), "--mmd-scale", "0").code());
        // --round needs integer training data
        Path cont = dir.resolve("cont");
        assertEquals(0, Cli.run("train", "--data", gaussianCsv(dir).toString(), "--out", cont.toString(), "--width", "8", "--batch", "100",
                "--nt", "2", "--nt-val", "2", "--iters", "1", "--no-plot").code());
        Cli.Result bad = Cli.run("sample", "--model", cont.toString(), "-n", "5", "--output", dir.resolve("no.npy").toString(), "--round");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("integer"), bad.err());
        assertFalse(Files.exists(dir.resolve("no.npy")));
    }
}
