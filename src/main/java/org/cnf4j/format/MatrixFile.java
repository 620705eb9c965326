package org.cnf4j.format;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Numeric matrices in .npy or CSV files.
 *
 * <p>Reading: a file that starts with the .npy magic is read as .npy (float64/float32/int64/int32/uint8; 2-D, or
 * 1-D as one column); anything else is read as CSV: comma-separated, cells trimmed, optional double quotes around a
 * cell removed, empty lines ignored. The first non-empty line is a header if any of its cells is not a number.
 * {@code nan}, {@code inf}, {@code -inf}, {@code infinity} (any case) parse as numbers and are then rejected as
 * non-finite, with the first bad row named.
 *
 * <p>The format is told by the first bytes, never by the name: pipes, FIFOs and {@code /dev/stdin} work like regular
 * files (see {@link #readTable}). A compressed file (gzip, zip, xz, zstd) is refused with the command that
 * unpacks it.
 *
 * <p>Every error is an {@link IOException} (the file cannot be opened or read, or is a damaged .npy) or an
 * {@link IllegalArgumentException} (the contents cannot be used: not a finite, rectangular, non-empty matrix, an
 * unsupported .npy dtype, a compressed file, text that is not UTF-8), with a one-line
 * message that names the file and, where it applies, the line, row and column, and says what to do. CSV errors
 * give the 1-based line of the file and the 1-based data row (the header, if any, is not a data row); .npy errors
 * give the 1-based row and its 0-based index.
 */
public final class MatrixFile {
    private MatrixFile() {}

    /** An n x d matrix, row-major: element (i, j) is {@code data[i * cols + j]}. */
    public record Matrix(int rows, int cols, double[] data) {
        public Matrix {
            if ((long) rows * cols != data.length) throw new IllegalArgumentException(rows + " x " + cols + " matrix needs " + (long) rows * cols + " values, got " + data.length);
        }
    }

    /** A CSV matrix with its header cells (null when the file has no header). */
    public record Table(Matrix matrix, List<String> header) {}

    /** Reads a .npy or CSV file into a finite, non-empty n x d matrix (see the class comment for the rules). */
    public static Matrix read(Path file) throws IOException {
        return readTable(file).matrix();
    }

    /**
     * Reads a .npy or CSV file, with the CSV header's cells (null for a .npy file or a CSV file without header).
     *
     * <p>The file is opened once and read as one stream: the format is sniffed from its first bytes, which stay in a
     * buffer and are read again by the parser. Pipes, FIFOs and {@code /dev/stdin} cannot seek back or be opened a
     * second time, and a regular file is read the same way so that both give the same values. The file name plays no
     * part, so a special file without an extension works.
     */
    public static Table readTable(Path file) throws IOException {
        return open(file, true, (in, npy) -> npy ? new Table(npy(file, in.readAllBytes()), null) : csv(file, in));
    }

    /** Reads an opened file: its stream at the first byte, and whether it starts with the .npy magic. */
    private interface Reader<T> {
        T read(BufferedInputStream in, boolean npy) throws IOException;
    }

    /** A .npy file whose contents are damaged: reported as it is, not as a file that cannot be read. */
    private static final class DamagedFile extends IOException {
        DamagedFile(String message) { super(message); }
    }

    /**
     * Opens {@code file} once as one stream, tells .npy from CSV by the first bytes (which stay in a buffer for the
     * reader), refuses compressed files (saying how to pipe them in when {@code pipeable}), and turns the stream's
     * failures into one-line errors.
     */
    private static <T> T open(Path file, boolean pipeable, Reader<T> reader) throws IOException {
        checkReadable(file);
        // FileInputStream, not Files.newInputStream: the channel stream's available() seeks, which fails on a pipe
        // ("Illegal seek") as soon as a BufferedInputStream asks it
        try (BufferedInputStream in = new BufferedInputStream(new FileInputStream(file.toFile()), 1 << 16)) {
            in.mark(SNIFF);
            byte[] head = in.readNBytes(SNIFF);
            in.reset();
            boolean npy = startsWith(head, NPY_MAGIC);
            for (Compressed c : npy ? List.<Compressed>of() : COMPRESSED) {
                if (startsWith(head, c.magic())) {
                    List<String> arrays = c.name().equals("zip") ? npzMembers(file) : List.of();
                    if (!arrays.isEmpty()) {
                        String one = arrays.get(0);
                        throw new IllegalArgumentException(file + ": an .npz archive of " + arrays.size() + " array(s) (" + String.join(", ", arrays.subList(0, Math.min(5, arrays.size())))
                                + (arrays.size() > 5 ? ", ..." : "") + "), not one array; extract the one to use (unzip -p " + file + " " + one + " > " + one + ")"
                                + (pipeable ? ", or pipe it in: unzip -p " + file + " " + one + " | cnf4j ... /dev/stdin" : ""));
                    }
                    throw new IllegalArgumentException(file + ": a " + c.name() + "-compressed file, not CSV or .npy; decompress it first ("
                            + c.unpack() + " " + file + " > data.csv)" + (pipeable ? ", or pipe it in: " + c.unpack() + " " + file + " | cnf4j ... /dev/stdin" : ""));
                }
            }
            return reader.read(in, npy);
        } catch (FileNotFoundException e) {
            // what FileInputStream throws for a file that vanished or cannot be opened since checkReadable
            throw unreadable(file, Files.exists(file) ? new AccessDeniedException(file.toString()) : new NoSuchFileException(file.toString()));
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not a UTF-8 text file; give a CSV file or a .npy file");
        } catch (DamagedFile e) {
            throw e;
        } catch (IOException e) {
            throw unreadable(file, e);   // the parsers throw IllegalArgumentException: this is the device or the pipe
        }
    }

    /** Receives the rows of a {@link #scan}, in file order; {@code row} is reused between calls (copy what you keep). */
    @FunctionalInterface
    public interface RowSink {
        void accept(double[] row, long index);
    }

    /** The size of a scanned matrix. */
    public record Shape(long rows, int cols) {}

    /**
     * Streams the rows of a .npy or CSV file through {@code sink} without holding the matrix, with the formats, checks
     * and messages of {@link #read} (a Fortran-ordered .npy file, whose rows are not contiguous, is read whole first).
     * For data read several times, or too large for one array: only a regular file can be scanned again.
     */
    public static Shape scan(Path file, RowSink sink) throws IOException {
        return open(file, false, (in, npy) -> {
            if (npy) return npyRows(file, in, Files.size(file), sink);
            CsvShape s = csvRows(file, in, sink);
            return new Shape(s.rows(), s.cols());
        });
    }

    /** {@link #scan} of a .npy stream positioned at its magic number. */
    private static Shape npyRows(Path file, InputStream in, long length, RowSink sink) throws IOException {
        Npy.Header h;
        try {
            h = Npy.readHeader(in, length, file.toString());
        } catch (IOException e) {
            throw new DamagedFile(e.getMessage() + "; re-save it with numpy.save as a 2-D float64 array");
        }
        int[] shape = h.shape();
        if (shape.length == 0 || shape.length > 2) {
            throw new IllegalArgumentException(file + ": a " + shape.length + "-D array; need a 2-D (rows x columns) or 1-D array, reshape it before saving");
        }
        int rows = shape[0], cols = shape.length == 1 ? 1 : shape[1];
        if (rows == 0 || cols == 0) throw new IllegalArgumentException(file + ": the array is empty (shape " + Arrays.toString(shape) + "); it needs at least one row and one column");
        if (h.fortran() && shape.length == 2 && rows > 1 && cols > 1) {
            Matrix m = npy(file, Files.readAllBytes(file));
            double[] row = new double[cols];
            for (int i = 0; i < rows; i++) {
                System.arraycopy(m.data(), i * cols, row, 0, cols);
                sink.accept(row, i);
            }
            return new Shape(rows, cols);
        }
        long expected = (long) rows * cols * h.width();
        byte[] bytes = new byte[cols * h.width()];
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes).order(h.order());
        double[] row = new double[cols];
        for (int i = 0; i < rows; i++) {
            int got = in.readNBytes(bytes, 0, bytes.length);
            if (got < bytes.length) {
                throw new DamagedFile(file + ": truncated .npy data (expected " + expected + " bytes, found " + ((long) i * bytes.length + got)
                        + "); re-save it with numpy.save as a 2-D float64 array");
            }
            for (int j = 0; j < cols; j++) {
                double v = h.value(buf, j);
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(file + ": row " + (i + 1) + " (index " + i + "), column " + (j + 1) + " is " + describe(v)
                            + " (first bad row); remove or impute rows with missing or infinite values");
                }
                row[j] = v;
            }
            sink.accept(row, i);
        }
        return new Shape(rows, cols);
    }

    private static final int SNIFF = 6;
    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** A compressed format someone may hand us instead of the CSV inside: its magic number and the command that unpacks it. */
    private record Compressed(byte[] magic, String name, String unpack) {}

    // magic numbers that no UTF-8 CSV starts with (bzip2's "BZh" could be a header, so it is not here)
    private static final List<Compressed> COMPRESSED = List.of(
            new Compressed(new byte[] {0x1f, (byte) 0x8b}, "gzip", "gunzip -c"),
            new Compressed(new byte[] {'P', 'K', 3, 4}, "zip", "unzip -p"),
            new Compressed(new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0}, "xz", "unxz -c"),
            new Compressed(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}, "zstd", "unzstd -c"));

    /** The members of a zip file that numpy.savez wrote, all .npy arrays; empty for another zip, a pipe or a damaged file. */
    private static List<String> npzMembers(Path file) {
        if (!Files.isRegularFile(file)) return List.of();
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(file.toFile())) {
            List<String> names = z.stream().map(java.util.zip.ZipEntry::getName).toList();
            return !names.isEmpty() && names.stream().allMatch(n -> n.endsWith(".npy")) ? names : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static boolean startsWith(byte[] head, byte[] magic) {
        return head.length >= magic.length && Arrays.equals(Arrays.copyOf(head, magic.length), magic);
    }

    private static Matrix npy(Path file, byte[] bytes) throws IOException {
        Npy.Array a;
        try {
            a = Npy.parse(bytes, file.toString());
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new DamagedFile(m + "; re-save it with numpy.save as a 2-D float64 array");
        }
        int[] shape = a.shape();
        if (shape.length == 0 || shape.length > 2) {
            throw new IllegalArgumentException(file + ": a " + shape.length + "-D array; need a 2-D (rows x columns) or 1-D array, reshape it before saving");
        }
        int rows = shape[0], cols = shape.length == 1 ? 1 : shape[1];
        if (rows == 0 || cols == 0) throw new IllegalArgumentException(file + ": the array is empty (shape " + Arrays.toString(shape) + "); it needs at least one row and one column");
        double[] data = a.data();
        for (int k = 0; k < data.length; k++) {
            if (!Double.isFinite(data[k])) {
                int r = k / cols, c = k % cols;
                throw new IllegalArgumentException(file + ": row " + (r + 1) + " (index " + r + "), column " + (c + 1) + " is " + describe(data[k])
                        + " (first bad row); remove or impute rows with missing or infinite values");
            }
        }
        return new Matrix(rows, cols, data);
    }

    private static Table csv(Path file, InputStream bytes) throws IOException {
        double[][] buf = {new double[1024]};
        int[] size = {0};
        CsvShape shape = csvRows(file, bytes, (row, index) -> {
            int cols = row.length;
            if (size[0] + cols > buf[0].length) {
                long grown = Math.max((long) buf[0].length * 2, (long) size[0] + cols);
                if (grown > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(file + ": too many values for one array (more than 2^31); split the file");
                buf[0] = Arrays.copyOf(buf[0], (int) grown);
            }
            System.arraycopy(row, 0, buf[0], size[0], cols);
            size[0] += cols;
        });
        return new Table(new Matrix((int) shape.rows(), shape.cols(), Arrays.copyOf(buf[0], size[0])), shape.header());
    }

    /** What a CSV pass saw: data rows, columns, and the header's cells (null without one). */
    private record CsvShape(long rows, int cols, List<String> header) {}

    /** Parses a CSV stream row by row into {@code sink}, with every check and message of {@link #readTable}. */
    private static CsvShape csvRows(Path file, InputStream bytes, RowSink sink) throws IOException {
        List<String> header = null;
        int cols = -1, firstDataLine = 0;
        long rows = 0;
        double[] row = null;
        // a decoder of its own reports malformed input; InputStreamReader's default would replace it silently
        try (BufferedReader in = new BufferedReader(new InputStreamReader(bytes, StandardCharsets.UTF_8.newDecoder()))) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') line = line.substring(1);
                if (line.isBlank()) continue;
                String[] cells = line.split(",", -1);
                if (header == null && rows == 0 && cols < 0 && !allNumeric(cells)) {
                    header = new ArrayList<>();
                    for (String c : cells) header.add(unquote(c));
                    continue;
                }
                if (cols < 0) {
                    cols = cells.length;
                    firstDataLine = lineNo;
                    row = new double[cols];
                    if (header != null && header.size() != cols) {
                        throw new IllegalArgumentException(file + ": line " + lineNo + " (data row 1) has " + cols + " values but the header has " + header.size()
                                + " names; make the header and the rows the same width");
                    }
                } else if (cells.length != cols) {
                    throw new IllegalArgumentException(file + ": line " + lineNo + " (data row " + (rows + 1) + ") has " + cells.length + " values but line " + firstDataLine
                            + " has " + cols + "; every row needs the same number of comma-separated values");
                }
                for (int j = 0; j < cols; j++) {
                    String cell = unquote(cells[j]);
                    double v;
                    try {
                        v = parse(cell);
                    } catch (NumberFormatException e) {
                        String what = cell.isEmpty() ? "the cell is empty" : "'" + abbreviate(cell) + "' is not a number";
                        // a semicolon- or tab-separated file (a spreadsheet's export in many locales) reads as one cell a line
                        String sep = cell.contains(";") ? "semicolons" : cell.contains("\t") ? "tabs" : null;
                        if (sep != null) what += " (the values look separated by " + sep + "; cnf4j reads comma-separated values, '.' as the decimal point)";
                        throw new IllegalArgumentException(file + ": line " + lineNo + " (data row " + (rows + 1) + "), column " + (j + 1) + ": " + what
                                + "; every cell after the optional header must be numeric (fix or remove that row)");
                    }
                    if (!Double.isFinite(v)) {
                        throw new IllegalArgumentException(file + ": line " + lineNo + " (data row " + (rows + 1) + "), column " + (j + 1) + " is " + describe(v)
                                + " (first bad row); remove or impute rows with missing or infinite values");
                    }
                    row[j] = v;
                }
                sink.accept(row, rows);
                rows++;
            }
        }
        if (rows == 0) {
            throw new IllegalArgumentException(file + ": no data rows" + (header != null ? " after the header" : "") + "; the file needs at least one row of numbers");
        }
        return new CsvShape(rows, cols, header == null ? null : List.copyOf(header));
    }

    private static boolean allNumeric(String[] cells) {
        for (String c : cells) {
            try {
                parse(unquote(c));
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * One CSV cell as a number, as {@link #readCsv} reads it: Double.parseDouble plus NumPy/pandas spellings of NaN and
     * infinity; rejects Java-only suffixes such as "1d" and the empty cell (NumberFormatException). Finite or not is the
     * caller's check.
     */
    public static double parse(String s) {
        if (s.isEmpty()) throw new NumberFormatException("empty");
        switch (s.toLowerCase(Locale.ROOT)) {
            case "nan": case "+nan": case "-nan": return Double.NaN;
            case "inf": case "+inf": case "infinity": case "+infinity": return Double.POSITIVE_INFINITY;
            case "-inf": case "-infinity": return Double.NEGATIVE_INFINITY;
            default: break;
        }
        char last = Character.toLowerCase(s.charAt(s.length() - 1));
        if (last == 'd' || last == 'f') throw new NumberFormatException(s);
        return Double.parseDouble(s);
    }

    private static String unquote(String cell) {
        String c = cell.trim();
        if (c.length() >= 2 && c.charAt(0) == '"' && c.charAt(c.length() - 1) == '"') c = c.substring(1, c.length() - 1).trim();
        return c;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    private static String describe(double v) {
        return Double.isNaN(v) ? "NaN" : (v > 0 ? "+infinity" : "-infinity");
    }

    private static void checkReadable(Path file) throws IOException {
        if (!Files.exists(file)) throw MissingFile.explain(file, "file");
        if (Files.isDirectory(file)) throw new IOException(file + ": is a directory, not a data file; give a .npy or .csv file");
        if (!Files.isReadable(file)) throw new AccessDeniedException(null, null, file + ": cannot read the file (permission denied); check its permissions");
    }

    private static IOException unreadable(Path file, IOException e) {
        if (e instanceof NoSuchFileException) return MissingFile.explain(file, "file");
        if (e instanceof java.nio.file.FileSystemException f && MissingFile.isLoop(f)) return MissingFile.loop(file);
        if (e instanceof AccessDeniedException) return new AccessDeniedException(null, null, file + ": cannot read the file (permission denied); check its permissions");
        return new IOException(file + ": cannot read the file (" + e.getMessage() + ")", e);
    }

    /**
     * Writes an n x d row-major matrix atomically (a temporary file in the same folder, then a rename): .npy as
     * float64, .csv with a header {@code c0,c1,...} and values in Java's shortest round-trip decimal form.
     *
     * @throws IllegalArgumentException for another extension or a data length that is not n * d
     */
    public static void write(Path file, double[] data, int n, int d) throws IOException {
        write(file, data, n, d, null);
    }

    /** As {@link #write(Path, double[], int, int)}, with the given CSV header names (ignored for .npy; null for c0..). */
    public static void write(Path file, double[] data, int n, int d, List<String> header) throws IOException {
        if (n < 0 || d < 1 || (long) n * d != data.length) {
            throw new IllegalArgumentException("cannot write " + file + ": " + n + " x " + d + " does not match " + data.length + " values");
        }
        String ext = extension(file);
        if (!ext.equals("npy") && !ext.equals("csv")) {
            throw new IllegalArgumentException("cannot write " + file + ": unknown extension; use a file name ending in .npy or .csv");
        }
        if (header != null && header.size() != d) throw new IllegalArgumentException("cannot write " + file + ": " + header.size() + " header names for " + d + " columns");
        AtomicFile.write(file, out -> {
            if (ext.equals("npy")) {
                Npy.write(out, data, new int[] {n, d}, false);
                return;
            }
            BufferedWriter w = new BufferedWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8));
            for (int j = 0; j < d; j++) {
                if (j > 0) w.write(',');
                w.write(header == null ? "c" + j : header.get(j));
            }
            w.write('\n');
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    if (j > 0) w.write(',');
                    w.write(Double.toString(data[i * d + j]));
                }
                w.write('\n');
            }
            w.flush();
        });
    }

    public static String extension(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
