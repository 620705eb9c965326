package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnf4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./cnf4j} launcher, called through symbolic links. It runs a copy of the real script in a folder laid
 * out like the repository, with a jar newer than the sources (so it builds nothing) and a stand-in {@code java} on
 * the PATH that prints its arguments: deterministic, and independent of whether {@code mvn package} has run. (The
 * end-to-end check with the real jar is in docs/RELIABILITY.md.)
 */
class LauncherScriptTest {
    @TempDir Path dir;

    private static String run(Path script, Path cwd, Path fakeBin, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().put("PATH", fakeBin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void theScriptParses() throws Exception {
        Process p = new ProcessBuilder("bash", "-n", Fixtures.root().resolve("cnf4j").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }

    @Test
    void calledThroughSymbolicLinksItFindsItsOwnJar() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("checkout"));
        Path script = Files.copy(Fixtures.root().resolve("cnf4j"), repo.resolve("cnf4j"));
        Files.createDirectories(repo.resolve("src/main"));
        Files.writeString(repo.resolve("pom.xml"), "<project/>");
        Files.createDirectories(repo.resolve("target/lib"));
        Path jar = Files.writeString(repo.resolve("target/cnf4j.jar"), "not a real jar");
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
        Files.setLastModifiedTime(repo.resolve("pom.xml"), old);
        Files.setLastModifiedTime(repo.resolve("src/main"), old);
        Path bin = Files.createDirectories(dir.resolve("fake-bin"));
        Path java = Files.writeString(bin.resolve("java"), "#!/usr/bin/env bash\necho \"java $*\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));

        // a link from elsewhere (as in ~/bin/cnf4j), and a relative link to that link, called from a third folder
        Path home = Files.createDirectories(dir.resolve("home/bin"));
        Path link = Files.createSymbolicLink(home.resolve("cnf4j"), script);
        Path chained = Files.createSymbolicLink(dir.resolve("home/c4j"), Path.of("bin/cnf4j"));
        Path elsewhere = Files.createDirectories(dir.resolve("work"));
        for (Path called : List.of(script, link, chained)) {
            String out = run(called, elsewhere, bin, "--version", "a b");
            assertTrue(out.contains("-jar " + jar.toRealPath() + " --version a b"), called + ": " + out);
            assertTrue(!out.contains("building the jar"), "the jar is up to date, nothing is built: " + out);
        }
        // a memory limit that is not a size is refused before the JVM starts (it failed there as ExceptionInInitializerError)
        for (String bad : List.of("abc", "1.5G", "-4G")) {
            ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "--version").directory(elsewhere.toFile());
            pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
            pb.environment().put("CNF4J_MAXPHYS", bad);
            Process p = pb.start();
            String err = new String(p.getErrorStream().readAllBytes()).strip();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(2, p.exitValue(), bad + ": " + err);
            assertEquals("cnf4j: error: CNF4J_MAXPHYS='" + bad + "' is not a size: use a whole number with K, M, G or T, or a percentage (e.g. 4G or 50%)", err);
        }
        // cnf4j-spark checks the same variables first thing, before it builds anything
        ProcessBuilder spark = new ProcessBuilder("bash", Fixtures.root().resolve("cnf4j-spark").toString(), "score", "--help").directory(elsewhere.toFile());
        spark.environment().put("CNF4J_MAXBYTES", "6 G");
        Process sp = spark.start();
        String sparkErr = new String(sp.getErrorStream().readAllBytes()).strip();
        assertTrue(sp.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, sp.exitValue(), sparkErr);
        assertEquals("cnf4j-spark: error: CNF4J_MAXBYTES='6 G' is not a size: use a whole number with K, M, G or T, or a percentage (e.g. 4G or 50%)", sparkErr);
        ProcessBuilder ok = new ProcessBuilder("bash", script.toString(), "--version").directory(elsewhere.toFile()).redirectErrorStream(true);
        ok.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        ok.environment().put("CNF4J_MAXBYTES", "4GB");
        Process p = ok.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(out.contains("-Dorg.bytedeco.javacpp.maxbytes=4GB"), out);
    }
}
