package org.cnf4j.cli;

import static org.cnf4j.cli.BadInputTest.fails;
import static org.cnf4j.cli.BadInputTest.frag;
import static org.cnf4j.testing.Fixtures.swissroll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.cnf4j.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's exit codes (2: unusable file contents and other usage errors; 1: missing or unreadable files) and
 * one-line messages that say what is wrong in the user's terms: no Java object names, no reformatted dates, no
 * temporary file names, no "file not found" for a file that is there; and outputs readable like any new file.
 */
class ExitCodesAndMessagesTest {
    @TempDir static Path dir;
    static Path model;

    @BeforeAll
    static void importModel() {
        model = Cli.importSwissroll(dir.resolve("model"));
    }

    private static String[] logp(Path in, Path out) {
        return new String[] {"logp", "--model", model.toString(), "--input", in.toString(), "--output", out.toString()};
    }

    @Test
    void noCommandPrintsTheUsageOnStderrAndExits2() {
        Cli.Result r = Cli.run();
        assertEquals(2, r.code());
        assertEquals("", r.out(), "nothing on stdout: a script piping cnf4j's output gets no usage text as data");
        assertTrue(r.err().contains("Usage: cnf4j") && r.err().contains("Commands:") && r.err().contains("train"), r.err());
        assertEquals(0, Cli.run("--help").code(), "asking for help is not an error");
    }

    @Test
    void anUnsupportedNpyDtypeIsAUsageError() throws Exception {
        // a valid float16 file: '<f2' is not among the dtypes we read
        String dict = "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }";
        String header = dict + " ".repeat(63 - (10 + dict.length()) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length()).put(header.getBytes(StandardCharsets.ISO_8859_1));
        Path f16 = Files.write(dir.resolve("half.npy"), b.array());
        Path out = dir.resolve("never-half.csv");
        fails(2, frag("half.npy", "unsupported .npy dtype '<f2'", "astype('float64')"), logp(f16, out));
        fails(2, frag("half.npy", "'<f2'"), BadInputTest.train(f16, dir.resolve("never-half")));
        assertFalse(Files.exists(out) || Files.exists(dir.resolve("never-half")));
    }

