package org.cnf4j.format;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one way cnf4j writes a file: under a temporary name next to it, then renamed into place, so a reader sees
 * the old file or the new one, never half of one. The temporary never outlives the write: a write that fails (a
 * full disk, an error while producing the contents) deletes it, and so does a JVM shutdown hook when the process
 * is stopped while the write is in progress (SIGTERM, Ctrl-C, System.exit; a 10 MB {@code sample} output used to
 * stay behind as a hidden file). {@code kill -9} runs no hook: then the temporary ({@code .NAME.*.tmp} next to the
 * output) stays; a run directory removes its own on its next training start ({@code run.RunDirectory}).
 */
public final class AtomicWrite {
    /** Temporaries of the writes in progress, deleted by the shutdown hook. */
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Thread hook = new Thread(AtomicWrite::deleteLive, "cnf4j-temporaries");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private AtomicWrite() {}

    /** Produces the contents of a temporary file. */
    @FunctionalInterface
    public interface Body {
        void write(Path tmp) throws IOException;
    }

    /** A temporary file or folder held for the shutdown hook; {@link #close} deletes what is left of it. */
    public static final class Held implements AutoCloseable {
        private final Path tmp;

        private Held(Path tmp) { this.tmp = tmp; }

        public Path path() { return tmp; }

        /** Deletes the temporary if it still exists (after a rename it does not) and forgets it. */
        @Override public void close() throws IOException {
            try {
                deleteRecursively(tmp);
            } finally {
                LIVE.remove(tmp);
            }
        }
    }

    /** Holds {@code tmp} (a file or a folder about to be written) until the returned handle is closed. */
    public static Held hold(Path tmp) {
        Path abs = tmp.toAbsolutePath();
        LIVE.add(abs);
        return new Held(abs);
    }

    /** Writes {@code target} through a fresh temporary {@code .NAME.random.tmp} in its folder (created if missing). */
    public static void file(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        write(abs, tmp, body);
    }

    /**
     * Writes {@code target} through the temporary {@code tmp} (a fixed name, such as a run directory's
     * {@code .checkpoint.bin.tmp}, that the next start recognises; a stale one is overwritten).
     */
    public static void file(Path target, Path tmp, Body body) throws IOException {
        write(target.toAbsolutePath(), tmp, body);
    }

    private static void write(Path target, Path tmp, Body body) throws IOException {
        try (Held h = hold(tmp)) {
            body.write(h.path());
            move(h.path(), target);
        }
    }

    /** Renames {@code from} onto {@code to}, atomically where the file system can. */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes a file, or a folder with everything in it; nothing if it does not exist. Links are removed, not followed. */
    public static void deleteRecursively(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (var s = Files.list(p)) {
                for (Path f : (Iterable<Path>) s::iterator) deleteRecursively(f);
            }
        }
        Files.deleteIfExists(p);
    }

    private static void deleteLive() {
        for (Path p : LIVE) {
            try {
                deleteRecursively(p);
            } catch (IOException | RuntimeException e) {
                // the process is ending: what cannot be deleted now is left for the next start to find
            }
        }
    }
}
