package org.cnf4j.data;

import static org.cnf4j.data.DataTestUtil.oneLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.SplittableRandom;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** Data anywhere in the double range give correct statistics, and data that cannot be modelled are refused. */
class ExtremeValuesTest {
    static final int N = 200, D = 3;

    static double[] gaussian(int n, int d, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n * d];
        for (int k = 0; k < x.length; k++) x[k] = (r.nextGaussian() * (k % d + 1) + k % d) * scale;
        return x;
    }

    /** The plain two-pass formula the statistics used before, for the bit-identity check. */
    static Preprocessing.Stats plain(double[] x, int n, int d, int ddof) {
        double[] mean = new double[d], std = new double[d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mean[j] += x[i * d + j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) std[j] += (x[i * d + j] - mean[j]) * (x[i * d + j] - mean[j]);
        for (int j = 0; j < d; j++) std[j] = Math.sqrt(std[j] / (n - ddof));
        return new Preprocessing.Stats(mean, std);
    }

    /** Mean and std of column j in 60-digit decimal arithmetic. */
    static double[] exact(double[] x, int n, int d, int j) {
        MathContext mc = new MathContext(60);
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 0; i < n; i++) sum = sum.add(new BigDecimal(x[i * d + j]), mc);
        BigDecimal mean = sum.divide(BigDecimal.valueOf(n), mc);
        BigDecimal sq = BigDecimal.ZERO;
        for (int i = 0; i < n; i++) {
            BigDecimal c = new BigDecimal(x[i * d + j]).subtract(mean, mc);
            sq = sq.add(c.multiply(c, mc), mc);
        }
        return new double[] {mean.doubleValue(), sq.divide(BigDecimal.valueOf(n), mc).sqrt(mc).doubleValue()};
    }

    @Test
    void tinyAndHugeValuesGiveCorrectStatistics() {
        for (double scale : new double[] {1e-300, 1e300, 1e-305, 1e305}) {
            double[] x = gaussian(N, D, 7, scale);
            Preprocessing.Stats st = Preprocessing.columnStats(x, N, D, 0);
            for (int j = 0; j < D; j++) {
                double[] want = exact(x, N, D, j);
                assertEquals(want[0], st.mean()[j], Math.abs(want[0]) * 1e-12, "mean, scale " + scale);
                assertEquals(want[1], st.std()[j], want[1] * 1e-12, "std, scale " + scale + " (was 0 or infinity)");
            }
        }
        // a power-of-two scale is exact: the statistics are exactly the scaled statistics of the unscaled data
        double[] x = gaussian(N, D, 8, 1);
        Preprocessing.Stats base = Preprocessing.columnStats(x, N, D, 1);
        for (double s : new double[] {0x1p-1000, 0x1p1000}) {
            double[] y = x.clone();
            for (int k = 0; k < y.length; k++) y[k] *= s;
            Preprocessing.Stats st = Preprocessing.columnStats(y, N, D, 1);
            for (int j = 0; j < D; j++) {
                assertEquals(base.mean()[j] * s, st.mean()[j], 0);
                assertEquals(base.std()[j] * s, st.std()[j], 0);
            }
        }
    }

    @Test
    void ordinaryDataGiveExactlyThePlainFormulasBits() throws Exception {
        // runs trained before the change must resume bit-identical: same statistics to the last bit
        for (String name : List.of("breast_cancer.csv", "digits.csv")) {
            MatrixFile.Matrix m = MatrixFile.read(Fixtures.data(name));
            for (int ddof = 0; ddof <= 1; ddof++) {
                Preprocessing.Stats want = plain(m.data(), m.rows(), m.cols(), ddof), got = Preprocessing.columnStats(m.data(), m.rows(), m.cols(), ddof);
                for (int j = 0; j < m.cols(); j++) {
                    if (want.std()[j] == 0 || isConstant(m, j)) continue;
                    assertEquals(want.mean()[j], got.mean()[j], 0, name + " mean " + j);
                    assertEquals(want.std()[j], got.std()[j], 0, name + " std " + j);
                }
            }
        }
        double[] g = gaussian(N, D, 9, 1);
        Preprocessing.Stats want = plain(g, N, D, 0), got = Preprocessing.columnStats(g, N, D, 0);
        assertArrayEquals(want.mean(), got.mean(), 0);
        assertArrayEquals(want.std(), got.std(), 0);
    }

    private static boolean isConstant(MatrixFile.Matrix m, int j) {
        for (int i = 1; i < m.rows(); i++) if (m.data()[i * m.cols() + j] != m.data()[j]) return false;
        return true;
    }

    @Test
    void aConstantColumnHasStdExactlyZero() {
        double[] x = new double[10];
        java.util.Arrays.fill(x, 0.1);
        // the plain mean is 0.09999999999999999 and its std 1.4e-17: "not constant" by the old test std > 0
        assertNotEquals(0, plain(x, 10, 1, 0).std()[0]);
        Preprocessing.Stats st = Preprocessing.columnStats(x, 10, 1, 0);
        assertEquals(0.1, st.mean()[0], 0);
        assertEquals(0, st.std()[0], 0);
    }

    private static Dataset load(double[] x, int n, int d) {
        return DataSets.matrix(new MatrixFile.Matrix(n, d, x), "t.csv", "t.csv", 1, DataSets.Options.defaults());
    }

    @Test
    void constantColumnsAreRefusedByName() {
        double[] x = gaussian(N, D, 3, 1);
        for (int i = 0; i < N; i++) x[i * D + 1] = 7;
        oneLine(assertThrows(IllegalArgumentException.class, () -> load(x, N, D)), "t.csv", "column 2 is constant (all 7.0)", "point mass", "drop it");
        for (int i = 0; i < N; i++) x[i * D] = 0.1;
        oneLine(assertThrows(IllegalArgumentException.class, () -> load(x, N, D)), "columns 1, 2 are constant (all 0.1, all 7.0)", "drop them");
    }

    @Test
    void wholeNumbersBeyondTwoToThe53AreContinuous() {
        assertTrue(Preprocessing.isIntegerValued(new double[] {0, 0x1p53 - 1, -(0x1p53 - 1)}));
        assertFalse(Preprocessing.isIntegerValued(new double[] {0, 0x1p53}));
        assertFalse(Preprocessing.isIntegerValued(new double[] {1e300, -3e300}));
        // every double near 1e300 is a whole number: these used to be "dequantised" with noise far below their spacing
        double[] x = gaussian(N, D, 4, 1);
        for (int k = 0; k < x.length; k++) x[k] = Math.rint(x[k] * 5) * 1e300;
        Dataset ds = load(x, N, D);
        assertNull(ds.dequantisation());
        assertFalse(ds.notes().stream().anyMatch(n -> n.contains("dequantised")), ds.notes().toString());
        for (double s : ds.std()) assertTrue(s > 1e299 && s < 1e302, "std in the data's units: " + s);
        double[] counts = new double[N * D];
        for (int k = 0; k < counts.length; k++) counts[k] = k % 7;
        assertEquals(new Dataset.Dequantisation(0, 7), load(counts, N, D).dequantisation(), "small integers are still dequantised");
    }

    @Test
    void tinyValuesAreStandardisedNotCentredOnly() {
        Dataset ds = load(gaussian(N, D, 5, 1e-300), N, D);
        for (int j = 0; j < D; j++) assertTrue(ds.std()[j] > 1e-301 && ds.std()[j] < 1e-299, "std " + ds.std()[j] + " (was replaced by 1)");
        Preprocessing.Stats z = Preprocessing.columnStats(ds.train(), ds.nTrain(), D, 0);
        for (int j = 0; j < D; j++) assertEquals(1, z.std()[j], 0.2, "standardised train column " + j);
    }

    @Test
    void valuesThatOverflowWhenStandardisedAreRefused() {
        double[] x = gaussian(20, 2, 6, 1);
        // mean about 1.2e308, so x - mean overflows for the negative rows (three: at least one is in train + validation)
        for (int i = 0; i < 20; i++) x[i * 2 + 1] = i < 3 ? -1.7e308 : 1.7e308;
        oneLine(assertThrows(IllegalArgumentException.class, () -> load(x, 20, 2)), "-1.7E308", "column 2", "overflows when standardised");
    }
}
