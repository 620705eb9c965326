package org.cnf4j.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.cnf4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path tmp;

    private static final double[] VALUES = {1.5, -2.25, Math.PI, 1e-300, -0.0, 1e300};

    @Test
    void float64RoundTrip2d() throws IOException {
        Path f = tmp.resolve("a.npy");
        Npy.write(f, VALUES, new int[] {2, 3}, false);
        Npy.Array a = Npy.read(f);
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertEquals(2, a.rows());
        assertEquals(3, a.cols());
        assertArrayEquals(VALUES, a.data(), 0); // bit-exact, -0.0 included
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(a.data()[4]));
        // numpy requires the whole preamble to be a multiple of 64 bytes (16 in old versions) and to end in '\n'
        byte[] raw = Files.readAllBytes(f);
        assertEquals(0, (raw.length - 8 * VALUES.length) % 64);
        assertEquals('\n', raw[raw.length - 8 * VALUES.length - 1]);
    }

    @Test
    void float32RoundTrip1d() throws IOException {
        Path f = tmp.resolve("b.npy");
        Npy.write(f, VALUES, new int[] {6}, true);
        Npy.Array a = Npy.read(f);
        assertArrayEquals(new int[] {6}, a.shape());
        assertEquals(6, a.rows());
        assertEquals(1, a.cols());
        for (int i = 0; i < VALUES.length; i++) assertEquals((double) (float) VALUES[i], a.data()[i], 0, "element " + i);
        assertEquals(4 * 6, Files.size(f) - headerBytes(Files.readAllBytes(f)));
        assertTrue(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains("'descr': '<f4'"));
        assertTrue(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains("'shape': (6,)"));
    }

    @Test
    void emptyAndScalarShapes() throws IOException {
        Npy.Array empty = roundTrip(new double[0], new int[] {0, 2});
        assertArrayEquals(new int[] {0, 2}, empty.shape());
        assertEquals(0, empty.data().length);
        Npy.Array scalar = roundTrip(new double[] {7}, new int[0]);
        assertArrayEquals(new int[0], scalar.shape());
        assertArrayEquals(new double[] {7}, scalar.data(), 0);
    }

    @Test
    void writeRejectsDataThatDoesNotFitTheShape() {
        assertThrows(IllegalArgumentException.class, () -> Npy.write(new ByteArrayOutputStream(), VALUES, new int[] {2, 2}, false));
    }

    @Test
    void fortranOrderIsTransposedOnRead() throws IOException {
        // the 2 x 3 matrix [[1, 2, 3], [4, 5, 6]] stored column by column
        byte[] bytes = npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", ByteOrder.LITTLE_ENDIAN, 1, 4, 2, 5, 3, 6);
        Npy.Array a = Npy.parse(bytes, "fortran");
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, a.data(), 0);
    }

    @Test
    void fortranOrderRank3() throws IOException {
        // element (i, j, k) = 100 i + 10 j + k, shape (2, 3, 2); Fortran order runs i fastest
        int[] shape = {2, 3, 2};
        double[] f = new double[12];
        int pos = 0;
        for (int k = 0; k < 2; k++) for (int j = 0; j < 3; j++) for (int i = 0; i < 2; i++) f[pos++] = 100 * i + 10 * j + k;
        Npy.Array a = Npy.parse(npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 2), }", ByteOrder.LITTLE_ENDIAN, f), "f3");
        assertArrayEquals(shape, a.shape());
        pos = 0;
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 2; k++) assertEquals(100 * i + 10 * j + k, a.data()[pos++], 0);
    }

    @Test
    void bigEndianAndIntegerDtypes() throws IOException {
        byte[] be = npy("{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }", ByteOrder.BIG_ENDIAN, 1.25, -3, 8);
        assertArrayEquals(new double[] {1.25, -3, 8}, Npy.parse(be, "be").data(), 0);

        ByteBuffer ints = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(-7).putInt(0).putInt(42).putInt(Integer.MAX_VALUE);
        Npy.Array i4 = Npy.parse(withHeader("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", ints.array()), "i4");
        assertArrayEquals(new double[] {-7, 0, 42, Integer.MAX_VALUE}, i4.data(), 0);

        Npy.Array u1 = Npy.parse(withHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", new byte[] {(byte) 200, 3}), "u1");
        assertArrayEquals(new double[] {200, 3}, u1.data(), 0);
    }

    @Test
    void version2Header() throws IOException {
        String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
        byte[] head = (dict + " ".repeat(64 - (12 + dict.length() + 1) % 64) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer bb = ByteBuffer.allocate(12 + head.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(head.length).put(head).putDouble(0.5).putDouble(-9);
        assertArrayEquals(new double[] {0.5, -9}, Npy.parse(bb.array(), "v2").data(), 0);
    }

    @Test
    void readsTheSwissrollFixture() throws IOException {
        // a Fortran-ordered float64 file written by numpy; values checked against numpy
        Npy.Array a = Npy.read(Fixtures.swissroll().resolve("inputs.npy"));
        assertArrayEquals(new int[] {64, 2}, a.shape());
        assertEquals(64, a.rows());
        assertEquals(2, a.cols());
        assertArrayEquals(new double[] {1.65279984, 1.94432771, 0.05909422, 1.17092109}, Arrays.copyOf(a.data(), 4), 1e-8);
        assertArrayEquals(new double[] {1.55886388, 0.37096184}, Arrays.copyOfRange(a.data(), 126, 128), 1e-8);
        double sx = 0, sy = 0;
        for (int i = 0; i < 64; i++) {
            sx += a.data()[2 * i];
            sy += a.data()[2 * i + 1];
        }
        assertEquals(29.1669774, sx, 1e-6);
        assertEquals(-10.41241221, sy, 1e-6);
    }

    @Test
    void badMagicIsAnIOException() {
        byte[] bytes = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", ByteOrder.LITTLE_ENDIAN, 1);
        bytes[1] = 'X';
        IOException e = assertThrows(IOException.class, () -> Npy.parse(bytes, "bad.npy"));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
        assertThrows(IOException.class, () -> Npy.parse(new byte[3], "tiny.npy"));
    }

    @Test
    void truncatedDataIsAnIOException() {
        byte[] full = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4);
        IOException e = assertThrows(IOException.class, () -> Npy.parse(Arrays.copyOf(full, full.length - 1), "short.npy"));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        IOException h = assertThrows(IOException.class, () -> Npy.parse(Arrays.copyOf(full, 40), "header.npy"));
        assertTrue(h.getMessage().contains("truncated"), h.getMessage());
    }

    @Test
    void unsupportedDtypeIsAUsageError() {
        // a valid file of a dtype we do not read: unusable contents (IllegalArgumentException, exit 2), not damage
        // complex128 with a body of the right size, so only the dtype can be the complaint
        byte[] c16 = withHeader("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", new byte[32]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.parse(c16, "complex.npy"));
        assertTrue(e.getMessage().contains("<c16") && e.getMessage().contains("astype('float64')"), e.getMessage());
        // also with too few bytes (the dtype is checked first), and for a dtype whose name has no plain width
        assertThrows(IllegalArgumentException.class, () -> Npy.parse(withHeader("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", new byte[3]), "c"));
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> Npy.parse(withHeader("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (1,), }", new byte[8]), "dt"));
        assertTrue(m.getMessage().contains("unsupported"), m.getMessage());
        // a structured (record) array, as numpy.save writes one: a list of fields where the type string would be
        // (it read as "the header has no 'descr'", exit 1)
        IllegalArgumentException rec = assertThrows(IllegalArgumentException.class, () -> Npy.parse(
                withHeader("{'descr': [('a', '<f8'), ('b', '<f8')], 'fortran_order': False, 'shape': (2,), }", new byte[32]), "rec.npy"));
        assertTrue(rec.getMessage().startsWith("rec.npy: a structured (record) .npy array") && rec.getMessage().contains("structured_to_unstructured"),
                rec.getMessage());
    }

    @Test
    void malformedHeaderIsAnIOException() {
        assertThrows(IOException.class, () -> Npy.parse(withHeader("{'fortran_order': False, 'shape': (1,), }", new byte[8]), "nodescr"));
        assertThrows(IOException.class, () -> Npy.parse(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (x,), }", new byte[8]), "shape"));
        byte[] hugeV2 = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 0};
        assertThrows(IOException.class, () -> Npy.parse(hugeV2, "huge"));
    }

    // --- helpers that build .npy bytes by hand (no Python needed) ---

    private Npy.Array roundTrip(double[] data, int[] shape) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, data, shape, false);
        return Npy.parse(out.toByteArray(), "roundtrip");
    }

    private static byte[] npy(String dict, ByteOrder order, double... values) {
        ByteBuffer body = ByteBuffer.allocate(8 * values.length).order(order);
        for (double v : values) body.putDouble(v);
        return withHeader(dict, body.array());
    }

    /** A version-1 file: magic, version, little-endian header length, padded dict, then the body. */
    private static byte[] withHeader(String dict, byte[] body) {
        String header = dict + " ".repeat((64 - (10 + dict.length() + 1) % 64) % 64) + "\n";
        ByteBuffer bb = ByteBuffer.allocate(10 + header.length() + body.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        bb.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(body);
        return bb.array();
    }

    private static int headerBytes(byte[] file) {
        return 10 + (ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getShort(8) & 0xffff);
    }
}
