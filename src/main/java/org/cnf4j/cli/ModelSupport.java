package org.cnf4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.format.AtomicWrite;
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

    /**
     * Refuses to {@code task} n points with the model when they would not fit in memory, and prints the warnings about
     * the work (see {@link RunModel#budget}) on stderr before it starts.
     */
    static void budget(RunModel m, String task, int n, int nt, double passes, EngineOptions eo, String advice) {
        for (String w : m.budget(task, n, nt, passes, eo, advice)) warn(w);
    }

    /** A warning line on stderr: the command goes on. */
    static void warn(String message) {
        System.err.println("cnf4j: warning: " + message);
        System.err.flush();
    }

    /** Writes a small JSON file atomically. */
    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        AtomicWrite.file(file, tmp -> Files.write(tmp, bytes));
    }
}
