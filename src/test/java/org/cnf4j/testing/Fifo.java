package org.cnf4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Real named pipes for the tests: a FIFO behaves like a pipe (no seeking, read once, opening blocks until the other
 * end opens), which is exactly what a reader that sniffs and reopens gets wrong, and what a mocked stream would hide.
 */
public final class Fifo {
    private Fifo() {}

    /**
     * Makes a FIFO at {@code path} (mkfifo) and starts a daemon thread that writes {@code bytes} into it once a reader
     * opens it, then closes it. The thread dies with the JVM if nobody ever reads (the test then fails on its own).
     */
    public static Path feed(Path path, byte[] bytes) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertEquals(true, p.waitFor(30, TimeUnit.SECONDS), "mkfifo finished");
        assertEquals(0, p.exitValue(), "mkfifo " + path);
        Thread writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(path)) {
                out.write(bytes);
            } catch (IOException e) {
                // the reader went away early (EPIPE): the reading side's assertions report what went wrong
            }
        }, "fifo-writer " + path.getFileName());
        writer.setDaemon(true);
        writer.start();
        return path;
    }
}
