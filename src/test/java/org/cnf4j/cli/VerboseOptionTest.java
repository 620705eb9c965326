package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --verbose comes from one mixin on every command and adds the stack trace to the one-line error. */
class VerboseOptionTest {
    @TempDir Path dir;

    @Test
    void verboseAddsTheStackTraceOnEveryCommand() {
        String missing = dir.resolve("no-such-run").toString();
        String[][] cmds = {
            {"logp", "--model", missing, "--input", missing, "--output", dir.resolve("o.npy").toString()},
            {"sample", "--model", missing, "-n", "3", "--output", dir.resolve("s.npy").toString()},
            {"eval", "--model", missing},
            {"plot", "--model", missing, "--out", dir.resolve("p.png").toString()},
            {"train", "--out", dir.resolve("r").toString(), "--resume"},
            {"import-otflow", "--weights", missing, "--config", missing, "--out", dir.resolve("i").toString()},
        };
        for (String[] c : cmds) {
            Cli.Result quiet = Cli.run(c);
            assertNotEquals(0, quiet.code(), c[0]);
            assertEquals(1, quiet.err().strip().lines().count(), c[0] + " without --verbose: one line, got " + quiet.err());
            String[] v = java.util.Arrays.copyOf(c, c.length + 1);
            v[c.length] = "--verbose";
            Cli.Result loud = Cli.run(v);
            assertEquals(quiet.code(), loud.code(), c[0]);
            assertTrue(loud.err().contains("\tat org.cnf4j."), c[0] + " with --verbose shows the stack trace: " + loud.err());
            assertTrue(loud.err().strip().endsWith(quiet.err().strip()), c[0] + ": and still ends with the one-line message");
        }
    }
}
