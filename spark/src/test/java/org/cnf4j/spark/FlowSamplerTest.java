package org.cnf4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.run.RunModel;
import org.junit.jupiter.api.Test;

/** Sampling in P partitions: deterministic in (n, P, seed), each partition exactly RunModel.sample with its seed. */
class FlowSamplerTest {

    static double[] flat(List<Row> rows, int from, int count, int width) {
        double[] x = new double[count * width];
        for (int k = 0; k < count; k++) for (int j = 0; j < width; j++) x[k * width + j] = rows.get(from + k).getDouble(j);
        return x;
    }

    static void checkPartitions(Path run, long n, int p, long seed) throws Exception {
        List<Row> got = FlowSampler.of(run).withLogp(true).sample(Fixtures.spark(), n, p, seed).collectAsList();
        assertEquals(n, got.size());
        RunModel m = RunModel.load(run);
        int d = m.d(), from = 0;
        try (FlowEngine e = Engines.create(m.shape(), EngineOptions.cpu(DType.FLOAT64, 2))) {
            for (int i = 0; i < p; i++) {
                int ni = FlowSampler.partitionCount(n, p, i);
                double[] logp = new double[ni];
                double[] x = m.sample(e, m.nt(), ni, FlowSampler.partitionSeed(seed, i), logp, false, false);
                double[] gotX = new double[ni * d], gotLogp = new double[ni];
                for (int k = 0; k < ni; k++) {
                    Row r = got.get(from + k);
                    for (int j = 0; j < d; j++) gotX[k * d + j] = r.getDouble(j);
                    gotLogp[k] = r.getDouble(d);
                }
                assertArrayEquals(x, gotX, 0.0, "partition " + i);
                assertArrayEquals(logp, gotLogp, 0.0, "partition " + i);
                from += ni;
            }
        }
    }

    @Test
    void partitionsAreRunModelSamplesWithTheirSeeds() throws Exception {
        checkPartitions(Fixtures.otflowRun(), 103, 4, 42);
        checkPartitions(Fixtures.jkoRun(), 20, 3, 7);
    }

    @Test
    void deterministicInSeedAndPartitions() throws Exception {
        FlowSampler s = FlowSampler.of(Fixtures.otflowRun());
        List<Row> a = s.sample(Fixtures.spark(), 50, 3, 5).collectAsList();
        List<Row> b = s.sample(Fixtures.spark(), 50, 3, 5).collectAsList();
        assertEquals(a, b);
        assertEquals(List.of("x0", "x1", "x2"), List.of(s.sample(Fixtures.spark(), 5, 1, 5).columns()));
        assertNotEquals(a, s.sample(Fixtures.spark(), 50, 3, 6).collectAsList());
        assertNotEquals(a, s.sample(Fixtures.spark(), 50, 2, 5).collectAsList());
        assertEquals(6, FlowSampler.partitionCount(17, 3, 0));
        assertEquals(5, FlowSampler.partitionCount(17, 3, 2));
        assertEquals(0, FlowSampler.partitionCount(2, 3, 2));
        assertNotEquals(FlowSampler.partitionSeed(1, 0), FlowSampler.partitionSeed(1, 1));
        assertNotEquals(FlowSampler.partitionSeed(0, 1), FlowSampler.partitionSeed(1, 0));
        assertEquals(2, s.sample(Fixtures.spark(), 2, 3, 5).count());
        assertThrows(IllegalArgumentException.class, () -> s.sample(Fixtures.spark(), 0, 3, 5));
        assertThrows(IllegalArgumentException.class, () -> s.sample(Fixtures.spark(), 10, 0, 5));
    }

    /** The command: Parquet or CSV with a header; partition i's rows are cnf4j sample's with seed partitionSeed(S, i). */
    @Test
    void sampleCommand() throws Exception {
        Path run = Fixtures.otflowRun();
        Path dir = Files.createDirectories(Fixtures.root().resolve("sample-cli"));
        Path out = dir.resolve("s.parquet");
        Cli c = Cli.run("sample", "--model", run.toString(), "-n", "30", "--partitions", "2", "--seed", "9", "--output", out.toString(), "--with-logp");
        assertEquals(0, c.rc(), c.err());
        assertTrue(c.out().startsWith("wrote 30 samples (d=3, last column logp) in 2 partitions to "), c.out());
        List<Row> back = Fixtures.spark().read().parquet(out.resolve(ScoreCommandTest.parts(out, ".parquet").get(1).getFileName()).toString()).collectAsList();
        Path npy = dir.resolve("p1.npy");
        assertEquals(0, org.cnf4j.cli.Main.execute("sample", "--model", run.toString(), "-n", "15", "--seed", Long.toString(FlowSampler.partitionSeed(9, 1)),
                "--output", npy.toString(), "--with-logp"));
        assertArrayEquals(MatrixFile.read(npy).data(), flat(back, 0, 15, 4), 0.0);

        Path csv = dir.resolve("s-csv");
        c = Cli.run("sample", "--model", run.toString(), "-n", "7", "--output", csv.toString(), "--format", "csv");
        assertEquals(0, c.rc(), c.err());
        List<Path> parts = ScoreCommandTest.parts(csv, ".csv");
        assertEquals(1, parts.size());
        List<String> lines = Files.readAllLines(parts.get(0));
        assertEquals("x0,x1,x2", lines.get(0));
        assertEquals(8, lines.size());

        c = Cli.run("sample", "--model", run.toString(), "-n", "0", "--output", dir.resolve("never").toString());
        assertEquals(2, c.rc());
        assertEquals("cnf4j-spark: error: -n must be >= 1, got 0", c.errorLine());
        c = Cli.run("sample", "--model", run.toString(), "-n", "5", "--output", csv.toString());
        assertEquals(2, c.rc());
        assertFalse(Files.exists(dir.resolve("never")));
    }
}
