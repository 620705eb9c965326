package org.cnf4j.format;

import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.nio.file.LinkOption;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one way cnf4j writes a file: into a temporary file in the same folder, renamed into place when it is complete,
 * so a reader never sees half a file and a failed write leaves the old file (or none) and no temporary behind.
 *
 * <p>The temporary file is created with {@link StandardOpenOption#CREATE_NEW} and no explicit permissions, so it gets
 * what any new file gets (0666 minus the umask, usually 0644); {@code Files.createTempFile} would give 0600, and the
 * rename would keep that, leaving outputs that other users and tools cannot read. A file being replaced keeps its own
 * permissions, as it would when overwritten in place. Errors name the file the caller asked for, never the temporary.
 *
 * <p>The temporary never outlives the write: a write that fails (a full disk, an error while producing the contents)
 * deletes it, and so does a JVM shutdown hook when the process is stopped while the write is in progress (SIGTERM,
 * Ctrl-C, System.exit; a 10 MB {@code sample} output used to stay behind as a hidden file). {@code kill -9} runs no
 * hook: then the temporary ({@code .NAME.*.tmp} next to the output) stays; a run directory removes its own on its
 * next training start ({@code run.RunDirectory}), which is why its files use fixed temporary names
 * ({@link #write(Path, Path, Body)}). Folders written the same way (a run's weights/) are held with {@link #hold}.
 */
public final class AtomicFile {
    /** What goes into the file. */
    @FunctionalInterface
    public interface Body {
        void write(OutputStream out) throws IOException;
    }

    /** Longest file name most file systems take (bytes); the temporary's name is cut to fit. */
    private static final int MAX_NAME = 255;

    /** Temporaries of the writes in progress, deleted by the shutdown hook. */
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(AtomicFile::deleteLive, "cnf4j-temporaries"));
    }

    private AtomicFile() {}

    /** Writes {@code bytes} to {@code file} atomically. */
    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, out -> out.write(bytes));
    }

    /**
     * Writes {@code file} atomically: creates its folder, writes {@code body} to a temporary file next to it and
     * renames that into place.
     *
     * @throws IllegalArgumentException when {@code file} is an existing directory
     * @throws IOException              naming {@code file} (not the temporary) when the folder, the write or the rename fails
     */
    public static void write(Path file, Body body) throws IOException {
        write(file, null, body);
    }

    /**
     * As {@link #write(Path, Body)}, through the temporary {@code fixedTemp} (a fixed name such as a run directory's
     * {@code .checkpoint.bin.tmp}, which the next start recognises; a stale one is overwritten); null draws a fresh
     * {@code .NAME.RANDOM.tmp}.
     */
    public static void write(Path file, Path fixedTemp, Body body) throws IOException {
        Path abs = file.toAbsolutePath();
        if (Files.isDirectory(abs)) throw new IllegalArgumentException(file + " is a directory; give a file name");
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            if (dir != null) Files.createDirectories(dir);
            OutputStream raw = null;
            if (fixedTemp != null) {
                tmp = fixedTemp.toAbsolutePath();
                LIVE.add(tmp);
                raw = Files.newOutputStream(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            }
            while (raw == null) {
                tmp = abs.resolveSibling(tempName(abs.getFileName().toString()));
                try {
                    raw = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    LIVE.add(tmp);
                } catch (FileAlreadyExistsException e) {
                    tmp = null;   // another writer's temporary: draw another name
                }
            }
            try (OutputStream out = new BufferedOutputStream(raw, 1 << 16)) {
                body.write(out);
            }
            keepPermissions(abs, tmp);
            move(tmp, abs);
            LIVE.remove(tmp);
            tmp = null;
        } catch (IOException e) {
            throw failure(file, tmp, e);
        } finally {
            if (tmp != null) {
                deleteQuietly(tmp);
                LIVE.remove(tmp);
            }
        }
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

    /** Holds {@code tmp} (a folder about to be written and renamed into place) until the returned handle is closed. */
    public static Held hold(Path tmp) {
        Path abs = tmp.toAbsolutePath();
        LIVE.add(abs);
        return new Held(abs);
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

    /**
     * An IOException for a failed write of {@code target} whose message names only {@code target}: the reason of a
     * file-system error (e.g. "No space left on device"), without the temporary file or folder ({@code temporary},
     * may be null) it happened to.
     */
    public static IOException failure(Path target, Path temporary, IOException e) {
        String reason;
        if (e instanceof FileSystemException f) {
            if (f.getReason() != null) reason = f.getReason();
            else if (f instanceof AccessDeniedException) reason = "permission denied";
            else if (f instanceof NoSuchFileException) reason = "no such file or directory: " + f.getFile();
            else if (f instanceof FileAlreadyExistsException) reason = f.getFile() + " exists and is not a directory";
            else reason = f.getClass().getSimpleName();
        } else {
            reason = e.getMessage() != null ? e.getMessage() : e.toString();
        }
        // a temporary's path can still hide in a plain message (e.g. from an image writer) or a NoSuchFileException
        if (temporary != null) reason = reason.replace(temporary.toAbsolutePath().toString(), target.toString()).replace(temporary.toString(), target.toString());
        return new IOException("cannot write " + target + " (" + reason + ")", e);
    }

    /** {@code .NAME.RANDOM.tmp}, with NAME cut so that the whole stays a valid file name. */
    static String tempName(String name) {
        String suffix = "." + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36) + ".tmp";
        String stem = name;
        while (stem.length() > 0 && ("." + stem + suffix).getBytes(StandardCharsets.UTF_8).length > MAX_NAME) {
            stem = stem.substring(0, stem.length() - 1);
        }
        return "." + stem + suffix;
    }

    private static void keepPermissions(Path target, Path tmp) throws IOException {
        if (!Files.isRegularFile(target)) return;
        PosixFileAttributeView from = Files.getFileAttributeView(target, PosixFileAttributeView.class);
        PosixFileAttributeView to = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
        if (from != null && to != null) to.setPermissions(from.readAttributes().permissions());
    }

    private static void deleteQuietly(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // the original failure is what the caller must hear about; a leftover temporary is hidden and harmless
        }
    }
}
