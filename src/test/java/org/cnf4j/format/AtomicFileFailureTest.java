package org.cnf4j.format;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes replace a file whole or not at all, and their temporaries never outlive them. */
class AtomicFileFailureTest {
    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aWriteThatFailsHalfWayLeavesTheOldFileAndNoTemporary(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("out.csv");
        AtomicFile.write(f, "old".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(f, out -> {
            out.write("half of the new cont".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            throw new IOException("No space left on device");
        }));
        assertEquals("cannot write " + f + " (No space left on device)", e.getMessage());
        assertEquals("old", Files.readString(f));
        assertEquals(List.of("out.csv"), names(dir));
        // the same for a runtime failure while producing the contents, and for a fixed temporary name
        assertThrows(IllegalStateException.class, () -> AtomicFile.write(f, dir.resolve(".out.csv.tmp"), out -> {
            out.write('x');
            throw new IllegalStateException("bug");
        }));
        assertEquals(List.of("out.csv"), names(dir));
    }

    @Test
    void aHeldFolderIsDeletedWithItsContentsButLinksAreNotFollowed(@TempDir Path dir) throws IOException {
        Path keep = Files.writeString(dir.resolve("keep.txt"), "keep");
        Path tmp = dir.resolve(".weights.tmp");
        try (AtomicFile.Held h = AtomicFile.hold(tmp)) {
            Files.createDirectories(tmp.resolve("sub"));
            Files.writeString(tmp.resolve("sub/A.npy"), "x");
            Files.createSymbolicLink(tmp.resolve("link"), keep);
        }
        assertFalse(Files.exists(tmp));
        assertEquals("keep", Files.readString(keep));
        assertEquals(List.of("keep.txt"), names(dir));
    }
}
