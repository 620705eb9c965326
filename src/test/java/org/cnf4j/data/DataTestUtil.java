package org.cnf4j.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

public final class DataTestUtil {
    private DataTestUtil() {}

    public static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /** Asserts a one-line message that contains every fragment. */
    public static String oneLine(Throwable e, String... fragments) {
        String m = e instanceof java.nio.file.FileSystemException f && f.getFile() == null ? f.getReason() : e.getMessage();
        assertNotNull(m, "message");
        assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
        for (String f : fragments) assertTrue(m.contains(f), "'" + f + "' in: " + m);
        return m;
    }

    public static double[] colMeans(double[] x, int n, int d) {
        return Preprocessing.columnStats(x, n, d, 0).mean();
    }
}
