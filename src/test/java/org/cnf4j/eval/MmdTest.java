package org.cnf4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MmdTest {
    /** n x d standard normals plus a shift. Tests draw both sets from one stream: new Random(1) and
     *  new Random(2) give visibly correlated sequences, which would bias a two-sample test. */
    private static double[] gaussian(Random r, int n, int d, double shift) {
        double[] a = new double[n * d];
        for (int i = 0; i < a.length; i++) a[i] = r.nextGaussian() + shift;
        return a;
    }

    @Test
    void matchesABruteForceComputationOnATinyExample() {
        int d = 2;
        double[] x = {0.1, -0.3, 0.7, 0.2, -0.5, 0.4};
        double[] y = {0.0, 0.0, 1.0, -1.0, 0.3, 0.3, -0.2, 0.9};
        for (double eps : new double[] {0, Mmd.JKO_EPS, 0.3}) {
            assertEquals(bruteForce(x, 3, y, 4, d, eps), Mmd.mmd2(x, y, d, eps), 1e-12, "eps " + eps);
        }
        assertEquals(bruteForce(x, 3, y, 4, d, 0), Mmd.mmd2(x, y, d), 1e-12);
    }

    /** The textbook formula, written out independently: every ordered pair, the diagonal skipped. */
    private static double bruteForce(double[] x, int n, double[] y, int m, int d, double eps) {
        double kxx = 0, kyy = 0, kxy = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) if (i != j) kxx += k(x, i, x, j, d, eps);
        for (int i = 0; i < m; i++) for (int j = 0; j < m; j++) if (i != j) kyy += k(y, i, y, j, d, eps);
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) kxy += k(x, i, y, j, d, eps);
        return kxx / (n * (n - 1)) + kyy / (m * (m - 1)) - 2 * kxy / (n * m);
    }

    private static double k(double[] a, int i, double[] b, int j, int d, double eps) {
        double s = 0;
        for (int c = 0; c < d; c++) s += Math.pow(a[i * d + c] - b[j * d + c], 2);
        return Math.exp(-(s + eps));
    }

    @Test
    void sameDistributionIsNearZero() {
        Random r = new Random(11);
        // the null standard deviation at these sizes is about 5.5e-4 (measured over 40 draws)
        double v = Mmd.mmd2(gaussian(r, 1500, 2, 0), gaussian(r, 1200, 2, 0), 2, Mmd.JKO_EPS);
        assertTrue(Math.abs(v) < 2.5e-3, "MMD^2 " + v);
    }

    @Test
    void shiftedDistributionIsClearlyPositive() {
        Random r = new Random(12);
        double[] x = gaussian(r, 800, 3, 0);
        double same = Math.abs(Mmd.mmd2(x, gaussian(r, 800, 3, 0), 3));
        double shifted = Mmd.mmd2(x, gaussian(r, 800, 3, 0.5), 3); // about 0.03 by a numpy cross-check
        assertTrue(shifted > 0.01, "MMD^2 " + shifted);
        assertTrue(shifted > 10 * same, "shifted " + shifted + " vs same " + same);
    }

    @Test
    void isSymmetric() {
        Random r = new Random(13);
        double[] x = gaussian(r, 300, 2, 0), y = gaussian(r, 200, 2, 0.3);
        assertEquals(Mmd.mmd2(x, y, 2), Mmd.mmd2(y, x, 2), 1e-14);
    }

    @Test
    void identicalSetsGiveTheDiagonalCorrection() {
        // with y = x the statistic is not 0: the cross term keeps the diagonal k(x_i, x_i) = 1, so
        // MMD^2 = 2 A / (n (n-1)) - 2 (A + n) / n^2 with A = sum_{i != j} k(x_i, x_j)
        double[] x = gaussian(new Random(14), 50, 2, 0);
        int n = 50;
        double a = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) if (i != j) a += k(x, i, x, j, 2, 0);
        double expected = 2 * a / (n * (n - 1.0)) - 2 * (a + n) / ((double) n * n);
        assertEquals(expected, Mmd.mmd2(x, x.clone(), 2), 1e-12);
    }

    @Test
    void rejectsBadShapes() {
        assertThrows(IllegalArgumentException.class, () -> Mmd.mmd2(new double[5], new double[4], 2));
        assertThrows(IllegalArgumentException.class, () -> Mmd.mmd2(new double[2], new double[4], 2));
        assertThrows(IllegalArgumentException.class, () -> Mmd.mmd2(new double[4], new double[4], 0));
    }
}
