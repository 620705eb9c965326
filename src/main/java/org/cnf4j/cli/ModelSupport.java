package org.cnf4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.format.AtomicFile;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.run.RunModel;

/** Checks and helpers shared by the commands that use a trained model. */
final class ModelSupport {
    private ModelSupport() {}

    static int positive(String flag, int v) {
        if (v < 1) throw new IllegalArgumentException(flag + " must be >= 1, got " + v);
        return v;
    }

    /** An output path we can write: .npy or .csv, and not a directory. */
    static void checkMatrixOutput(Path out) {
        if (out == null) throw new IllegalArgumentException("--output FILE is required");
        String name = out.getFileName() == null ? "" : out.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".npy") && !name.endsWith(".csv")) {
            throw new IllegalArgumentException("--output " + out + ": use a file name ending in .npy or .csv");
        }
        if (Files.isDirectory(out)) throw new IllegalArgumentException("--output " + out + " is a directory");
    }

    /** Reads a finite, non-empty matrix with d columns. */
    static MatrixFile.Matrix readInput(Path file, int d) throws IOException {
        if (file == null) throw new IllegalArgumentException("--input FILE is required");
        MatrixFile.Matrix m = MatrixFile.read(file);
        if (m.rows() < 1) throw new IllegalArgumentException(file + ": no data rows");
        if (m.cols() != d) {
            throw new IllegalArgumentException(file + " has " + m.cols() + " column(s) but the model has dimension d=" + d);
        }
        return m;
    }

    /** The rows of an n x cols row-major matrix that hold a NaN or an infinity: how many, and the first (0-based, -1 if none). */
    record NonFinite(int count, int first) {
        static NonFinite of(double[] v, int n, int cols) {
            int count = 0, first = -1;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < cols; j++) {
                    if (!Double.isFinite(v[i * cols + j])) {
                        if (first < 0) first = i;
                        count++;
                        break;
                    }
                }
            }
            return new NonFinite(count, first);
        }
    }

    /**
     * Refuses to {@code task} n points with the model when they would not fit in memory, and prints the warnings about
     * the work (see {@link RunModel#budget}) on stderr before it starts.
     */
    static void budget(RunModel m, String task, int n, int nt, double passes, EngineOptions eo, String advice) {
        for (String w : m.budget(task, n, nt, passes, eo, advice)) warn(w);
    }

    /** One warning line on stderr, in the form of the error lines, for results that are written but need a word. */
    static void warn(String message) {
        System.err.println("cnf4j: warning: " + message);
        System.err.flush();
    }

    /** Writes a small JSON file atomically. */
    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        AtomicFile.write(file, bytes);
    }
}
