package org.cnf4j.format;

import static org.cnf4j.data.DataTestUtil.oneLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.cnf4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @TempDir Path dir;

    private List<String> temporaries() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).collect(Collectors.toList());
        }
    }

    @Test
    void newFilesGetThePermissionsOfAPlainFileNotTheTemporarys0600() throws IOException {
        Path f = dir.resolve("out.csv");
        AtomicFile.write(f, "a\n".getBytes());
        assertEquals(Fixtures.plainFilePermissions(dir), Files.getPosixFilePermissions(f));
        MatrixFile.write(dir.resolve("m.npy"), new double[] {1, 2}, 1, 2);
        assertEquals(Fixtures.plainFilePermissions(dir), Files.getPosixFilePermissions(dir.resolve("m.npy")));
    }

    @Test
    void aReplacedFileKeepsItsPermissions() throws IOException {
        Path f = Files.writeString(dir.resolve("kept.json"), "old");
        Set<PosixFilePermission> mine = PosixFilePermissions.fromString("rw-r-----");
        Files.setPosixFilePermissions(f, mine);
        AtomicFile.write(f, "new".getBytes());
        assertEquals("new", Files.readString(f));
        assertEquals(mine, Files.getPosixFilePermissions(f));
    }

    @Test
    void aFailedWriteNamesTheTargetNotTheTemporaryAndLeavesNothing() throws IOException {
        Path f = Files.writeString(dir.resolve("logp.csv"), "old");
        // what the OS reports for a full disk, against the file it happened to: the temporary
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(f, out -> {
            out.write(1);
            Path tmp = temporaries().stream().map(dir::resolve).findFirst().orElseThrow();
            throw new FileSystemException(tmp.toString(), null, "No space left on device");
        }));
        String m = oneLine(e, "cannot write", f.toString(), "No space left on device");
        assertFalse(m.contains(".tmp"), m);
        assertEquals("old", Files.readString(f), "the old file is untouched");
        assertEquals(List.of(), temporaries());
        IOException plain = assertThrows(IOException.class, () -> AtomicFile.write(dir.resolve("x.png"), out -> {
            throw new IOException("writer failed on " + dir.resolve(temporaries().get(0)));
        }));
        assertFalse(plain.getMessage().contains(".tmp"), plain.getMessage());
        Path notADir = Files.writeString(dir.resolve("file"), "x");
        oneLine(assertThrows(IOException.class, () -> AtomicFile.write(notADir.resolve("out.csv"), new byte[1])), "cannot write", "out.csv");
        oneLine(assertThrows(IllegalArgumentException.class, () -> AtomicFile.write(dir, new byte[1])), "is a directory");
        assertEquals(List.of(), temporaries());
    }

    @Test
    void aNameAtTheFileSystemsLimitStillWorks() throws IOException {
        // the temporary's name is longer than the target's; it must be cut rather than fail with "File name too long"
        String name = "x".repeat(251) + ".csv";
        Path f = dir.resolve(name);
        AtomicFile.write(f, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
        assertTrue(AtomicFile.tempName(name).length() <= 255);
        assertEquals(List.of(), temporaries());
    }
}
