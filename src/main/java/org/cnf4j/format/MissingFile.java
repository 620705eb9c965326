package org.cnf4j.format;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Why a path that should name an input is not there. {@code Files.exists} answers false both for a missing file and
 * for a loop of symbolic links (or a link whose target is gone), so "file not found" would send the user looking for
 * a file that is in front of them; this asks the file system again and says which it is.
 */
public final class MissingFile {
    private MissingFile() {}

    /**
     * The exception to throw for {@code path}, which {@code Files.exists} did not find: a loop of links, a dangling
     * link, or (else) "WHAT not found". Messages are one line and start with the path.
     */
    public static IOException explain(Path path, String what) {
        try {
            path.toRealPath();
        } catch (NoSuchFileException e) {
            if (Files.isSymbolicLink(path)) {
                String target;
                try {
                    target = Files.readSymbolicLink(path).toString();
                } catch (IOException | UnsupportedOperationException r) {
                    target = "a missing file";
                }
                return new NoSuchFileException(null, null, path + ": a symbolic link to " + target + ", which does not exist; check the path");
            }
        } catch (FileSystemException e) {
            if (isLoop(e)) return loop(path);
        } catch (IOException e) {
            // fall through: not found is the best we can say
        }
        return new NoSuchFileException(null, null, path + ": " + what + " not found; check the path");
    }

    /** Whether a file-system error is ELOOP, whose reason text is all Java gives for it. */
    public static boolean isLoop(FileSystemException e) {
        return e instanceof java.nio.file.FileSystemLoopException
                || (e.getReason() != null && e.getReason().toLowerCase(java.util.Locale.ROOT).contains("too many levels of symbolic links"));
    }

    /** The one-line error for a loop of symbolic links at {@code path}. */
    public static FileSystemException loop(Path path) {
        return new FileSystemException(null, null, path + ": too many levels of symbolic links (the links form a loop); check the path");
    }
}
