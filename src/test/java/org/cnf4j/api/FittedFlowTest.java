package org.cnf4j.api;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.cnf4j.cli.Main;
import org.cnf4j.engine.NotEnoughMemoryException;
import org.cnf4j.engine.cuda.CudaUnavailableException;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.format.Npy;
import org.cnf4j.model.PhiParams;
import org.cnf4j.run.RunModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Java API against the command line: the same options and seed give the same model bit for bit, and
 * logDensity / sample equal what {@code cnf4j logp} / {@code cnf4j sample} write.
 */
class FittedFlowTest {
    @TempDir static Path dir;
    static double[][] rows;
    static Path file;

    /** 240 rows of a correlated 3-D Gaussian, written to a .npy file (exact values). */
    @BeforeAll
    static void data() throws Exception {
        SplittableRandom r = new SplittableRandom(11);
        rows = new double[240][3];
        double[] flat = new double[240 * 3];
        for (int i = 0; i < rows.length; i++) {
            double a = r.nextGaussian(), b = r.nextGaussian(), c = r.nextGaussian();
            rows[i] = new double[] {3 + 2 * a, -1 + a + 0.5 * b, 10 * c};
            System.arraycopy(rows[i], 0, flat, i * 3, 3);
        }
        file = dir.resolve("rows.npy");
        Npy.write(file, flat, new int[] {240, 3}, false);
    }

