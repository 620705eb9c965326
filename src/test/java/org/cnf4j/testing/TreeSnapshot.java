package org.cnf4j.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every file, folder and link below a folder with its bytes (links with their target, not followed), for tests
 * that a refused command wrote nothing and changed nothing: compare the snapshots before and after.
 */
public final class TreeSnapshot {
    private TreeSnapshot() {}

    /** Relative path to "dir", "link -> TARGET" or the file's bytes (base64). */
    public static Map<String, String> of(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) m.put(rel, "link -> " + Files.readSymbolicLink(p));
                else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) m.put(rel, "dir");
                else m.put(rel, Base64.getEncoder().encodeToString(Files.readAllBytes(p)));
            }
        }
        return m;
    }
}
