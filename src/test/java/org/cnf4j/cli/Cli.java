package org.cnf4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs Main.execute with stdout and stderr captured. */
final class Cli {
    record Result(int code, String out, String err) {}

    private Cli() {}

    /** Imports the swissroll reference model (d = 2) as run directory {@code run}, asserting that it worked. */
    static java.nio.file.Path importSwissroll(java.nio.file.Path run) {
        java.nio.file.Path ref = org.cnf4j.testing.Fixtures.swissroll();
        Result r = run("import-otflow", "--weights", ref.resolve("weights").toString(), "--config", ref.resolve("config.json").toString(), "--out", run.toString());
        org.junit.jupiter.api.Assertions.assertEquals(0, r.code(), r.err());
        return run;
    }

    static synchronized Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.execute(args);
        } finally {
            System.out.flush();
            System.err.flush();
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
