package org.cnf4j.spark;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.cnf4j.spark.cli.SparkMain;

/** Runs cnf4j-spark in process (on the tests' Spark session) and keeps its exit code, stdout and stderr. */
record Cli(int rc, String out, String err) {
    static synchronized Cli run(String... args) {
        Fixtures.spark();
        PrintStream o = System.out, e = System.err;
        ByteArrayOutputStream bo = new ByteArrayOutputStream(), be = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(bo, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(be, true, StandardCharsets.UTF_8));
            rc = SparkMain.execute(args);
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
        Cli c = new Cli(rc, bo.toString(StandardCharsets.UTF_8), be.toString(StandardCharsets.UTF_8));
        o.print(c.out);
        o.print(c.err);
        return c;
    }

    /** The error line cnf4j-spark printed (the last line of stderr that starts with its prefix). */
    String errorLine() {
        return err.lines().filter(l -> l.startsWith("cnf4j-spark: error: ")).reduce((a, b) -> b).orElse("");
    }
}
