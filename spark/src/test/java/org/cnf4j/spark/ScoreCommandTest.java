package org.cnf4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** cnf4j-spark score: formats in and out, bad rows, atomic output, exit codes. */
class ScoreCommandTest {
    static Path run, dir;
    static double[][] rows;
    static double[] expected;

    @BeforeAll
    static void setUp() throws IOException {
        run = Fixtures.otflowRun();
        dir = Files.createDirectories(Fixtures.root().resolve("score-cli"));
        rows = Fixtures.gaussianRows(300, 21);
        expected = Fixtures.cliLogp(run, Fixtures.writeCsv(dir.resolve("plain.csv"), rows));
    }

    /** id,a,b,c (or a,b,c with no header) as text, each number in Java's round-trip form. */
    static Path csv(String name, boolean header, boolean id) throws IOException {
        StringBuilder sb = new StringBuilder(header ? (id ? "id,a,b,c\n" : "a,b,c\n") : "");
        for (int i = 0; i < rows.length; i++) {
            if (id) sb.append(i).append(',');
            sb.append(rows[i][0]).append(',').append(rows[i][1]).append(',').append(rows[i][2]).append('\n');
        }
        return Files.writeString(dir.resolve(name), sb.toString());
    }

    static String key(Object a, Object b, Object c) { return a + "," + b + "," + c; }

