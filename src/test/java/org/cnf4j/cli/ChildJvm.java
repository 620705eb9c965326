package org.cnf4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs cnf4j (or another main class of the test class path) in a separate JVM: for what cannot happen inside the
 * test JVM (a small -Xmx, a signal, a thread dying). JavaCPP's logging goes through slf4j at level error, as the
 * launcher sets it, so that stderr holds only what cnf4j prints.
 */
final class ChildJvm {
    record Result(int code, String out, String err) {}

    private ChildJvm() {}

    static List<String> command(List<String> jvmFlags, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-Dorg.bytedeco.javacpp.logger=slf4j", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dorg.slf4j.simpleLogger.log.org.bytedeco=error", "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs {@code mainClass} to its end (at most {@code timeoutSeconds}) with stdout and stderr in files under {@code dir}. */
    static Result run(Path dir, long timeoutSeconds, List<String> jvmFlags, String mainClass, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "child", ".out"), err = Files.createTempFile(dir, "child", ".err");
        Process p = new ProcessBuilder(command(jvmFlags, mainClass, args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not end within " + timeoutSeconds + " s: " + Files.readString(err));
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** {@link #run} of cnf4j's Main. */
    static Result cnf4j(Path dir, long timeoutSeconds, List<String> jvmFlags, String... args) throws IOException, InterruptedException {
        return run(dir, timeoutSeconds, jvmFlags, Main.class.getName(), args);
    }
}
