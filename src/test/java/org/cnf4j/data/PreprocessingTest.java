package org.cnf4j.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreprocessingTest {
    @Test
    void referenceSplitSizes() {
        assertEquals(new Preprocessing.SplitSizes(81, 9, 10), Preprocessing.split(100));
        assertEquals(new Preprocessing.SplitSizes(1457, 161, 179), Preprocessing.split(1797));
        // MINIBOONE: N = 36488 -> test 3648, validation 3284, train 29556 (the MAF paper's counts)
        assertEquals(new Preprocessing.SplitSizes(29556, 3284, 3648), Preprocessing.split(36488));
        assertEquals(new Preprocessing.SplitSizes(1, 1, 1), Preprocessing.split(3));
        DataTestUtil.oneLine(assertThrows(IllegalArgumentException.class, () -> Preprocessing.split(2)), "at least 3 rows");
    }

    @Test
    void statsWithDdofZeroAndOne() {
        double[] x = {1, 10, 2, 10, 3, 10, 4, 10};
        Preprocessing.Stats s0 = Preprocessing.columnStats(x, 4, 2, 0);
        assertArrayEquals(new double[] {2.5, 10}, s0.mean(), 1e-15);
        assertEquals(Math.sqrt(1.25), s0.std()[0], 1e-15);
        assertEquals(0, s0.std()[1], 0);
        assertEquals(Math.sqrt(5.0 / 3), Preprocessing.columnStats(x, 4, 2, 1).std()[0], 1e-15);
        assertEquals(List.of(1), Preprocessing.constantColumns(s0.std()));
        assertArrayEquals(new double[] {Math.sqrt(1.25), 1}, Preprocessing.safeStd(s0.std()), 1e-15);
    }

    @Test
    void splitAndStandardiseUsesTrainPlusValidation() {
        int n = 50, d = 3;
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            x[i * d] = i;
            x[i * d + 1] = Math.sin(i) * 5 + 2;
            x[i * d + 2] = i % 4; // (a constant column is refused: ExtremeValuesTest)
        }
        Dataset ds = Preprocessing.splitAndStandardise("t", x.clone(), n, d, null, List.of());
        assertEquals(41, ds.nTrain());
        assertEquals(4, ds.nValidation());
        assertEquals(5, ds.nTest());
        double[] tv = new double[(ds.nTrain() + ds.nValidation()) * d];
        System.arraycopy(ds.train(), 0, tv, 0, ds.train().length);
        System.arraycopy(ds.validation(), 0, tv, ds.train().length, ds.validation().length);
        Preprocessing.Stats s = Preprocessing.columnStats(tv, 45, d, 0);
        assertArrayEquals(new double[] {0, 0, 0}, s.mean(), 1e-12);
        assertArrayEquals(new double[] {1, 1, 1}, s.std(), 1e-12);
        // file order is kept: the test part is the last 5 rows, and unstandardise maps back exactly
        double[] back = ds.unstandardise(ds.test());
        assertArrayEquals(Arrays.copyOfRange(x, 45 * d, 50 * d), back, 1e-12);
    }

    @Test
    void dequantisationIsSeededInvertibleAndInUnitInterval() {
        double[] x = {0, 16, 3, 5, 16, 0, 7, 1};
        assertTrue(Preprocessing.isIntegerValued(x));
        assertFalse(Preprocessing.isIntegerValued(new double[] {1, 2.5}));
        double[] a = x.clone(), b = x.clone(), c = x.clone();
        Dataset.Dequantisation q = Preprocessing.dequantise(a, 5);
        Preprocessing.dequantise(b, 5);
        Preprocessing.dequantise(c, 6);
        assertEquals(new Dataset.Dequantisation(0, 17), q);
        assertArrayEquals(a, b, 0);
        assertFalse(Arrays.equals(a, c));
        for (int k = 0; k < x.length; k++) {
            assertTrue(a[k] >= 0 && a[k] < 1);
            assertEquals(x[k], Math.floor(a[k] * 17), 0);
        }
        double[] neg = {-2, 3};
        Dataset.Dequantisation qn = Preprocessing.dequantise(neg, 1);
        assertEquals(new Dataset.Dequantisation(-2, 6), qn);
    }

    @Test
    void shuffleIsASeededPermutationOfRows() {
        int n = 100, d = 2;
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
        }
        double[] a = x.clone(), b = x.clone(), c = x.clone();
        Preprocessing.shuffleRows(a, n, d, 1);
        Preprocessing.shuffleRows(b, n, d, 1);
        Preprocessing.shuffleRows(c, n, d, 2);
        assertArrayEquals(a, b, 0);
        assertNotEquals(Arrays.toString(a), Arrays.toString(c));
        assertNotEquals(Arrays.toString(a), Arrays.toString(x));
        boolean[] seen = new boolean[n];
        for (int i = 0; i < n; i++) {
            assertEquals(-a[2 * i], a[2 * i + 1], 0);
            seen[(int) a[2 * i]] = true;
        }
        for (boolean s : seen) assertTrue(s);
    }

    @Test
    void datasetMapsBackToSourceUnits() {
        Dataset ds = new Dataset("q", 1, new double[] {0.0}, 1, new double[] {0.0}, 1, new double[] {0.0}, 1,
                new double[] {0.5}, new double[] {0.1}, new Dataset.Dequantisation(0, 17), List.of());
        // z = 0 -> x' = 0.5 -> floor(8.5) = 8
        assertArrayEquals(new double[] {8, 16, 0}, ds.toSourceUnits(new double[] {0, 100, -100}), 0);
        assertEquals(Math.log(0.1) + Math.log(17), ds.nllOffset(), 1e-15);
    }
}
