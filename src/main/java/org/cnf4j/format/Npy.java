package org.cnf4j.format;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy .npy files (format versions 1-3): read float64, float32, int64, int32 and uint8 arrays of any rank into a
 * row-major double array; write float64 or float32. Fortran-ordered files are transposed on read. A damaged file
 * (bad magic, truncated, malformed header) is an IOException; a valid file of an unsupported dtype is an
 * IllegalArgumentException, which the commands report as a usage error.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** A loaded array: its shape and its values in row-major (C) order. */
    public record Array(int[] shape, double[] data) {
        public int rows() { return shape.length == 0 ? 1 : shape[0]; }

        /** Columns of a 2-D array; 1 for a 1-D array. */
        public int cols() { return shape.length < 2 ? 1 : data.length / Math.max(1, shape[0]); }
    }

    private Npy() {}

    public static Array read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        return parse(all, file.toString());
    }

    static Array parse(byte[] all, String name) throws IOException {
        Header h = readHeader(new java.io.ByteArrayInputStream(all), all.length, name);
        long count = h.count();
        if (count > Integer.MAX_VALUE) throw new IOException(name + ": array too large");
        if ((long) h.dataStart() + count * h.width() > all.length) {
            throw new IOException(name + ": truncated .npy data (expected " + count * h.width() + " bytes, found " + (all.length - h.dataStart()) + ")");
        }
        ByteBuffer data = ByteBuffer.wrap(all, h.dataStart(), all.length - h.dataStart()).slice().order(h.order());
        double[] out = new double[(int) count];
        for (int i = 0; i < out.length; i++) out[i] = h.value(data, i);
        if (h.fortran() && h.shape().length > 1) out = fortranToC(out, h.shape());
        return new Array(h.shape(), out);
    }

    /**
     * A parsed .npy header: the dtype's byte order, type code and width, the memory order, the shape, and where the
     * data start (bytes from the beginning of the file).
     */
    record Header(ByteOrder order, String type, int width, boolean fortran, int[] shape, int dataStart) {
        long count() {
            long c = 1;
            for (int s : shape) {
                if (s != 0 && c > Long.MAX_VALUE / s) return Long.MAX_VALUE;   // "too large" rather than a wrapped count
                c *= s;
            }
            return c;
        }

        /** Element i of {@code data} (positioned at the first element) as a double. */
        double value(ByteBuffer data, int i) {
            switch (type) {
                case "f8": return data.getDouble(i * 8);
                case "f4": return data.getFloat(i * 4);
                case "i8": return data.getLong(i * 8);
                case "i4": return data.getInt(i * 4);
                case "u1": return data.get(i) & 0xff;
                default: throw new AssertionError(type);
            }
        }
    }

    /**
     * Reads the magic, version and header of a .npy stream, leaving {@code in} at the first data byte. {@code length}
     * is the file's size when known (-1 for a stream), to report a header longer than the file as truncated.
     */
    static Header readHeader(java.io.InputStream in, long length, String name) throws IOException {
        byte[] pre = in.readNBytes(10);
        if (pre.length < 10 || !Arrays.equals(Arrays.copyOf(pre, 6), MAGIC)) throw new IOException(name + " is not a .npy file (bad magic)");
        int major = pre[6] & 0xff;
        int headerLen, headerStart;
        if (major == 1) {
            headerLen = ByteBuffer.wrap(pre).order(ByteOrder.LITTLE_ENDIAN).getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            byte[] more = in.readNBytes(2);
            if (more.length < 2) throw new IOException(name + ": truncated .npy header");
            headerLen = ByteBuffer.wrap(new byte[] {pre[8], pre[9], more[0], more[1]}).order(ByteOrder.LITTLE_ENDIAN).getInt();
            headerStart = 12;
        } else {
            throw new IOException(name + ": unsupported .npy version " + major);
        }
        // long arithmetic: a corrupt version-2 length near Integer.MAX_VALUE must not wrap around
        if (headerLen < 0 || (length >= 0 && (long) headerStart + headerLen > length)) throw new IOException(name + ": truncated .npy header");
        byte[] headerBytes = in.readNBytes(headerLen);
        if (headerBytes.length < headerLen) throw new IOException(name + ": truncated .npy header");
        String header = new String(headerBytes, StandardCharsets.ISO_8859_1);
        // a structured (record) dtype's descr is a list of fields, not a type string: say so, as for any other dtype
        if (header.matches("(?s).*'descr'\\s*:\\s*\\[.*")) {
            throw new IllegalArgumentException(name + ": a structured (record) .npy array, with named fields; save its columns as a plain 2-D array: "
                    + "numpy.save(path, numpy.lib.recfunctions.structured_to_unstructured(x).astype('float64'))");
        }
        String descr = group(DESCR, header, name, "descr");
        boolean fortran = group(FORTRAN, header, name, "fortran_order").equals("True");
        String shapeText = group(SHAPE, header, name, "shape").trim();
        int[] shape;
        try {
            shape = shapeText.isEmpty() ? new int[0]
                    : Arrays.stream(shapeText.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IOException(name + ": bad .npy shape (" + shapeText + ")");
        }
        for (int s : shape) if (s < 0) throw new IOException(name + ": bad .npy shape (" + shapeText + ")");
        ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        String type = descr.substring(1);
        // check the dtype before the size, so e.g. '<c16' or '<M8[ns]' is reported as unsupported, not as truncated
        int width = width(type);
        // a well-formed file of a kind we do not take is unusable input (a usage error), not a damaged file
        if (width < 0) {
            throw new IllegalArgumentException(name + ": unsupported .npy dtype '" + descr + "' (supported: float64, float32, int64, int32, uint8); "
                    + "convert it with numpy.save(path, x.astype('float64'))");
        }
        return new Header(order, type, width, fortran, shape, headerStart + headerLen);
    }

    /** Bytes per element of a supported dtype (without its byte-order character), or -1. */
    private static int width(String type) {
        switch (type) {
            case "f8": case "i8": return 8;
            case "f4": case "i4": return 4;
            case "u1": return 1;
            default: return -1;
        }
    }

    private static double[] fortranToC(double[] f, int[] shape) {
        double[] c = new double[f.length];
        int rank = shape.length;
        int[] idx = new int[rank];
        for (int i = 0; i < f.length; i++) {
            // i is the C-order position; compute its Fortran-order offset
            int rem = i;
            for (int a = rank - 1; a >= 0; a--) {
                idx[a] = rem % shape[a];
                rem /= shape[a];
            }
            int off = 0, stride = 1;
            for (int a = 0; a < rank; a++) {
                off += idx[a] * stride;
                stride *= shape[a];
            }
            c[i] = f[off];
        }
        return c;
    }

    private static String group(Pattern p, String header, String name, String key) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new IOException(name + ": .npy header has no '" + key + "'");
        return m.group(1);
    }

    /** Writes a C-ordered float64 (or float32) array. */
    public static void write(OutputStream out, double[] data, int[] shape, boolean float32) throws IOException {
        long count = 1;
        for (int s : shape) count *= s;
        if (count != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count + " values, data has " + data.length);
        }
        StringBuilder sh = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) sh.append(shape[i]).append(shape.length == 1 ? "," : (i + 1 < shape.length ? ", " : ""));
        sh.append(')');
        String dict = "{'descr': '" + (float32 ? "<f4" : "<f8") + "', 'fortran_order': False, 'shape': " + sh + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        out.write(head.array());
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        int width = float32 ? 4 : 8;
        ByteBuffer body = ByteBuffer.allocate(data.length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : data) {
            if (float32) body.putFloat((float) v); else body.putDouble(v);
        }
        out.write(body.array());
    }

    public static void write(Path file, double[] data, int[] shape, boolean float32) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            write(out, data, shape, float32);
        }
    }
}
