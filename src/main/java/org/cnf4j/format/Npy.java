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
        if (all.length < 10 || !Arrays.equals(Arrays.copyOf(all, 6), MAGIC)) throw new IOException(name + " is not a .npy file (bad magic)");
        int major = all[6] & 0xff;
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen, headerStart;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (all.length < 12) throw new IOException(name + ": truncated .npy header");
            headerLen = bb.getInt(8);
            headerStart = 12;
        } else {
            throw new IOException(name + ": unsupported .npy version " + major);
        }
        // long arithmetic: a corrupt version-2 length near Integer.MAX_VALUE must not wrap around
        if (headerLen < 0 || (long) headerStart + headerLen > all.length) throw new IOException(name + ": truncated .npy header");
        String header = new String(all, headerStart, headerLen, StandardCharsets.ISO_8859_1);
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
        long count = 1;
        for (int s : shape) {
            if (s < 0) throw new IOException(name + ": bad .npy shape (" + shapeText + ")");
            count *= s;
            if (count > Integer.MAX_VALUE) throw new IOException(name + ": array too large");
        }
        ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        String type = descr.substring(1);
        // check the dtype before the size, so e.g. '<c16' or '<M8[ns]' is reported as unsupported, not as truncated
        int width = width(type);
        // a well-formed file of a kind we do not take is unusable input (a usage error), not a damaged file
        if (width < 0) {
            throw new IllegalArgumentException(name + ": unsupported .npy dtype '" + descr + "' (supported: float64, float32, int64, int32, uint8); "
                    + "convert it with numpy.save(path, x.astype('float64'))");
        }
        int dataStart = headerStart + headerLen;
        if ((long) dataStart + count * width > all.length) {
            throw new IOException(name + ": truncated .npy data (expected " + count * width + " bytes, found " + (all.length - dataStart) + ")");
        }
        ByteBuffer data = ByteBuffer.wrap(all, dataStart, all.length - dataStart).slice().order(order);
        double[] out = new double[(int) count];
        for (int i = 0; i < out.length; i++) {
            switch (type) {
                case "f8": out[i] = data.getDouble(i * 8); break;
                case "f4": out[i] = data.getFloat(i * 4); break;
                case "i8": out[i] = data.getLong(i * 8); break;
                case "i4": out[i] = data.getInt(i * 4); break;
                case "u1": out[i] = data.get(i) & 0xff; break;
                default: throw new AssertionError(type);
            }
        }
        if (fortran && shape.length > 1) out = fortranToC(out, shape);
        return new Array(shape, out);
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
