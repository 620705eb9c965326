package org.cnf4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.cnf4j.api.Cnf4j;
import org.cnf4j.api.FittedFlow;
import org.cnf4j.format.MatrixFile;

/** What the Spark tests share: one local[2] session, small trained runs (OT-Flow and JKO-Flow, d = 3) and data. */
final class Fixtures {
    static final int D = 3;
    private static SparkSession spark;
    private static Path otflow, jko, root;

    private Fixtures() {}

    /** The tests' Spark session: local[2,2] (two threads; a failed task is tried twice), no UI, few shuffle partitions. */
    static synchronized SparkSession spark() {
        if (spark == null || spark.sparkContext().isStopped()) {
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
            spark = SparkSession.builder().master("local[2,2]").appName("cnf4j-spark-tests")
                    .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                    .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                    .getOrCreate();
        }
        return spark;
    }

    /** Stops the shared session (a test that needs another master starts its own; the next spark() makes a new one). */
    static synchronized void stopSpark() {
        if (spark != null) spark.stop();
        spark = null;
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    static synchronized Path root() throws IOException {
        if (root == null) {
            root = Files.createTempDirectory("cnf4j-spark-test-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(root)));
        }
        return root;
    }

    /** An OT-Flow run fitted to {@link #trainingRows} (standardised: its preprocessing is not the identity). */
    static synchronized Path otflowRun() throws IOException {
        if (otflow == null) {
            otflow = root().resolve("otflow");
            try (FittedFlow f = Cnf4j.otFlow().width(8).iterations(12).validateEvery(6).seed(1).fit(trainingRows())) {
                f.save(otflow);
            }
        }
        return otflow;
    }

    /** A JKO-Flow run with two maps on the same rows. */
    static synchronized Path jkoRun() throws IOException {
        if (jko == null) {
            jko = root().resolve("jko");
            try (FittedFlow f = Cnf4j.jkoFlow(2).width(8).iterations(6).validateEvery(3).seed(2).fit(trainingRows())) {
                f.save(jko);
            }
        }
        return jko;
    }

    /** 400 rows of a correlated, shifted Gaussian in d = 3. */
    static double[][] trainingRows() { return gaussianRows(400, 7); }

    static double[][] gaussianRows(int n, long seed) {
        Random r = new Random(seed);
        double[][] x = new double[n][D];
        for (double[] row : x) {
            double a = r.nextGaussian(), b = r.nextGaussian(), c = r.nextGaussian();
            row[0] = 10 + 2 * a;
            row[1] = -3 + a + 0.5 * b;
            row[2] = 0.1 * c + 0.3 * a * b;
        }
        return x;
    }

    /** Writes rows as a CSV file with header a,b,c (as cnf4j logp reads it). */
    static Path writeCsv(Path file, double[][] rows) throws IOException {
        double[] flat = new double[rows.length * D];
        for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, flat, i * D, D);
        MatrixFile.write(file, flat, rows.length, D, List.of("a", "b", "c"));
        return file;
    }

    /** The rows as a Dataset (id, a, b, c) in {@code partitions} partitions. */
    static Dataset<Row> frame(double[][] rows, int partitions) {
        List<Row> list = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) list.add(RowFactory.create((long) i, rows[i][0], rows[i][1], rows[i][2]));
        StructType schema = DataTypes.createStructType(new StructField[] {
            DataTypes.createStructField("id", DataTypes.LongType, false),
            DataTypes.createStructField("a", DataTypes.DoubleType, false),
            DataTypes.createStructField("b", DataTypes.DoubleType, false),
            DataTypes.createStructField("c", DataTypes.DoubleType, false)});
        return spark().createDataFrame(list, schema).repartition(partitions);
    }

    /** What {@code cnf4j logp} writes for the rows of {@code csv} (through the core's command line, in process). */
    static double[] cliLogp(Path run, Path csv, String... extra) throws IOException {
        Path out = Files.createTempFile(root(), "logp-", ".npy");
        Files.delete(out);
        List<String> args = new ArrayList<>(List.of("logp", "--model", run.toString(), "--input", csv.toString(), "--output", out.toString()));
        args.addAll(List.of(extra));
        int rc = org.cnf4j.cli.Main.execute(args.toArray(new String[0]));
        if (rc != 0) throw new IllegalStateException("cnf4j logp exited with " + rc);
        return MatrixFile.read(out).data();
    }

    static void deleteQuietly(Path p) {
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort at exit
        }
    }
}
