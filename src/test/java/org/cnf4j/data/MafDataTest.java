package org.cnf4j.data;
import org.cnf4j.format.MatrixFile;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import org.cnf4j.format.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.cnf4j.data.DataTestUtil.oneLine;
import static org.cnf4j.data.DataTestUtil.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MafDataTest {
    @TempDir Path dir;

    /** src/test/resources/data/maf: power/ and BSDS300/ made by make_power.py and make_bsds300.py. */
    static Path resources() throws URISyntaxException {
        return Path.of(MafDataTest.class.getResource("/data/maf").toURI());
    }

    @Test
    void powerMatchesTheNumpyReference() throws Exception {
        Dataset ds = MafData.load("POWER", resources());
        assertEquals(6, ds.d());
        assertEquals(33, ds.nTrain());
        assertEquals(3, ds.nValidation());
        assertEquals(4, ds.nTest());
        Path r = resources();
        assertArrayEquals(Npy.read(r.resolve("power_expected_train.npy")).data(), ds.train(), 1e-12);
        assertArrayEquals(Npy.read(r.resolve("power_expected_validation.npy")).data(), ds.validation(), 1e-12);
        assertArrayEquals(Npy.read(r.resolve("power_expected_test.npy")).data(), ds.test(), 1e-12);
    }

    @Test
    void powerNeedsEightColumns() throws IOException {
        Files.createDirectories(dir.resolve("power"));
        Npy.write(dir.resolve("power/data.npy"), new double[30], new int[] {10, 3}, false);
        oneLine(assertThrows(IllegalArgumentException.class, () -> MafData.power(dir)), "data.npy", "3 columns", "8");
    }

    @Test
    void minibooneSplitsInOrderAndStandardises() throws IOException {
        int n = 50, d = 4;
        double[] x = random(n, d, 3);
        Files.createDirectories(dir.resolve("miniboone"));
        Npy.write(dir.resolve("miniboone/data.npy"), x, new int[] {n, d}, false);
        Dataset ds = MafData.load("miniboone", dir);
        assertEquals(41, ds.nTrain());
        assertEquals(4, ds.nValidation());
        assertEquals(5, ds.nTest());
        Preprocessing.Stats st = Preprocessing.columnStats(x, 45, d, 0);
        assertArrayEquals(st.mean(), ds.mean(), 1e-12);
        assertArrayEquals(st.std(), ds.std(), 1e-12);
        for (int j = 0; j < d; j++) assertEquals((x[45 * d + j] - st.mean()[j]) / st.std()[j], ds.test()[j], 1e-12);
        assertEquals((x[0] - st.mean()[0]) / st.std()[0], ds.train()[0], 1e-12);
    }

    @Test
    void gasPickleGivesAConversionLine() throws IOException {
        write(dir.resolve("gas/ethylene_CO.pickle"), "not really a pickle");
        String m = oneLine(assertThrows(IllegalArgumentException.class, () -> MafData.load("gas", dir)),
                "ethylene_CO.pickle", "pandas pickle", "python3 -c", "pd.read_pickle(", "np.save(", "ethylene_CO.npy", "'Meth', 'Eth', 'Time'");
        assertTrue(m.length() < 600, m);
        oneLine(assertThrows(NoSuchFileException.class, () -> MafData.load("gas", dir.resolve("elsewhere"))), "ethylene_CO.pickle", "file not found");
    }

    @Test
    void gasDropsCorrelatedColumnsAndStandardisesAllRows() throws IOException {
        int n = 60;
        SplittableRandom r = new SplittableRandom(9);
        StringBuilder csv = new StringBuilder("Time,Meth,Eth,A,B,C,D\n");
        double[] raw = new double[n * 3]; // expected kept columns B, C, D
        for (int i = 0; i < n; i++) {
            double a = r.nextDouble(), b = r.nextDouble(), c = r.nextDouble();
            double dd = 2 * a + 1e-4 * r.nextDouble(); // D ~ A: A (the first of the pair) is dropped
            csv.append(i).append(",1,2,").append(a).append(',').append(b).append(',').append(c).append(',').append(dd).append('\n');
            raw[3 * i] = b;
            raw[3 * i + 1] = c;
            raw[3 * i + 2] = dd;
        }
        write(dir.resolve("gas/ethylene_CO.csv"), csv.toString());
        Dataset ds = MafData.gas(dir);
        assertEquals(3, ds.d());
        assertEquals(n, ds.nTrain() + ds.nValidation() + ds.nTest());
        assertEquals(6, ds.nTest());
        assertEquals(5, ds.nValidation());
        Preprocessing.Stats st = Preprocessing.columnStats(raw, n, 3, 1);
        assertArrayEquals(st.mean(), ds.mean(), 1e-12);
        assertArrayEquals(st.std(), ds.std(), 1e-12);
        assertEquals((raw[3 * (n - 1) + 2] - st.mean()[2]) / st.std()[2], ds.test()[ds.test().length - 1], 1e-12);
        assertTrue(ds.notes().get(0).contains("dropped 1 column"), ds.notes().toString());

        // the .npy of the conversion line (Meth, Eth, Time already dropped) gives the same result
        Files.createDirectories(dir.resolve("npy/gas"));
        double[] four = new double[n * 4];
        MatrixFile.Matrix m = MatrixFile.read(dir.resolve("gas/ethylene_CO.csv"));
        for (int i = 0; i < n; i++) System.arraycopy(m.data(), i * 7 + 3, four, i * 4, 4);
        Npy.write(dir.resolve("npy/gas/ethylene_CO.npy"), four, new int[] {n, 4}, false);
        Dataset fromNpy = MafData.gas(dir.resolve("npy"));
        assertArrayEquals(ds.train(), fromNpy.train(), 0);
        assertArrayEquals(ds.test(), fromNpy.test(), 0);
    }

    @Test
    void hepmassKeepsSignalDropsRepeatedFeatureAndExtraTestColumn() throws IOException {
        SplittableRandom r = new SplittableRandom(4);
        StringBuilder train = new StringBuilder("# label,f0,f1,f2\n");
        int nSignal = 0;
        double[] signal = new double[40 * 3];
        for (int i = 0; i < 40; i++) {
            int label = i % 4 == 3 ? 0 : 1;
            double f0 = r.nextGaussian(), f1 = i % 3 == 0 ? 0.5 : 1 + r.nextDouble(), f2 = r.nextGaussian();
            train.append(label).append(',').append(f0).append(',').append(f1).append(',').append(f2).append('\n');
            if (label == 1) {
                signal[nSignal * 3] = f0;
                signal[nSignal * 3 + 1] = f1;
                signal[nSignal * 3 + 2] = f2;
                nSignal++;
            }
        }
        StringBuilder test = new StringBuilder("# label,f0,f1,f2,mass\n");
        test.append("1,0.1,1.5,0.2,500\n0,9,9,9,9\n1,0.3,1.7,-0.4,750\n");
        write(dir.resolve("hepmass/1000_train.csv"), train.toString());
        write(dir.resolve("hepmass/1000_test.csv"), test.toString());
        Dataset ds = MafData.load("hepmass", dir);
        assertEquals(30, nSignal);
        assertEquals(2, ds.d(), "f1 (its smallest value 0.5 occurs 8 times) is removed");
        assertEquals(3, ds.nValidation());
        assertEquals(27, ds.nTrain());
        assertEquals(2, ds.nTest());
        Preprocessing.Stats st = Preprocessing.columnStats(signal, 30, 3, 1);
        assertArrayEquals(new double[] {st.mean()[0], st.mean()[2]}, ds.mean(), 1e-12);
        assertArrayEquals(new double[] {st.std()[0], st.std()[2]}, ds.std(), 1e-12);
        assertArrayEquals(new double[] {(0.1 - st.mean()[0]) / st.std()[0], (0.2 - st.mean()[2]) / st.std()[2],
                (0.3 - st.mean()[0]) / st.std()[0], (-0.4 - st.mean()[2]) / st.std()[2]}, ds.test(), 1e-12);
        assertEquals((signal[29 * 3 + 2] - st.mean()[2]) / st.std()[2], ds.validation()[5], 1e-12);

        write(dir.resolve("hepmass/1000_test.csv"), "# label,f0\n1,2\n");
        oneLine(assertThrows(IllegalArgumentException.class, () -> MafData.hepmass(dir)), "1000_test.csv", "2 columns", "has 4");
    }

    @Test
    void bsds300ReadsTheH5pyFile() throws Exception {
        Dataset ds = MafData.load("bsds300", resources());
        assertEquals(63, ds.d());
        assertEquals(5, ds.nTrain());
        assertEquals(2, ds.nValidation());
        assertEquals(3, ds.nTest());
        assertEquals(4 * 1000 + 62, ds.train()[4 * 63 + 62], 0);
        assertEquals(1000 + 3 + 0.5, ds.validation()[63 + 3], 0);
        assertEquals(2 * 1000 + 0.25, ds.test()[2 * 63], 0);
        assertArrayEquals(new double[63], ds.mean(), 0);
    }

    @Test
    void bsds300MissingDatasetOrCorruptFile() throws IOException {
        Path f = dir.resolve("BSDS300/BSDS300.hdf5");
        Files.createDirectories(f.getParent());
        try (WritableHdfFile h = HdfFile.write(f)) {
            h.putDataset("train", new double[][] {{1, 2}, {3, 4}});
            h.putDataset("validation", new double[][] {{1, 2}});
        }
        oneLine(assertThrows(IllegalArgumentException.class, () -> MafData.bsds300(dir)), "BSDS300.hdf5", "no dataset 'test'");
        Files.write(f, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        oneLine(assertThrows(IOException.class, () -> MafData.bsds300(dir)), "BSDS300.hdf5", "HDF5");
    }

    @Test
    void missingFilesNameTheArchiveLayout() {
        Path none = dir.resolve("no-such-root");
        for (String name : MafData.NAMES) {
            oneLine(assertThrows(NoSuchFileException.class, () -> MafData.load(name, none)), "no-such-root", "file not found");
        }
        oneLine(assertThrows(NoSuchFileException.class, () -> MafData.load("power", none)), "power/data.npy", "does not exist", "zenodo");
        oneLine(assertThrows(IllegalArgumentException.class, () -> MafData.load("cifar", none)), "unknown MAF data set 'cifar'", "power, gas");
    }

    private static double[] random(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n * d];
        for (int k = 0; k < x.length; k++) x[k] = r.nextDouble() * (1 + k % d);
        return x;
    }
}