    @Test
    void aGzippedCsvIsAUsageError() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(BadInputTest.csvRows(50, 2).getBytes(StandardCharsets.UTF_8));
        }
        Path f = Files.write(dir.resolve("rows.csv.gz"), gz.toByteArray());
        fails(2, frag("rows.csv.gz", "gzip-compressed", "gunzip -c"), BadInputTest.train(f, dir.resolve("never-gz")));
        fails(2, frag("rows.csv.gz", "gzip"), logp(f, dir.resolve("never-gz.csv")));
        fails(2, frag("rows.csv.gz", "gzip"), "eval", "--model", model.toString(), "--data", f.toString());
        assertFalse(Files.exists(dir.resolve("never-gz")) || Files.exists(dir.resolve("never-gz.csv")));
    }

    @Test
    void aLoopOfSymbolicLinksIsNamedAsSuch() throws Exception {
        Path a = dir.resolve("loop-a"), b = dir.resolve("loop-b");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        String[][] commands = {
            logp(a, dir.resolve("never-loop.csv")),
            BadInputTest.train(a, dir.resolve("never-loop")),
            {"train", "--data", "8gaussians", "--out", dir.resolve("never-loop").toString(), "--config", a.toString()},
            {"eval", "--model", a.toString()},
            {"import-otflow", "--weights", a.toString(), "--config", swissroll().resolve("config.json").toString(), "--out", dir.resolve("never-loop").toString()},
        };
        for (String[] c : commands) {
            String err = fails(1, frag("loop-a", "too many levels of symbolic links"), c);
            assertFalse(err.contains("not found"), err);
        }
        assertFalse(Files.exists(dir.resolve("never-loop")) || Files.exists(dir.resolve("never-loop.csv")));
        // a file walk reports the loop as FileSystemLoopException, whose own message is only the path
        assertTrue(Main.message(new FileSystemLoopException("/x/y")).startsWith("/x/y: too many levels of symbolic links"));
    }

    @Test
    void aFileWhereAFolderIsNeededIsNamedAsSuch() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x\n");
        fails(1, frag("not-a-folder: already exists as a file, where a folder is needed"),
                "experiment", "quality", "--data", "mixture16", "--seeds", "0", "--time-budget", "1s", "--out", file.toString());
        assertEquals("x\n", Files.readString(file));
        // the other path-only exceptions get their reason too
        assertEquals("/x: not a folder, where one is needed", Main.message(new java.nio.file.NotDirectoryException("/x")));
        assertEquals("/x: folder not empty", Main.message(new java.nio.file.DirectoryNotEmptyException("/x")));
    }

    /** A full disk (checked by hand on a 120 KB tmpfs: the run kept its checkpoint and resumed) says what to do next. */
    @Test
    void aFullDiskSaysToFreeSpaceAndResume() {
        assertEquals("cannot write /r/checkpoint.bin (No space left on device); free some space on that disk and run the command again "
                + "(a training run continues with train --out RUN_DIR --resume)",
                Main.message(new java.io.IOException("cannot write /r/checkpoint.bin (No space left on device)")));
    }

    @Test
    void yamlValuesThatAreNotOptionValuesAreNamedNotPrintedAsJavaObjects() throws Exception {
        Path out = dir.resolve("never-yaml");
        Path binary = Files.writeString(dir.resolve("binary.yaml"), "width: !!binary aGVsbG8=\n");
        String e1 = fails(2, frag("binary.yaml", "option 'width'", "a binary value is not a valid option value"),
                "train", "--data", "8gaussians", "--out", out.toString(), "--config", binary.toString());
        assertFalse(e1.contains("[B@"), e1);
        // a YAML timestamp stays the text the user wrote, not a Date in the JVM's zone ("Fri Dec 14 00:00:00 UTC 2001")
        Path date = Files.writeString(dir.resolve("date.yaml"), "seed: 2001-12-14\n");
        String e2 = fails(2, frag("date.yaml", "'2001-12-14' is not a valid long"), "train", "--data", "8gaussians", "--out", out.toString(), "--config", date.toString());
        assertFalse(e2.contains("UTC") || e2.contains("Dec"), e2);
        Path set = Files.writeString(dir.resolve("set.yaml"), "alpha: !!set {1, 2}\n");
        fails(2, frag("set.yaml", "a set is not a valid option value"), "train", "--data", "8gaussians", "--out", out.toString(), "--config", set.toString());
        Path key = Files.writeString(dir.resolve("key.yaml"), "? !!binary aGVsbG8=\n: 3\n");
        fails(2, frag("key.yaml", "a binary value is not an option name"), "train", "--data", "8gaussians", "--out", out.toString(), "--config", key.toString());
        assertFalse(Files.exists(out));
    }

    @Test
    void messagesNameTheOutputNotItsTemporaryFile() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("eval-out.json"));
        String err = fails(2, frag("--output", "eval-out.json", "is a directory"), "eval", "--model", model.toString(), "--data", "swissroll", "--mmd-n", "10",
                "--output", folder.toString());
        assertFalse(err.contains(".tmp"), err);
        // a name at the file-system limit: the temporary beside it must not be what makes the write fail
        Path longName = dir.resolve("l".repeat(250) + ".csv");
        Cli.Result r = Cli.run(logp(swissroll().resolve("inputs.npy"), longName));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(longName));
    }

    @Test
    void outputsAndRunFilesHaveThePermissionsOfAPlainNewFile() throws Exception {
        var plain = Fixtures.plainFilePermissions(dir);
        Path run = dir.resolve("perm-run");
        assertEquals(0, Cli.run("train", "--data", "8gaussians", "--out", run.toString(), "--width", "8", "--batch", "64", "--val-batch", "64",
                "--nt", "2", "--nt-val", "2", "--iters", "2").code());
        Path logpOut = dir.resolve("perm-logp.csv"), sampleOut = dir.resolve("perm-sample.npy"), evalOut = dir.resolve("perm-eval.json"), png = dir.resolve("perm.png");
        assertEquals(0, Cli.run(logp(swissroll().resolve("inputs.npy"), logpOut)).code());
        assertEquals(0, Cli.run("sample", "--model", run.toString(), "-n", "5", "--output", sampleOut.toString()).code());
        assertEquals(0, Cli.run("eval", "--model", run.toString(), "--mmd-n", "10", "--max-test", "50", "--output", evalOut.toString()).code());
        assertEquals(0, Cli.run("plot", "--model", run.toString(), "--out", png.toString(), "--samples", "50", "--grid", "10").code());
        for (Path f : new Path[] {logpOut, sampleOut, evalOut, png, run.resolve("config.json"), run.resolve("log.csv"), run.resolve("checkpoint.bin"),
            run.resolve("plot.png"), run.resolve("weights").resolve("A.npy")}) {
            assertEquals(plain, Files.getPosixFilePermissions(f), f.toString());
        }
    }
}