    /** logp of row i (by key) against cnf4j logp, bit for bit. */
    static void checkByKey(List<Row> out, java.util.function.Function<Row, String> key) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < rows.length; i++) index.put(key(rows[i][0], rows[i][1], rows[i][2]), i);
        assertEquals(rows.length, out.size());
        for (Row r : out) {
            Integer i = index.get(key.apply(r));
            double got = r.get(r.fieldIndex("logp")) instanceof String s ? Double.parseDouble(s) : r.<Double>getAs("logp");
            assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(got), "row " + i);
        }
    }

    @Test
    void csvWithHeaderToCsvWithHeader() throws IOException {
        Path in = csv("with-header.csv", true, true);
        Path out = dir.resolve("out-header");
        Cli c = Cli.run("score", "--model", run.toString(), "--input", in.toString(), "--output", out.toString(), "--columns", "a,b,c",
                "--format", "csv", "--master", "local[2]", "--partitions", "3");
        assertEquals(0, c.rc(), c.err());
        assertTrue(c.out().startsWith("scored 300 rows (0 bad) of d=3 from "), c.out());
        List<Path> parts = parts(out, ".csv");
        assertFalse(parts.isEmpty());
        for (Path p : parts) assertEquals("id,a,b,c,logp,logp_error", Files.readAllLines(p).get(0));
        Dataset<Row> back = Fixtures.spark().read().option("header", true).csv(out.toString());
        checkByKey(back.collectAsList(), r -> key(r.getAs("a"), r.getAs("b"), r.getAs("c")));
    }

    @Test
    void csvWithoutHeaderToParquet() throws IOException {
        Path in = csv("no-header.csv", false, false);
        Path out = dir.resolve("out-noheader.parquet");
        Cli c = Cli.run("score", "--model", run.toString(), "--input", in.toString(), "--output", out.toString(), "--master", "local[2]");
        assertEquals(0, c.rc(), c.err());
        Dataset<Row> back = Fixtures.spark().read().parquet(out.toString());
        assertEquals(List.of("_c0", "_c1", "_c2", "logp", "logp_error"), List.of(back.columns()));
        checkByKey(back.collectAsList(), r -> key(r.getAs("_c0"), r.getAs("_c1"), r.getAs("_c2")));
    }

    /** Parquet, ORC and JSON inputs (numeric columns) give the same numbers. */
    @Test
    void parquetOrcAndJsonInputs() throws IOException {
        Dataset<Row> df = Fixtures.frame(rows, 2);
        for (String f : List.of("parquet", "orc", "json")) {
            Path in = dir.resolve("in." + f);
            df.write().format(f).save(in.toString());
            Path out = dir.resolve("out-from-" + f);
            Cli c = Cli.run("score", "--model", run.toString(), "--input", in.toString(), "--output", out.toString(), "--columns", "a,b,c");
            assertEquals(0, c.rc(), f + ": " + c.err());
            Dataset<Row> back = Fixtures.spark().read().parquet(out.toString());
            checkByKey(back.collectAsList(), r -> key(r.getAs("a"), r.getAs("b"), r.getAs("c")));
        }
        // a folder whose name says nothing: the format of its part files
        Path plain = dir.resolve("parts");
        df.write().format("orc").save(plain.toString());
        Cli c = Cli.run("score", "--model", run.toString(), "--input", plain.toString(), "--output", dir.resolve("out-parts").toString(), "--columns", "a,b,c");
        assertEquals(0, c.rc(), c.err());
        assertTrue(c.out().contains("scored 300 rows (0 bad)"), c.out());
        Path unknown = Files.createDirectories(dir.resolve("unknown"));
        Files.writeString(unknown.resolve("data.bin"), "1,2,3\n");
        c = Cli.run("score", "--model", run.toString(), "--input", unknown.toString(), "--output", dir.resolve("never2").toString());
        assertEquals(2, c.rc());
        assertTrue(c.errorLine().endsWith("cannot tell its format from the name; give --input-format parquet|csv|orc|json"), c.errorLine());
    }

    static final String BAD_CSV = "a,b,c\n10,-3,0.5\n10,-3\n10,abc,0.5\n11,-3,0.5,7\n,-3,0.5\n9,-2,nan\n";

    @Test
    void badRowsInCsvGiveNullAndReasons() throws IOException {
        Path in = Files.writeString(dir.resolve("bad.csv"), BAD_CSV);
        Path out = dir.resolve("out-bad");
        Cli c = Cli.run("score", "--model", run.toString(), "--input", in.toString(), "--output", out.toString(), "--format", "csv");
        assertEquals(0, c.rc(), c.err());
        assertTrue(c.out().startsWith("scored 6 rows (5 bad)"), c.out());
        List<Row> back = Fixtures.spark().read().option("header", true).csv(out.toString()).collectAsList();
        Map<String, String> reasons = new HashMap<>();
        for (Row r : back) reasons.put(key(r.getAs("a"), r.getAs("b"), r.getAs("c")), r.getAs("logp_error"));
        assertNull(reasons.get("10,-3,0.5"));
        assertTrue(reasons.get("10,-3,null").startsWith("malformed record (wrong number of fields?): '10,-3'"), reasons.toString());
        assertEquals("column 'b': 'abc' is not a number", reasons.get("10,abc,0.5"));
        assertEquals("malformed record (wrong number of fields?): '11,-3,0.5,7'", reasons.get("11,-3,0.5"));
        assertEquals("column 'a' is null (empty or missing)", reasons.get("null,-3,0.5"));
        assertEquals("column 'c' is NaN", reasons.get("9,-2,nan"));
        double good = Fixtures.cliLogp(run, Fixtures.writeCsv(dir.resolve("one.csv"), new double[][] {{10, -3, 0.5}}))[0];
        assertTrue(back.stream().anyMatch(r -> r.getAs("logp") != null && Double.parseDouble(r.getAs("logp")) == good));
    }

    /** --on-bad-row fail: exit 1, one line naming the row, nothing at --output and no temporary left beside it. */
    @Test
    void failOnBadRowLeavesNothing() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("fail"));
        Path in = Files.writeString(sub.resolve("bad.csv"), BAD_CSV);
        Path out = sub.resolve("out");
        Cli c = Cli.run("score", "--model", run.toString(), "--input", in.toString(), "--output", out.toString(), "--on-bad-row", "fail");
        assertEquals(1, c.rc(), c.err());
        assertEquals("cnf4j-spark: error: bad input row 2 of partition 0: malformed record (wrong number of fields?): '10,-3'; fix or drop it, "
                + "or give it a null log-density with --on-bad-row null", c.errorLine());
        assertFalse(Files.exists(out));
        try (Stream<Path> s = Files.list(sub)) {
            assertEquals(List.of(in), s.toList());
        }
    }

    @Test
    void usageAndDataErrors() throws IOException {
        Path in = csv("usage.csv", true, true);
        String m = run.toString(), i = in.toString();
        String o = dir.resolve("never").toString();
        Cli c = Cli.run("score", "--model", m, "--input", i, "--output", o);
        assertEquals(2, c.rc());
        assertTrue(c.errorLine().startsWith("cnf4j-spark: error: the input has 4 column(s) [id, a, b, c] but the model has dimension d=3"), c.errorLine());
        c = Cli.run("score", "--model", m, "--input", i, "--output", o, "--columns", "a,b,q");
        assertEquals(2, c.rc());
        assertTrue(c.errorLine().startsWith("cnf4j-spark: error: no column 'q' in the input"), c.errorLine());
        c = Cli.run("score", "--model", m, "--input", i, "--output", dir.toString(), "--columns", "a,b,c");
        assertEquals(2, c.rc());
        assertTrue(c.errorLine().endsWith("exists; remove it or choose another path"), c.errorLine());
        c = Cli.run("score", "--model", m, "--input", i, "--output", o, "--format", "xls");
        assertEquals(2, c.rc());
        assertEquals("cnf4j-spark: error: unknown --format 'xls': use parquet, csv, orc or json", c.errorLine());
        c = Cli.run("score", "--model", m, "--input", i, "--output", o, "--on-bad-row", "skip");
        assertEquals(2, c.rc());
        c = Cli.run("score", "--model", m, "--input", i);
        assertEquals(2, c.rc());
        assertTrue(c.errorLine().contains("Missing required option: '--output=PATH'"), c.errorLine());
        c = Cli.run("score", "--model", dir.resolve("no-such-run").toString(), "--input", i, "--output", o);
        assertEquals(1, c.rc());
        assertTrue(c.errorLine().contains("run directory not found"), c.errorLine());
        c = Cli.run("score", "--model", m, "--input", dir.resolve("missing.csv").toString(), "--output", o);
        assertEquals(1, c.rc());
        assertTrue(c.errorLine().endsWith("missing.csv: file not found; check --input"), c.errorLine());
        assertFalse(Files.exists(Path.of(o)));
    }

    static List<Path> parts(Path out, String ext) throws IOException {
        try (Stream<Path> s = Files.list(out)) {
            return s.filter(p -> p.getFileName().toString().startsWith("part-") && p.getFileName().toString().endsWith(ext)).sorted().toList();
        }
    }
}
