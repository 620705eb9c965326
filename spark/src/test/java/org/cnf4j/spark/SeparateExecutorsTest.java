package org.cnf4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.run.RunModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scoring and sampling with executors in JVMs of their own: Spark's local-cluster[2,1,1024] (an in-process master and
 * two workers that start one executor JVM each, on 127.0.0.1; the executors get the test classpath). The model reaches
 * them only as broadcast bytes, ND4J's natives load there, and each executor builds its engine once.
 */
class SeparateExecutorsTest {
    static SparkSession spark;

    @BeforeAll
    static void cluster() throws Exception {
        Fixtures.otflowRun();
        Fixtures.jkoRun();
        Fixtures.stopSpark();
        Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
        spark = SparkSession.builder().master("local-cluster[2,1,1024]").appName("cnf4j-spark-local-cluster")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxbytes=512M -Dlog4j2.configurationFile=log4j2-test.properties")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    /** The JVM and the engines it built, from inside an executor. */
    static final class WhoAmI implements MapPartitionsFunction<Long, String> {
        @Override public java.util.Iterator<String> call(java.util.Iterator<Long> it) {
            return List.of(ProcessHandle.current().pid() + ":" + ExecutorModels.built()).iterator();
        }
    }

    @Test
    void scoreAndSampleOnExecutorJvms() throws Exception {
        double[][] rows = Fixtures.gaussianRows(500, 31);
        Path csv = Fixtures.writeCsv(Fixtures.root().resolve("cluster.csv"), rows);
        for (Path run : List.of(Fixtures.otflowRun(), Fixtures.jkoRun())) {
            double[] expected = Fixtures.cliLogp(run, csv);
            List<Row> got = FlowScorer.of(run).withColumns("a", "b", "c").withBlockRows(64)
                    .transform(spark.createDataFrame(Fixtures.frame(rows, 1).collectAsList(), Fixtures.frame(rows, 1).schema()).repartition(6))
                    .collectAsList();
            assertEquals(rows.length, got.size());
            for (Row r : got) {
                int i = (int) r.getLong(0);
                assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(r.<Double>getAs("logp")), "row " + i + " of " + run);
            }
        }
        // every executor is another process, and built each model's engine at most once (two models so far)
        long driver = ProcessHandle.current().pid();
        Set<String> pids = new HashSet<>();
        int engines = 0;
        for (String s : spark.range(0, 8, 1, 8).as(Encoders.LONG()).mapPartitions(new WhoAmI(), Encoders.STRING()).collectAsList()) {
            String[] pb = s.split(":");
            assertNotEquals(Long.toString(driver), pb[0]);
            int built = Integer.parseInt(pb[1]);
            assertTrue(built <= 2, s);
            if (pids.add(pb[0])) engines += built;
        }
        assertTrue(engines >= 2 && engines <= 4, "engines built on the executors: " + engines + " in " + pids);

        // sampling: partition i on some executor equals RunModel.sample with its seed on the driver
        Path run = Fixtures.otflowRun();
        List<Row> s = FlowSampler.of(run).sample(spark, 40, 4, 3).collectAsList();
        RunModel m = RunModel.load(run);
        try (FlowEngine e = Engines.create(m.shape(), EngineOptions.cpu(DType.FLOAT64, 1))) {
            for (int i = 0, from = 0; i < 4; i++) {
                double[] x = m.sample(e, m.nt(), 10, FlowSampler.partitionSeed(3, i), null, false, false);
                assertArrayEquals(x, FlowSamplerTest.flat(s, from, 10, 3), 0.0, "partition " + i);
                from += 10;
            }
        }
    }

    /** The command on the cluster: a bad row on an executor fails the job with its one-line message; nothing is left. */
    @Test
    void scoreCommandOnTheCluster() throws Exception {
        Path dir = Files.createDirectories(Fixtures.root().resolve("cluster-cli"));
        Path in = Files.writeString(dir.resolve("in.csv"), "a,b,c\n10,-3,0.5\n11,-2,0.25\n");
        Path out = dir.resolve("out.csv");
        Cli c = Cli.run("score", "--model", Fixtures.jkoRun().toString(), "--input", in.toString(), "--output", out.toString());
        assertEquals(0, c.rc(), c.err());
        assertTrue(Files.isDirectory(out));
        Path bad = Files.writeString(dir.resolve("bad.csv"), "a,b,c\n10,-3,0.5\n11,oops,0.25\n");
        c = Cli.run("score", "--model", Fixtures.otflowRun().toString(), "--input", bad.toString(), "--output", dir.resolve("never").toString(),
                "--on-bad-row", "fail");
        assertEquals(1, c.rc());
        assertEquals("cnf4j-spark: error: bad input row 2 of partition 0: column 'b': 'oops' is not a number; fix or drop it, or give it a null "
                + "log-density with --on-bad-row null", c.errorLine());
        assertFalse(Files.exists(dir.resolve("never")));
    }

    /** A sweep's cells train on the executors and come back as bytes: cell-000 is cnf4j train's model, bit for bit. */
    @Test
    void sweepOnTheCluster() throws Exception {
        Path dir = Files.createDirectories(Fixtures.root().resolve("cluster-sweep"));
        Path grid = Files.writeString(dir.resolve("grid.yaml"), SweepTest.GRID.replace("width: [4, 0]", "width: [4]"));
        Cli c = Cli.run("sweep", "--grid", grid.toString(), "--out", dir.resolve("out").toString());
        assertEquals(0, c.rc(), c.err());
        assertTrue(c.out().contains("sweep: 2 cells, 2 ok, 0 failed"), c.out());
        Path cli = dir.resolve("cli");
        assertEquals(0, org.cnf4j.cli.Main.execute("train", "--data", "8gaussians", "--iters", "6", "--val-every", "3", "--batch", "256",
                "--val-batch", "256", "--no-plot", "--width", "4", "--seed", "1", "--out", cli.toString()));
        SweepTest.assertSameWeights(cli, dir.resolve("out/cells/cell-000"));
    }

    /**
     * Data-parallel training across the two executor JVMs (one core each, so the two barrier tasks run in different
     * JVMs and exchange their gradients over TCP): the model equals cnf4j train's to round-off, and the same run with
     * one task is cnf4j train's bit for bit.
     */
    @Test
    void dataParallelTrainingAcrossExecutorJvms() throws Exception {
        Path dir = Files.createDirectories(Fixtures.root().resolve("cluster-dp"));
        Path cli = DataParallelTrainingTest.cliRun("cluster-cli");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--executors", "2", "--dtype", "float64", "--threads", "1",
                "--out", dir.resolve("two").toString()));
        args.addAll(java.util.List.of(DataParallelTrainingTest.FLAGS));
        Cli c = Cli.run(args.toArray(String[]::new));
        assertEquals(0, c.rc(), c.err());
        double rel = DataParallelTrainingTest.maxRelDiff(cli, dir.resolve("two"));
        assertTrue(rel > 0 && rel < 1e-9, "2 executors against cnf4j train: " + rel);
        args.set(2, "1");
        args.set(args.indexOf(dir.resolve("two").toString()), dir.resolve("one").toString());
        c = Cli.run(args.toArray(String[]::new));
        assertEquals(0, c.rc(), c.err());
        SweepTest.assertSameWeights(cli, dir.resolve("one"));
    }
}
