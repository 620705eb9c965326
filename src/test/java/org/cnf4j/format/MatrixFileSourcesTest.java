package org.cnf4j.format;

import static org.cnf4j.data.DataTestUtil.oneLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.cnf4j.testing.Fifo;
import org.cnf4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the bytes of a matrix come from: FIFOs read like files, and files that are not matrices say what they are. */
class MatrixFileSourcesTest {
    @TempDir Path dir;

    private void sameAsRegularFile(Path regular, String fifoName) throws Exception {
        MatrixFile.Table want = MatrixFile.readTable(regular);
        // no extension: the format must come from the bytes, and the sniffed bytes must not be lost
        Path fifo = Fifo.feed(dir.resolve(fifoName), Files.readAllBytes(regular));
        MatrixFile.Table got = MatrixFile.readTable(fifo);
        assertEquals(want.matrix().rows(), got.matrix().rows(), fifoName);
        assertEquals(want.matrix().cols(), got.matrix().cols(), fifoName);
        assertArrayEquals(want.matrix().data(), got.matrix().data(), 0, fifoName);
        assertEquals(want.header(), got.header(), fifoName);
    }

    @Test
    void npyFromAFifoReadsLikeTheFile() throws Exception {
        sameAsRegularFile(Fixtures.swissroll().resolve("inputs.npy"), "npy-fifo");
    }

    @Test
    void csvFromAFifoReadsLikeTheFile() throws Exception {
        sameAsRegularFile(Fixtures.data("breast_cancer.csv"), "csv-with-header");
        Path plain = Files.writeString(dir.resolve("plain.csv"), "1.5,2\n-3,4e-3\n5,6\n");
        sameAsRegularFile(plain, "csv-no-header");
    }

    @Test
    void compressedFilesAreRefusedWithTheCommandThatUnpacksThem() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("1,2\n3,4\n".getBytes());
        }
        Path f = Files.write(dir.resolve("data.csv.gz"), gz.toByteArray());
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(f)), "data.csv.gz", "gzip-compressed", "gunzip -c");
        Path zip = Files.write(dir.resolve("data.zip"), new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0});
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(zip)), "zip-compressed", "unzip -p");
    }

    /** numpy.savez's archive of .npy files: the advice names a member to extract (it told to unzip it "> data.csv"). */
    @Test
    void anNpzArchiveNamesItsArrays() throws Exception {
        Path npz = dir.resolve("arrays.npz");
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(npz))) {
            for (String name : new String[] {"x.npy", "y.npy"}) {
                z.putNextEntry(new java.util.zip.ZipEntry(name));
                Npy.write(z, new double[] {1, 2, 3, 4}, new int[] {2, 2}, false);
                z.closeEntry();
            }
        }
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(npz)), "arrays.npz: an .npz archive of 2 array(s) (x.npy, y.npy), not one array",
                "unzip -p " + npz + " x.npy > x.npy");
    }

    @Test
    void textThatIsNotUtf8IsUnusableContents() throws Exception {
        Path f = Files.write(dir.resolve("latin1.csv"), new byte[] {'1', ',', (byte) 0xe9, '\n'});
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(f)), "latin1.csv", "not a UTF-8 text file");
    }

    @Test
    void linkLoopsAndDanglingLinksAreNotReportedAsMissingFiles() throws Exception {
        Path a = dir.resolve("a.csv"), b = dir.resolve("b.csv");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        String m = oneLine(assertThrows(FileSystemException.class, () -> MatrixFile.read(a)), "a.csv", "too many levels of symbolic links");
        assertEquals(false, m.contains("not found"), m);
        oneLine(assertThrows(FileSystemException.class, () -> MatrixFile.read(a.resolve("x.csv"))), "too many levels of symbolic links");
        Path dangling = Files.createSymbolicLink(dir.resolve("gone.csv"), dir.resolve("deleted.csv"));
        oneLine(assertThrows(NoSuchFileException.class, () -> MatrixFile.read(dangling)), "gone.csv", "symbolic link to", "deleted.csv", "does not exist");
    }
}
