package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.cnf4j.testing.TreeSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run directory names its data file by its absolute path with the file's size and SHA-256, so eval and plot find
 * the data from any working directory and notice a file changed since training: eval and resume refuse (exit 1),
 * eval with an explicit --data goes ahead, plot draws the model alone and says why. Runs saved before these fields
 * (a relative path, no fingerprint) keep working.
 */
class DataPathTest {
    static final String[] SMALL = {"--width", "8", "--batch", "100", "--nt", "2", "--nt-val", "2", "--iters", "2", "--no-plot"};

    static Path train(Path csv, Path run) {
        String[] a = java.util.stream.Stream.concat(java.util.stream.Stream.of("train", "--data", csv.toString(), "--out", run.toString()),
                java.util.stream.Stream.of(SMALL)).toArray(String[]::new);
        Cli.Result r = Cli.run(a);
        assertEquals(0, r.code(), r.err());
        return run;
    }

    static JsonNode config(Path run) throws Exception { return new ObjectMapper().readTree(run.resolve("config.json").toFile()); }

    @Test
    void aRelativeDataPathIsSavedAbsoluteWithTheFilesFingerprint(@TempDir Path dir) throws Exception {
        Path csv = TrainCommandTest.gaussianCsv(dir);
        // the JVM cannot change its working directory: name the file relative to the one it has, through a ".."
        Path relative = Path.of("").toAbsolutePath().relativize(dir.resolve("sub/../gauss.csv"));
        assertFalse(relative.isAbsolute());
        Path run = train(relative, dir.resolve("run"));
        JsonNode c = config(run);
        assertEquals(csv.toAbsolutePath().normalize().toString(), c.get("data").asText());
        assertEquals(csv.toString(), c.get("options").get("data").asText());
        byte[] bytes = Files.readAllBytes(csv);
        assertEquals(bytes.length, c.get("data_file").get("size").asLong());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), c.get("data_file").get("sha256").asText());
        Cli.Result e = Cli.run("eval", "--model", run.toString(), "--mmd-n", "20", "--output", dir.resolve("e.json").toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains(csv.toString()), e.out());
    }

    @Test
    void aDataFileChangedSinceTrainingIsNoticed(@TempDir Path dir) throws Exception {
        Path csv = TrainCommandTest.gaussianCsv(dir);
        Path run = train(csv, dir.resolve("run"));
        Files.writeString(csv, "1,2,3\n", StandardOpenOption.APPEND);
        Map<String, String> before = TreeSnapshot.of(dir);

        Cli.Result e = Cli.run("eval", "--model", run.toString(), "--mmd-n", "20");
        assertEquals(1, e.code(), e.err());
        assertEquals("cnf4j: error: " + csv + " has changed since the run was trained (it had " + (Files.size(csv) - 6) + " bytes and has "
                + Files.size(csv) + " now); to evaluate on it as it is now, pass --data " + csv, e.err().strip());
        Cli.Result resume = Cli.run("train", "--out", run.toString(), "--resume", "--iters", "4");
        assertEquals(1, resume.code());
        assertTrue(resume.err().strip().endsWith("resuming would train on other data; restore the file or start a new run"), resume.err());
        assertEquals(before, TreeSnapshot.of(dir), "the refusals wrote nothing (no eval.json, no training)");

        Cli.Result explicit = Cli.run("eval", "--model", run.toString(), "--mmd-n", "20", "--data", csv.toString());
        assertEquals(0, explicit.code(), explicit.err());

        Path png = dir.resolve("p.png");
        Cli.Result p = Cli.run("plot", "--model", run.toString(), "--out", png.toString(), "--samples", "50");
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().startsWith("note: " + csv + " has changed since the run was trained"), p.out());
        assertTrue(p.out().contains("plotted the model without the data"), p.out());
        assertTrue(Files.isRegularFile(png));

        // the same size, other bytes: the SHA-256 tells
        Path other = TrainCommandTest.gaussianCsv(Files.createDirectories(dir.resolve("second")));
        Path run2 = train(other, dir.resolve("run2"));
        byte[] b = Files.readAllBytes(other);
        b[b.length / 2] = (byte) (b[b.length / 2] == '1' ? '2' : '1');
        Files.write(other, b);
        Cli.Result e2 = Cli.run("eval", "--model", run2.toString(), "--mmd-n", "20");
        assertEquals(1, e2.code());
        assertTrue(e2.err().contains("its SHA-256 differs (same size, " + b.length + " bytes)"), e2.err());
    }

    @Test
    void plotSaysWhenTheRunsDataAreGone(@TempDir Path dir) throws Exception {
        Path csv = TrainCommandTest.gaussianCsv(dir);
        Path run = train(csv, dir.resolve("run"));
        Files.delete(csv);
        Cli.Result p = Cli.run("plot", "--model", run.toString(), "--out", dir.resolve("p.png").toString(), "--samples", "50");
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().startsWith("note: the run's data " + csv + " are not available here"), p.out());
    }

    @Test
    void runsSavedBeforeAbsolutePathsAndFingerprintsStillWork(@TempDir Path dir) throws Exception {
        Path csv = TrainCommandTest.gaussianCsv(dir);
        Path run = train(csv, dir.resolve("run"));
        ObjectMapper om = new ObjectMapper();
        ObjectNode c = (ObjectNode) config(run);
        c.remove("data_file");
        c.put("data", Path.of("").toAbsolutePath().relativize(csv).toString());   // as typed, relative to where it ran
        Files.writeString(run.resolve("config.json"), om.writeValueAsString(c));
        Files.writeString(csv, "1,2,3\n", StandardOpenOption.APPEND);   // nothing to compare against: not noticed
        assertEquals(0, Cli.run("eval", "--model", run.toString(), "--mmd-n", "20").code());
        Cli.Result p = Cli.run("plot", "--model", run.toString(), "--out", dir.resolve("p.png").toString(), "--samples", "50");
        assertEquals(0, p.code(), p.err());
        assertFalse(p.out().contains("note:"), p.out());
        assertEquals(0, Cli.run("train", "--out", run.toString(), "--resume", "--iters", "3").code());
    }
}
