package org.cnf4j.format;

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
 */
public final class AtomicFile {
    /** What goes into the file. */
    @FunctionalInterface
    public interface Body {
        void write(OutputStream out) throws IOException;
    }

    /** Longest file name most file systems take (bytes); the temporary's name is cut to fit. */
    private static final int MAX_NAME = 255;

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
        Path abs = file.toAbsolutePath();
        if (Files.isDirectory(abs)) throw new IllegalArgumentException(file + " is a directory; give a file name");
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            if (dir != null) Files.createDirectories(dir);
            OutputStream raw = null;
            while (raw == null) {
                tmp = abs.resolveSibling(tempName(abs.getFileName().toString()));
                try {
                    raw = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException e) {
                    tmp = null;   // another writer's temporary: draw another name
                }
            }
            try (OutputStream out = new BufferedOutputStream(raw, 1 << 16)) {
                body.write(out);
            }
            keepPermissions(abs, tmp);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw failure(file, tmp, e);
        } finally {
            if (tmp != null) deleteQuietly(tmp);
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
