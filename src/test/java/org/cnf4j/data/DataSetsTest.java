package org.cnf4j.data;
import org.cnf4j.format.MatrixFile;

import org.cnf4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.cnf4j.data.DataTestUtil.oneLine;
import static org.cnf4j.data.DataTestUtil.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSetsTest {
    @TempDir Path dir;

    @Test
    void digitsAreDequantisedSplitAndStandardised() throws IOException {
        Path file = Fixtures.data("digits.csv");
        Dataset ds = DataSets.load(file.toString(), 1);
        assertEquals(64, ds.d());
        assertEquals(1457, ds.nTrain());
        assertEquals(161, ds.nValidation());
        assertEquals(179, ds.nTest());
        assertEquals(new Dataset.Dequantisation(0, 17), ds.dequantisation());
        // digits has always-0 pixels; dequantisation noise makes them non-constant, so no std is replaced
        assertFalse(ds.notes().stream().anyMatch(n -> n.contains("constant")), ds.notes().toString());
        assertTrue(ds.notes().stream().anyMatch(n -> n.contains("(x - 0 + u) / 17")), ds.notes().toString());
        for (double s : ds.std()) assertTrue(s > 0 && s < 1, "std of x' in [0,1): " + s);
        // every row maps back to a row of the file: the union of the parts is the file, shuffled
        List<String> back = new ArrayList<>();
        for (double[] part : List.of(ds.train(), ds.validation(), ds.test())) addRows(back, ds.toSourceUnits(part), 64);
        List<String> orig = new ArrayList<>();
        addRows(orig, MatrixFile.read(file).data(), 64);
        List<String> inOrder = new ArrayList<>(back);
        Collections.sort(back);
        Collections.sort(orig);
        assertEquals(orig, back);
        List<String> fileOrder = new ArrayList<>();
        addRows(fileOrder, MatrixFile.read(file).data(), 64);
        assertFalse(fileOrder.equals(inOrder), "shuffled by default");
        // the same seed gives the same set, another seed another
        assertArrayEquals(ds.train(), DataSets.load(file.toString(), 1).train(), 0);
        assertFalse(Arrays.equals(ds.train(), DataSets.load(file.toString(), 2).train()));
    }

    @Test
    void breastCancerIsContinuous() throws IOException {
        Path file = Fixtures.data("breast_cancer.csv");
        Dataset ds = DataSets.load(file.toString(), 0, DataSets.Options.defaults().withShuffle(false));
        assertEquals(30, ds.d());
        assertEquals(462, ds.nTrain());
        assertEquals(51, ds.nValidation());
        assertEquals(56, ds.nTest());
        assertNull(ds.dequantisation());
        double[] first = Arrays.copyOf(ds.unstandardise(ds.train()), 30);
        assertArrayEquals(Arrays.copyOf(MatrixFile.read(file).data(), 30), first, 1e-9, "no shuffle: file order kept");
        oneLine(assertThrows(IllegalArgumentException.class,
                () -> DataSets.load(file.toString(), 0, DataSets.Options.defaults().withDequantise(DataSets.Dequantise.ON))), "not all whole numbers");
        // without dequantisation noise the always-0 pixels of digits are point masses, which a flow cannot model
        oneLine(assertThrows(IllegalArgumentException.class, () -> DataSets.load(Fixtures.data("digits.csv").toString(), 0,
                DataSets.Options.defaults().withDequantise(DataSets.Dequantise.OFF))), "columns 1, 33, 40, 57 are constant");
        Path counts = write(dir.resolve("counts.csv"), "1,2\n3,5\n4,4\n2,8\n");
        Dataset raw = DataSets.load(counts.toString(), 0, DataSets.Options.defaults().withDequantise(DataSets.Dequantise.OFF));
        assertNull(raw.dequantisation());
    }

    @Test
    void toyNamesGiveIndependentSeededDraws() throws IOException {
        DataSets.Options o = DataSets.Options.defaults().withToySizes(500, 100, 200);
        Dataset a = DataSets.load("8Gaussians", 3, o);
        assertEquals("8gaussians", a.name());
        assertEquals(2, a.d());
        assertEquals(500, a.nTrain());
        assertEquals(100, a.nValidation());
        assertEquals(200, a.nTest());
        assertArrayEquals(a.test(), DataSets.load("8gaussians", 3, o).test(), 0);
        assertFalse(Arrays.equals(Arrays.copyOf(a.train(), 200), Arrays.copyOf(a.test(), 200)));
        assertArrayEquals(new double[] {1, 1}, a.std(), 0);
        for (String name : ToyData.names()) assertEquals(500, DataSets.load(name, 1, o).nTrain());
        assertThrows(IllegalArgumentException.class, () -> DataSets.Options.defaults().withToySizes(0, 1, 1));
    }

    @Test
    void npyFileSource() throws IOException {
        double[] x = new double[40 * 3];
        // sin(k * k): sin(k) + k % 3 made column 3 an exact combination of columns 1 and 2 (sums of sin and cos of 3i), refused now
        for (int k = 0; k < x.length; k++) x[k] = Math.sin((double) k * k) + k % 3;
        Path f = dir.resolve("m.npy");
        MatrixFile.write(f, x, 40, 3);
        Dataset ds = DataSets.load(f.toString(), 7);
        assertEquals(3, ds.d());
        assertEquals(40, ds.nTrain() + ds.nValidation() + ds.nTest());
        assertNull(ds.dequantisation());
    }

    /**
     * A column that is an exact linear combination of others (a total, a full one-hot block) puts the rows on a plane,
     * as a constant column puts them on a point: refused, naming the columns. A strong but inexact relation trains.
     */
    @Test
    void linearlyDependentColumnsAreRefused() throws IOException {
        java.util.SplittableRandom g = new java.util.SplittableRandom(5);
        double[] x = new double[200 * 4], y = new double[200 * 4];
        for (int i = 0; i < 200; i++) {
            double a = g.nextGaussian(), b = g.nextGaussian(), c = g.nextGaussian();
            double[] row = {a, b, c, 0.5 * a - 3 * c + 7};
            System.arraycopy(row, 0, x, i * 4, 4);
            row[3] += 1e-4 * g.nextGaussian();   // a relation up to noise: a thin but real fourth dimension
            System.arraycopy(row, 0, y, i * 4, 4);
        }
        Path f = dir.resolve("dependent.npy"), ok = dir.resolve("nearly.npy");
        MatrixFile.write(f, x, 200, 4);
        MatrixFile.write(ok, y, 200, 4);
        oneLine(assertThrows(IllegalArgumentException.class, () -> DataSets.load(f.toString(), 0)), "dependent.npy",
                "column 4 is a linear combination of columns 1, 3 in the training and validation rows", "drop column 4");
        assertEquals(4, DataSets.load(ok.toString(), 0).d());
        // as few rows as columns: 5 rows of d = 4 leave 4 to fit, which span at most 3 dimensions
        Path few = dir.resolve("few.npy");
        MatrixFile.write(few, java.util.Arrays.copyOf(y, 5 * 4), 5, 4);
        oneLine(assertThrows(IllegalArgumentException.class, () -> DataSets.load(few.toString(), 0)),
                "the 4 training and validation rows span at most 3 of the 4 dimensions");
    }

    @Test
    void badSources() throws IOException {
        String m = oneLine(assertThrows(IllegalArgumentException.class, () -> DataSets.load("swissrol", 0)),
                "unknown data source 'swissrol'", "swissroll", "8gaussians", ".npy or .csv", "maf:NAME[:ROOT]", "power");
        assertNotNull(m);
        oneLine(assertThrows(IllegalArgumentException.class, () -> DataSets.load("  ", 0)), "no data source");
        oneLine(assertThrows(IllegalArgumentException.class, () -> DataSets.load("maf:cifar10", 0)), "unknown MAF data set 'cifar10'", "miniboone");
        oneLine(assertThrows(IllegalArgumentException.class, () -> DataSets.load("maf:", 0)), "unknown MAF data set");
        oneLine(assertThrows(NoSuchFileException.class, () -> DataSets.load(dir.resolve("nope.csv").toString(), 0)), "nope.csv", "file not found");
        oneLine(assertThrows(NoSuchFileException.class, () -> DataSets.load("maf:miniboone:" + dir.resolve("x"), 0)), "miniboone/data.npy", "file not found");
        Path tiny = write(dir.resolve("tiny.csv"), "a,b\n1,2\n3,4\n");
        oneLine(assertThrows(IllegalArgumentException.class, () -> DataSets.load(tiny.toString(), 0)), "tiny.csv", "only 2 data row(s)");
        Path bad = write(dir.resolve("bad.csv"), "a,b\n1,2\n3,x\n");
        oneLine(assertThrows(IllegalArgumentException.class, () -> DataSets.load(bad.toString(), 0)), "bad.csv", "'x' is not a number");
    }

    @Test
    void mafSourceWithRoot() throws Exception {
        Dataset ds = DataSets.load("maf:BSDS300:" + MafDataTest.resources(), 0);
        assertEquals(63, ds.d());
        Dataset p = DataSets.load("maf:power", 0, DataSets.Options.defaults().withMafRoot(MafDataTest.resources()));
        assertEquals(6, p.d());
    }

    private static void addRows(List<String> out, double[] x, int d) {
        for (int i = 0; i < x.length / d; i++) out.add(Arrays.toString(Arrays.copyOfRange(x, i * d, (i + 1) * d)));
    }
}