    private static String[] small(String... extra) {
        List<String> a = new ArrayList<>(List.of("--iters", "12", "--width", "8", "--nt", "2", "--nt-val", "3", "--batch", "64", "--val-every", "4",
                "--seed", "5", "--no-plot"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    private static FlowBuilder smallBuilder(FlowBuilder b) {
        return b.iterations(12).width(8).nt(2).ntValidation(3).batch(64).validateEvery(4).seed(5);
    }

    private static void cli(String... args) {
        assertEquals(0, Main.execute(args), () -> "cnf4j " + String.join(" ", args));
    }

    private static String[] cat(String[] a, String... b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(String[]::new);
    }

    @Test
    void fitOfRowsIsTheCliModelOnTheSameFileAndScoresAsLogpAndSample() throws Exception {
        Path run = dir.resolve("cli-run");
        cli(cat(new String[] {"train", "--data", file.toString(), "--out", run.toString()}, small()));
        try (FittedFlow f = smallBuilder(Cnf4j.otFlow()).fit(rows)) {
            RunModel cliModel = RunModel.load(run);
            assertArrayEquals(cliModel.maps().get(0).data, f.model().maps().get(0).data, 0.0, "the same parameters, bit for bit");

            Path lp = dir.resolve("logp.npy");
            cli("logp", "--model", run.toString(), "--input", file.toString(), "--output", lp.toString());
            double[] mine = f.logDensity(rows);
            assertArrayEquals(Npy.read(lp).data(), mine, 0.0, "logDensity is what cnf4j logp writes");
            assertTrue(Double.isFinite(f.validationNll()));

            Path smp = dir.resolve("samples.npy");
            cli("sample", "--model", run.toString(), "-n", "40", "--seed", "9", "--output", smp.toString());
            double[][] xs = f.sample(40, 9);
            double[] flat = new double[40 * 3];
            for (int i = 0; i < 40; i++) System.arraycopy(xs[i], 0, flat, i * 3, 3);
            assertArrayEquals(MatrixFile.read(smp).data(), flat, 0.0, "sample is what cnf4j sample writes");

            INDArray arr = Nd4j.createFromArray(rows);
            assertArrayEquals(mine, f.logDensity(arr).toDoubleVector(), 0.0, "the INDArray overload");
            assertArrayEquals(flat, f.sampleArray(40, 9).reshape(40 * 3).toDoubleVector(), 0.0);
        }
    }

    @Test
    void savedInMemoryFitIsARunDirectoryTheCommandsRead() throws Exception {
        try (FittedFlow f = smallBuilder(Cnf4j.otFlow()).fit(rows)) {
            assertNull(f.directory());
            Path saved = dir.resolve("saved");
            f.save(saved);
            Path lp = dir.resolve("saved-logp.npy");
            cli("logp", "--model", saved.toString(), "--input", file.toString(), "--output", lp.toString());
            assertArrayEquals(f.logDensity(rows), Npy.read(lp).data(), 0.0);
            try (FittedFlow back = Cnf4j.load(saved)) {
                assertArrayEquals(f.logDensity(rows), back.logDensity(rows), 0.0);
                assertEquals(3, back.dimension());
            }
            assertThrows(java.io.IOException.class, () -> f.save(saved), "an existing run is never overwritten");
        }
    }

    @Test
    void theBuildersPlateauDropsReachTheRunsConfig() throws Exception {
        Path out = dir.resolve("gentle");
        try (FittedFlow f = Cnf4j.otFlow().iterations(2).width(8).nt(2).ntValidation(2).batch(128).earlyStopping(5).plateauDropsPerDecade(2)
                .runDirectory(out).fit("8gaussians")) {
            assertEquals(out, f.directory());
        }
        com.fasterxml.jackson.databind.JsonNode train = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("config.json").toFile()).get("train");
        assertEquals(2, train.get("dropsPerDecade").asInt());
        assertEquals(5, train.get("earlyStopping").asInt());
    }

    @Test
    void theBuildersWeightDecayReachesTheRunsConfig() throws Exception {
        Path out = dir.resolve("decayed");
        try (FittedFlow f = Cnf4j.otFlow().iterations(2).width(8).nt(2).ntValidation(2).batch(128).weightDecay(0.02)
                .runDirectory(out).fit("8gaussians")) {
            assertEquals(out, f.directory());
        }
        com.fasterxml.jackson.databind.JsonNode train = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("config.json").toFile()).get("train");
        assertEquals(0.02, train.get("weightDecay").asDouble());
    }

    @Test
    void jkoFitOfAToySourceIsTheCliJkoRun() throws Exception {
        Path run = dir.resolve("cli-jko");
        cli("train", "--data", "8gaussians", "--method", "jko", "--steps", "2", "--iters", "6", "--width", "8", "--nt", "2", "--nt-val", "2",
                "--batch", "128", "--val-every", "3", "--seed", "2", "--no-plot", "--out", run.toString());
        List<Progress> seen = new ArrayList<>();
        Path api = dir.resolve("api-jko");
        try (FittedFlow f = Cnf4j.jkoFlow(2).iterations(6).width(8).nt(2).ntValidation(2).batch(128).validateEvery(3).seed(2)
                .runDirectory(api).listener(seen::add).fit("8gaussians")) {
            RunModel cliModel = RunModel.load(run);
            assertEquals(2, f.maps());
            assertEquals(api, f.directory());
            for (int k = 0; k < 2; k++) {
                PhiParams a = cliModel.maps().get(k), b = f.model().maps().get(k);
                assertArrayEquals(a.data, b.data, 0.0, "map " + (k + 1) + " bit for bit");
                assertArrayEquals(a.data, RunModel.load(api).maps().get(k).data, 0.0, "and on disk");
            }
        }
        assertEquals(4, seen.size(), "two validations per map");
        assertEquals(12, seen.get(3).iteration());
        assertEquals(2, seen.get(3).map());
    }

    @Test
    void badRowsAreOneLineUsageErrors() {
        FlowBuilder b = Cnf4j.otFlow().iterations(1);
        IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class, () -> b.fit(new double[][] {{1, 2}, {3}}));
        assertTrue(ragged.getMessage().contains("row 1 has 1 values"), ragged.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> b.fit(new double[][] {{1, 2}, {3, Double.NaN}}));
        assertTrue(nan.getMessage().contains("row 1, column 1"), nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.fit(new double[0][]));
        assertEquals("fit needs a data source: a toy name, a .npy or CSV file, or maf:NAME",
                assertThrows(IllegalArgumentException.class, () -> b.fit((String) null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Cnf4j.otFlow().device("tpu"));
        assertEquals("unknown GPU math 'bf16': use fp32 or tf32",
                assertThrows(IllegalArgumentException.class, () -> Cnf4j.otFlow().gpuMath("bf16")).getMessage());
        Path out = dir.resolve("tf32-on-cpu");
        IllegalArgumentException tf32 = assertThrows(IllegalArgumentException.class,
                () -> Cnf4j.otFlow().iterations(1).gpuMath("tf32").runDirectory(out).fit(rows));
        assertTrue(tf32.getMessage().startsWith("GPU math tf32 applies to the GPU engine"), tf32.getMessage());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void samplesAndScoresThatCannotFitAreRefusedBeforeAnythingIsAllocated() throws Exception {
        try (FittedFlow f = smallBuilder(Cnf4j.otFlow()).fit(rows)) {
            // n x (d + 3) past what int-indexed arrays hold: no heap would do (it was a NegativeArraySizeException)
            IllegalArgumentException arrays = assertThrows(IllegalArgumentException.class, () -> f.sample(1_000_000_000, 1));
            assertTrue(arrays.getMessage().startsWith("sampling 1.0 x 10^9 points of dimension 3 is more than one call can hold in Java arrays"),
                    arrays.getMessage());
            assertTrue(arrays.getMessage().endsWith("draw fewer rows per call"), arrays.getMessage());
            // 100 million samples of d = 3 need about 24 GB of heap, past the tests' 2 GB (it was an OutOfMemoryError)
            NotEnoughMemoryException heap = assertThrows(NotEnoughMemoryException.class, () -> f.sample(100_000_000, 1));
            assertTrue(heap.getMessage().contains("sampling 1.0 x 10^8 points") && heap.getMessage().contains("draw fewer rows per call"),
                    heap.getMessage());
            // scoring rows already in memory: 10 million rows of d = 3 (about 0.4 GB here) need about 2.4 GB more to score
            double[][] many = new double[10_000_000][];
            double[] one = {3, -1, 0};
            java.util.Arrays.fill(many, one);
            NotEnoughMemoryException scoring = assertThrows(NotEnoughMemoryException.class, () -> f.logDensity(many));
            assertTrue(scoring.getMessage().contains("scoring 1.0 x 10^7 points") && scoring.getMessage().contains("score fewer rows per call"),
                    scoring.getMessage());
            assertEquals(1, f.sample(1, 1).length, "the flow still samples after the refusals");
            assertEquals("save needs a directory to write the run into", assertThrows(IllegalArgumentException.class, () -> f.save(null)).getMessage());
        }
    }

    @Test
    void cudaWithoutADriverFailsBeforeTraining() {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.cnf4j.engine.Engines.cudaUnavailableReason() != null, "a CUDA device answers here");
        Path out = dir.resolve("never");
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class,
                () -> Cnf4j.otFlow().iterations(2).device("cuda").runDirectory(out).fit(rows));
        assertTrue(e.getMessage().endsWith("use --device cpu"), e.getMessage());
        assertFalse(Files.exists(out), "nothing written");
    }
}
