package org.cnf4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class FlowScorerTest {

    /** logp of every row equals cnf4j logp's, bit for bit, for several partitionings and block sizes. */
    @Test
    void otflowMatchesCnf4jLogpBitForBit() throws Exception {
        checkAgainstCli(Fixtures.otflowRun());
    }

    @Test
    void jkoMatchesCnf4jLogpBitForBit() throws Exception {
        checkAgainstCli(Fixtures.jkoRun());
    }

    private static void checkAgainstCli(Path run) throws Exception {
        double[][] rows = Fixtures.gaussianRows(1000, 11);
        double[] expected = Fixtures.cliLogp(run, Fixtures.writeCsv(Fixtures.root().resolve("rows-" + run.getFileName() + ".csv"), rows));
        for (int[] pb : new int[][] {{1, 4096}, {3, 7}, {4, 1}}) {
            List<Row> got = FlowScorer.of(run).withColumns("a", "b", "c").withBlockRows(pb[1])
                    .transform(Fixtures.frame(rows, pb[0])).collectAsList();
            assertEquals(rows.length, got.size());
            for (Row r : got) {
                int i = (int) r.getLong(0);
                assertNull(r.getAs("logp_error"));
                assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(r.<Double>getAs("logp")),
                        "row " + i + " with " + pb[0] + " partitions, blocks of " + pb[1] + ": " + expected[i] + " vs " + r.getAs("logp"));
            }
        }
    }

    private static StructType strings(String... names) {
        StructType t = new StructType();
        for (String n : names) t = t.add(n, DataTypes.StringType, true);
        return t;
    }

    /** Bad rows get a null logp and a reason; the good rows among them get cnf4j logp's numbers. */
    @Test
    void badRowsGiveNullWithAReason() throws Exception {
        Path run = Fixtures.otflowRun();
        List<Row> in = List.of(
                RowFactory.create("0", "10.5", "-3", "0.25"),
                RowFactory.create("1", "abc", "-3", "0.25"),
                RowFactory.create("2", null, "-3", "0.25"),
                RowFactory.create("3", "NaN", "-3", "0.25"),
                RowFactory.create("4", "9", "-inf", "0.25"),
                RowFactory.create("5", "9", "-2.5", "1d"),
                RowFactory.create("6", " 8.75 ", "-2", "0"),
                RowFactory.create("7", "9", "", "0"));
        Dataset<Row> df = Fixtures.spark().createDataFrame(in, strings("id", "a", "b", "c"));
        List<Row> got = new ArrayList<>(FlowScorer.of(run).withColumns("a", "b", "c").transform(df).collectAsList());
        got.sort((p, q) -> p.getString(0).compareTo(q.getString(0)));
        double[] expected = Fixtures.cliLogp(run, Fixtures.writeCsv(Fixtures.root().resolve("good.csv"), new double[][] {{10.5, -3, 0.25}, {8.75, -2, 0}}));
        assertEquals(Double.doubleToRawLongBits(expected[0]), Double.doubleToRawLongBits(got.get(0).<Double>getAs("logp")));
        assertEquals(Double.doubleToRawLongBits(expected[1]), Double.doubleToRawLongBits(got.get(6).<Double>getAs("logp")));
        String[] reasons = {null, "column 'a': 'abc' is not a number", "column 'a' is null (empty or missing)", "column 'a' is NaN",
            "column 'b' is -infinity", "column 'c': '1d' is not a number", null, "column 'b' is empty"};
        for (int i = 0; i < reasons.length; i++) {
            assertEquals(reasons[i], got.get(i).getAs("logp_error"), "row " + i);
            if (reasons[i] != null) assertNull(got.get(i).getAs("logp"), "row " + i);
        }
    }

    /** Under BadRows.FAIL the job fails with a BadRowException naming the row and the problem. */
    @Test
    void badRowFailsTheJobWithAClearMessage() throws Exception {
        Dataset<Row> df = Fixtures.spark().createDataFrame(List.of(RowFactory.create("1", "2", "3"), RowFactory.create("4", "x5", "6")),
                strings("a", "b", "c")).coalesce(1);
        Dataset<Row> scored = FlowScorer.of(Fixtures.otflowRun()).onBadRow(FlowScorer.BadRows.FAIL).transform(df);
        assertEquals(List.of("a", "b", "c", "logp"), Arrays.asList(scored.columns()));
        Exception e = assertThrows(Exception.class, scored::collectAsList);
        BadRowException bad = null;
        for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof BadRowException b) bad = b;
        assertNotNull(bad, e.toString());
        assertEquals("bad input row 2 of partition 0: column 'b': 'x5' is not a number; fix or drop it, or give it a null log-density "
                + "with --on-bad-row null", bad.getMessage());
    }

    /** Integer, float and decimal columns are read as their double values. */
    @Test
    void numericColumnsOfAnyType() throws Exception {
        Path run = Fixtures.otflowRun();
        StructType t = new StructType().add("a", DataTypes.IntegerType).add("b", DataTypes.FloatType).add("c", DataTypes.createDecimalType(10, 3));
        Dataset<Row> df = Fixtures.spark().createDataFrame(List.of(RowFactory.create(11, -2.5f, new BigDecimal("0.125"))), t);
        double[] expected = Fixtures.cliLogp(run, Fixtures.writeCsv(Fixtures.root().resolve("types.csv"), new double[][] {{11, -2.5, 0.125}}));
        Row r = FlowScorer.of(run).transform(df).first();
        assertEquals(Double.doubleToRawLongBits(expected[0]), Double.doubleToRawLongBits(r.<Double>getAs("logp")));
    }

    /** Column mistakes are IllegalArgumentExceptions before anything runs. */
    @Test
    void columnMistakesAreUsageErrors() throws Exception {
        FlowScorer s = FlowScorer.of(Fixtures.otflowRun());
        Dataset<Row> df = Fixtures.frame(Fixtures.gaussianRows(5, 1), 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.transform(df)).getMessage()
                .startsWith("the input has 4 column(s) [id, a, b, c] but the model has dimension d=3"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.withColumns("a", "b", "z").transform(df)).getMessage()
                .startsWith("no column 'z' in the input"));
        assertThrows(IllegalArgumentException.class, () -> s.withColumns("a", "b").transform(df));
        assertEquals("--columns lists 'a' twice; each of the model's 3 coordinates needs its own column",
                assertThrows(IllegalArgumentException.class, () -> s.withColumns("a", "b", "a").transform(df)).getMessage());
        Dataset<Row> bools = Fixtures.spark().createDataFrame(List.of(RowFactory.create(true, 1.0, 2.0)),
                new StructType().add("a", DataTypes.BooleanType).add("b", DataTypes.DoubleType).add("c", DataTypes.DoubleType));
        assertEquals("column 'a' has type boolean; the model needs numbers (or strings of numbers)",
                assertThrows(IllegalArgumentException.class, () -> FlowScorer.of(Fixtures.otflowRun()).transform(bools)).getMessage());
        Dataset<Row> taken = df.withColumnRenamed("id", "logp");
        assertThrows(IllegalArgumentException.class, () -> FlowScorer.of(Fixtures.otflowRun()).withColumns("a", "b", "c").transform(taken));
    }

    /** The JVM builds a model's engine once and every partition (and a second job) reuses it. */
    @Test
    void oneEnginePerJvmAcrossPartitions() throws Exception {
        EngineSpec spec = new EngineSpec("cpu", "float64", 3);
        int before = ExecutorModels.built();
        FlowScorer s = FlowScorer.of(Fixtures.jkoRun()).withColumns("a", "b", "c").withEngine(spec);
        assertEquals(300, s.transform(Fixtures.frame(Fixtures.gaussianRows(300, 5), 6)).count());
        assertEquals(before + 1, ExecutorModels.built());
        s.transform(Fixtures.frame(Fixtures.gaussianRows(50, 6), 4)).collectAsList();
        assertEquals(before + 1, ExecutorModels.built());
    }

    /**
     * The PyTorch reference's swissroll weights (d=2, m=32), whose GEMM shapes made partial BLAS tiles matter: rows
     * scored in 3 partitions and blocks of 100 get cnf4j logp's numbers for the whole file, bit for bit.
     */
    @Test
    void referenceWeightsInBlocksMatchTheWholeFile() throws Exception {
        Path ref = Path.of("..", "src", "test", "resources", "reference", "otflow", "swissroll");
        Path run = Fixtures.root().resolve("swissroll");
        if (!java.nio.file.Files.isDirectory(run)) {
            assertEquals(0, org.cnf4j.cli.Main.execute("import-otflow", "--weights", ref.resolve("weights").toString(),
                    "--config", ref.resolve("config.json").toString(), "--out", run.toString()));
        }
        java.util.Random r = new java.util.Random(3);
        double[][] rows = new double[1500][2];
        for (double[] row : rows) { row[0] = 2 * r.nextGaussian(); row[1] = 2 * r.nextGaussian(); }
        Path csv = Fixtures.root().resolve("swissroll-rows.csv");
        StringBuilder sb = new StringBuilder("a,b\n");
        List<Row> in = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            sb.append(rows[i][0]).append(',').append(rows[i][1]).append('\n');
            in.add(RowFactory.create((long) i, rows[i][0], rows[i][1]));
        }
        java.nio.file.Files.writeString(csv, sb.toString());
        double[] expected = Fixtures.cliLogp(run, csv);
        StructType t = new StructType().add("id", DataTypes.LongType).add("a", DataTypes.DoubleType).add("b", DataTypes.DoubleType);
        List<Row> got = FlowScorer.of(run).withColumns("a", "b").withBlockRows(100)
                .transform(Fixtures.spark().createDataFrame(in, t).repartition(3)).collectAsList();
        assertEquals(rows.length, got.size());
        for (Row row : got) {
            int i = (int) row.getLong(0);
            assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(row.<Double>getAs("logp")), "row " + i);
        }
    }

    /** withNt and standardised are cnf4j logp's --nt and --standardised. */
    @Test
    void ntAndStandardisedAsCnf4jLogp() throws Exception {
        Path run = Fixtures.otflowRun();
        double[][] rows = Fixtures.gaussianRows(40, 13);
        for (double[] r : rows) for (int j = 0; j < r.length; j++) r[j] /= 10;
        Path csv = Fixtures.writeCsv(Fixtures.root().resolve("nt-std.csv"), rows);
        double[] expected = Fixtures.cliLogp(run, csv, "--nt", "3", "--standardised");
        List<Row> got = FlowScorer.of(run).withColumns("a", "b", "c").withNt(3).standardised(true).transform(Fixtures.frame(rows, 2)).collectAsList();
        for (Row r : got) {
            int i = (int) r.getLong(0);
            assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(r.<Double>getAs("logp")), "row " + i);
        }
        double[] plain = Fixtures.cliLogp(run, csv);
        assertTrue(plain[0] != expected[0]);
    }
}
