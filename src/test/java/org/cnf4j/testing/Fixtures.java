package org.cnf4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cnf4j.format.Npy;

/**
 * Paths to the test fixtures, all inside the repository, and comparison helpers for the tests: the
 * PyTorch OT-Flow reference fixtures from src/test/resources/reference/otflow (on the test classpath)
 * and the data sets from data/ at the module root.
 */
public final class Fixtures {
    private Fixtures() {}

    /**
     * The optional material folder beside the checkout ({@code ../shared}, or {@code -Dcnf4j.shared=...}).
     * No test may need it: a fresh clone has none. Copy what a test needs into the repository instead.
     */
    public static Path shared() {
        Path p = Path.of(System.getProperty("cnf4j.shared", "../shared")).toAbsolutePath().normalize();
        assertTrue(Files.isDirectory(p), "shared/ not found at " + p + " (set -Dcnf4j.shared=...)");
        return p;
    }

    /** A folder or file of the test classpath (src/test/resources), e.g. "reference/otflow/swissroll". */
    public static Path resource(String name) {
        URL url = Fixtures.class.getResource("/" + name);
        assertNotNull(url, "test resource " + name + " not found (src/test/resources/" + name + ")");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The module root (surefire's basedir; the working directory otherwise). */
    public static Path root() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    /** A file of the repository's data/ folder, e.g. data("digits.csv"). */
    public static Path data(String name) {
        Path p = root().resolve("data").resolve(name);
        assertTrue(Files.isRegularFile(p), "data file not found at " + p);
        return p;
    }

    public static Path swissroll() { return resource("reference/otflow/swissroll"); }

    public static Path miniboone() { return resource("reference/otflow/miniboone"); }

    public static Npy.Array npy(Path p) {
        try {
            return Npy.read(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What a plain new file in {@code folder} gets under this process's umask (usually rw-r--r--): the expectation
     * for every output, whatever the umask of the machine running the tests.
     */
    public static java.util.Set<java.nio.file.attribute.PosixFilePermission> plainFilePermissions(Path folder) throws IOException {
        Path probe = folder.resolve(".permissions-probe");
        Files.deleteIfExists(probe);
        Files.newOutputStream(probe).close();
        var p = Files.getPosixFilePermissions(probe);
        Files.delete(probe);
        return p;
    }

    /** max|a - b| / max|b|, the relative error measure of the reference README. */
    public static double relErr(double[] mine, double[] ref) {
        assertEquals(ref.length, mine.length, "length");
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            num = Math.max(num, Math.abs(mine[i] - ref[i]));
            den = Math.max(den, Math.abs(ref[i]));
        }
        return den == 0 ? num : num / den;
    }

    public static void assertRel(double[] mine, double[] ref, double tol, String what) {
        double e = relErr(mine, ref);
        assertTrue(e <= tol, what + ": relative error " + e + " > " + tol);
    }

    /** Column j of a row-major matrix with the given width. */
    public static double[] column(double[] a, int width, int j) {
        double[] c = new double[a.length / width];
        for (int i = 0; i < c.length; i++) c[i] = a[i * width + j];
        return c;
    }

    /** Columns [from, to) of a row-major matrix. */
    public static double[] columns(double[] a, int width, int from, int to) {
        int rows = a.length / width, w = to - from;
        double[] c = new double[rows * w];
        for (int i = 0; i < rows; i++) System.arraycopy(a, i * width + from, c, i * w, w);
        return c;
    }

    /** The root element of an SVG file, parsed without fetching its DTD. */
    public static org.w3c.dom.Element svgRoot(Path svg) throws Exception {
        var f = javax.xml.parsers.DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(svg.toFile()).getDocumentElement();
    }
}
