package org.cnf4j.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class GaussianDensityTest {
    static final double[] MU = {1.0, -2.0, 0.5};
    /** Lower-triangular factor of the true covariance A A^T, correlated on purpose. */
    static final double[][] A = {{1.2, 0, 0}, {0.6, 0.8, 0}, {-0.4, 0.3, 0.5}};

    static double[] sample(Random r, int n) {
        double[] x = new double[n * 3];
        for (int i = 0; i < n; i++) {
            double[] z = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            for (int a = 0; a < 3; a++) {
                double v = MU[a];
                for (int b = 0; b < 3; b++) v += A[a][b] * z[b];
                x[i * 3 + a] = v;
            }
        }
        return x;
    }

    static double[] sampleMean(double[] x, int n, int d) {
        double[] m = new double[d];
        for (int i = 0; i < n; i++) for (int a = 0; a < d; a++) m[a] += x[i * d + a] / n;
        return m;
    }

    static double[][] sampleCov(double[] x, int n, int d) {
        double[] m = sampleMean(x, n, d);
        double[][] c = new double[d][d];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) c[a][b] += (x[i * d + a] - m[a]) * (x[i * d + b] - m[b]) / n;
            }
        }
        return c;
    }

    /** log N(x; m, s) for 3-D by the textbook formula: adjugate inverse and Sarrus determinant, no Cholesky. */
    static double closedForm3(double[] x, double[] m, double[][] s) {
        double det = s[0][0] * (s[1][1] * s[2][2] - s[1][2] * s[2][1])
                - s[0][1] * (s[1][0] * s[2][2] - s[1][2] * s[2][0])
                + s[0][2] * (s[1][0] * s[2][1] - s[1][1] * s[2][0]);
        double[][] inv = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                // cofactor of entry (j, i), divided by the determinant
                int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
                inv[i][j] = (s[r0][c0] * s[r1][c1] - s[r0][c1] * s[r1][c0]) / det;
            }
        }
        double q = 0;
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) q += (x[i] - m[i]) * inv[i][j] * (x[j] - m[j]);
        return -0.5 * q - 0.5 * Math.log(Math.pow(2 * Math.PI, 3) * det);
    }

    @Test
    void fittedMomentsAreTheSampleMomentsPlusReg() {
        int n = 400;
        double[] x = sample(new Random(3), n);
        double[] m = sampleMean(x, n, 3);
        double[][] c = sampleCov(x, n, 3);
        for (double reg : new double[] {0, 0.25}) {
            GaussianDensity g = GaussianDensity.fit(x, n, 3, reg);
            double[] gm = g.mean(), gc = g.covariance();
            for (int a = 0; a < 3; a++) {
                assertEquals(m[a], gm[a], 1e-12, "mean " + a);
                for (int b = 0; b < 3; b++) {
                    assertEquals(c[a][b] + (a == b ? reg : 0), gc[a * 3 + b], 1e-12, "cov " + a + "," + b);
                }
            }
        }
        // and the sample moments are near the truth, so the sample really came from the intended Gaussian
        assertEquals(1.44, c[0][0], 0.25);
        assertEquals(0.72, c[0][1], 0.2);
    }

    @Test
    void logDensityMatchesTheClosedForm() {
        int n = 300;
        double[] x = sample(new Random(5), n);
        GaussianDensity g = GaussianDensity.fit(x, n, 3, 0.01);
        double[][] s = sampleCov(x, n, 3);
        for (int a = 0; a < 3; a++) s[a][a] += 0.01;
        double[] m = sampleMean(x, n, 3);
        // training rows plus points far in the tails
        double[] q = new double[(n + 3) * 3];
        System.arraycopy(x, 0, q, 0, n * 3);
        double[] far = {10, 10, 10, -8, 3, 0.5, 0, 0, -20};
        System.arraycopy(far, 0, q, n * 3, 9);
        double[] lp = g.logDensity(q, n + 3);
        double sum = 0;
        for (int i = 0; i < n + 3; i++) {
            double[] row = {q[i * 3], q[i * 3 + 1], q[i * 3 + 2]};
            double want = closedForm3(row, m, s);
            assertEquals(want, lp[i], 1e-10, "row " + i);
            if (i < n) sum += want;
        }
        assertEquals(sum / n, g.meanLogDensity(x, n), 1e-10);
    }

    @Test
    void singleRowWithRegIsAnIsotropicGaussian() {
        GaussianDensity g = GaussianDensity.fit(new double[] {1, 2}, 1, 2, 0.5);
        double[] lp = g.logDensity(new double[] {1, 2, 2, 2}, 2);
        assertEquals(-Math.log(2 * Math.PI * 0.5), lp[0], 1e-12);
        assertEquals(-Math.log(2 * Math.PI * 0.5) - 1.0, lp[1], 1e-12); // (1^2 / 0.5) / 2
    }

    @Test
    void degenerateInputThrows() {
        assertThrows(IllegalArgumentException.class, () -> GaussianDensity.fit(new double[0], 0, 2, 0.1));
        assertThrows(IllegalArgumentException.class, () -> GaussianDensity.fit(new double[5], 3, 2, 0.1));
        assertThrows(IllegalArgumentException.class, () -> GaussianDensity.fit(null, 3, 2, 0.1));
        assertThrows(IllegalArgumentException.class, () -> GaussianDensity.fit(new double[4], 2, 0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> GaussianDensity.fit(new double[4], 2, 2, -1));
        assertThrows(IllegalArgumentException.class, () -> GaussianDensity.fit(new double[] {1, Double.NaN}, 1, 2, 0.1));
        GaussianDensity g = GaussianDensity.fit(new double[] {0, 1, 1, 0}, 2, 2, 0.1);
        assertThrows(IllegalArgumentException.class, () -> g.logDensity(new double[3], 2));
        assertEquals(0, g.logDensity(new double[0], 0).length);
    }

    @Test
    void singularCovarianceThrowsUnlessRegularised() {
        // second column = 2 * first: rank-1 covariance
        double[] x = {0, 0, 1, 2, 2, 4, 3, 6};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GaussianDensity.fit(x, 4, 2, 0));
        assertTrue(e.getMessage().contains("not positive definite"), e.getMessage());
        // a single row has zero covariance
        assertThrows(IllegalArgumentException.class, () -> GaussianDensity.fit(new double[] {1, 2}, 1, 2, 0));
        double[] lp = GaussianDensity.fit(x, 4, 2, 1e-6).logDensity(x, 4);
        for (double v : lp) assertTrue(Double.isFinite(v));
    }
}
