package org.cnf4j.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MatrixFile#scan} streams the rows {@link MatrixFile#read} returns, with the same errors. */
class MatrixFileScanTest {
    @TempDir Path tmp;

    private static double[] scanned(Path f) throws IOException {
        double[][] out = {new double[0]};
        MatrixFile.Shape s = MatrixFile.scan(f, (row, i) -> {
            int at = out[0].length;
            out[0] = Arrays.copyOf(out[0], at + row.length);
            System.arraycopy(row, 0, out[0], at, row.length);
        });
        assertEquals(out[0].length, s.rows() * s.cols());
        return out[0];
    }

    @Test
    void csvAndNpyRowsAreReadsRows() throws IOException {
        Path csv = tmp.resolve("a.csv");
        Files.writeString(csv, "x,y,z\n1,2,3\n\n4.5,-6,7e3\n");
        assertArrayEquals(MatrixFile.read(csv).data(), scanned(csv));
        Path npy = tmp.resolve("a.npy");
        Npy.write(npy, new double[] {1, 2, 3, 4, 5, 6}, new int[] {3, 2}, true);
        assertArrayEquals(MatrixFile.read(npy).data(), scanned(npy));
        assertEquals(new MatrixFile.Shape(3, 2), MatrixFile.scan(npy, (r, i) -> {}));
    }

    @Test
    void fortranOrderIsTransposedAsOnRead() throws IOException {
        String dict = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }";
        String header = dict + " ".repeat(64 - (10 + dict.length() + 1) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 48).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length()).put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (double v : new double[] {1, 4, 2, 5, 3, 6}) b.putDouble(v);
        Path f = tmp.resolve("f.npy");
        Files.write(f, b.array());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, scanned(f));
        assertArrayEquals(MatrixFile.read(f).data(), scanned(f));
    }

    @Test
    void badRowsAndTruncatedFilesGiveTheReadersMessages() throws IOException {
        Path csv = tmp.resolve("bad.csv");
        Files.writeString(csv, "1,2\n3,nan\n");
        String want = assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(csv)).getMessage();
        assertEquals(want, assertThrows(IllegalArgumentException.class, () -> MatrixFile.scan(csv, (r, i) -> {})).getMessage());
        Path npy = tmp.resolve("t.npy");
        Npy.write(npy, new double[] {1, 2, 3, 4}, new int[] {2, 2}, false);
        byte[] all = Files.readAllBytes(npy);
        Files.write(npy, Arrays.copyOf(all, all.length - 5));
        IOException e = assertThrows(IOException.class, () -> MatrixFile.scan(npy, (r, i) -> {}));
        assertTrue(e.getMessage().contains("truncated .npy data (expected 32 bytes, found 27)"), e.getMessage());
        assertEquals(assertThrows(IOException.class, () -> MatrixFile.read(npy)).getMessage(), e.getMessage());
    }
}
