package org.cnf4j.cli;

import static org.cnf4j.cli.BadInputTest.fails;
import static org.cnf4j.cli.BadInputTest.frag;
import static org.cnf4j.testing.Fixtures.swissroll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cnf4j.format.Npy;
import org.cnf4j.model.PhiShape;
import org.cnf4j.run.ReferenceModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imported and saved weights must have their state_dict shape, not just its number of values: a transposed
 * N.layers.0.weight holds as many values and used to give another model without a word.
 */
class ImportShapeTest {
    @TempDir Path dir;

    /** A copy of the swissroll export (d=2, m=32, nTh=2) with {@code key} replaced by an array of {@code shape}. */
    private Path exportWith(String name, String key, int[] shape, boolean transpose) throws Exception {
        Path w = dir.resolve(name);
        Files.createDirectories(w);
        try (var files = Files.list(swissroll().resolve("weights"))) {
            for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, w.resolve(f.getFileName()));
        }
        Npy.Array a = Npy.read(w.resolve(key + ".npy"));
        double[] v = a.data();
        if (transpose) {
            int r = a.shape()[0], c = a.shape()[1];
            v = new double[r * c];
            for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) v[j * r + i] = a.data()[i * c + j];
        } else {
            long n = 1;
            for (int s : shape) n *= s;
            v = java.util.Arrays.copyOf(v, (int) n);
        }
        Npy.write(w.resolve(key + ".npy"), v, shape, false);
        return w;
    }

    private String importFails(Path weights, String... fragments) {
        Path out = dir.resolve("never-" + weights.getFileName());
        String err = fails(2, fragments, "import-otflow", "--weights", weights.toString(), "--config", swissroll().resolve("config.json").toString(),
                "--out", out.toString());
        assertFalse(Files.exists(out), "no run directory after a refused import");
        assertFalse(err.contains("config.json:"), "the weight file is at fault, not the config: " + err);
        return err;
    }

    @Test
    void aTransposedWeightIsRefused() throws Exception {
        // (32, 3) saved as (3, 32): the same 96 values, accepted before
        Path w = exportWith("transposed", "N.layers.0.weight", new int[] {3, 32}, true);
        importFails(w, "N.layers.0.weight.npy", "shape (3, 32)", "expected (32, 3)", "d=2, m=32");
    }

    @Test
    void aBiasOfTheWrongLengthOrRankIsRefused() throws Exception {
        importFails(exportWith("short-bias", "N.layers.0.bias", new int[] {31}, false), "N.layers.0.bias.npy", "shape (31,)", "expected (32,)");
        // PyTorch exports biases 1-D; a (1, m) row is another array (and so a sign of a different export), refused too
        importFails(exportWith("row-bias", "N.layers.1.bias", new int[] {1, 32}, false), "shape (1, 32)", "expected (32,)");
    }

    @Test
    void aThreeDimensionalArrayIsRefused() throws Exception {
        importFails(exportWith("cube", "A", new int[] {3, 3, 1}, false), "A.npy", "shape (3, 3, 1)", "expected (3, 3)");
    }

    @Test
    void theLibraryLoaderRefusesTheSameShapes() throws Exception {
        Path w = exportWith("lib", "w.weight", new int[] {32, 1}, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReferenceModel.loadWeights(w, new PhiShape(2, 32, 2)));
        assertTrue(e.getMessage().contains("w.weight.npy") && e.getMessage().contains("(32, 1)") && e.getMessage().contains("(1, 32)"), e.getMessage());
    }

    @Test
    void aHandEditedWeightInARunDirectoryIsRefused() throws Exception {
        Path run = Cli.importSwissroll(dir.resolve("run"));
        Path key = run.resolve("weights").resolve("N.layers.0.weight.npy");
        Npy.Array a = Npy.read(key);
        Npy.write(key, a.data(), new int[] {3, 32}, false);   // reshaped in place: the size check alone would pass it
        Path out = dir.resolve("never.csv");
        // a damaged run directory, like a corrupt checkpoint: a data error (exit 1) naming the weight file
        fails(1, frag("N.layers.0.weight.npy", "shape (3, 32)", "expected (32, 3)"), "logp", "--model", run.toString(),
                "--input", swissroll().resolve("inputs.npy").toString(), "--output", out.toString());
        assertFalse(Files.exists(out));
    }
}
