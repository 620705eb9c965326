package org.cnf4j.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class GaussianMixtureTest {
    // the well-separated 2-D mixture: weights, means and lower-triangular covariance factors
    static final double[] W = {0.3, 0.7};
    static final double[][] MU = {{-3, 0}, {3, 1.5}};
    static final double[][][] A = {{{1.0, 0}, {0.3, 0.6}}, {{0.7, 0}, {-0.4, 1.0}}};

    static double[] twoComponents(Random r, int n) {
        double[] x = new double[n * 2];
        for (int i = 0; i < n; i++) {
            int c = r.nextDouble() < W[0] ? 0 : 1;
            double z0 = r.nextGaussian(), z1 = r.nextGaussian();
            x[i * 2] = MU[c][0] + A[c][0][0] * z0;
            x[i * 2 + 1] = MU[c][1] + A[c][1][0] * z0 + A[c][1][1] * z1;
        }
        return x;
    }

    /** Three overlapping 3-D blobs: a misspecified, slow EM problem to watch the likelihood over many steps. */
    static double[] overlapping3d(Random r, int n) {
        double[][] centres = {{0, 0, 0}, {1.5, 0.5, -1}, {-1, 2, 0.5}};
        double[] x = new double[n * 3];
        for (int i = 0; i < n; i++) {
            double[] m = centres[r.nextInt(3)];
            for (int a = 0; a < 3; a++) x[i * 3 + a] = m[a] + r.nextGaussian() * (0.6 + 0.3 * a);
        }
        return x;
    }

    @Test
    void emNeverDecreasesTheTrainingLikelihood() {
        double[] x3 = overlapping3d(new Random(21), 600);
        double[] x2 = twoComponents(new Random(22), 500);
        for (double reg : new double[] {0, 1e-6}) {
            for (long seed = 1; seed <= 3; seed++) {
                GaussianMixture m = GaussianMixture.fit(x3, 600, 3, 4, reg, 400, 0, seed);
                checkHistory(m, x3, 600, "3-D k=4 reg " + reg + " seed " + seed);
                assertTrue(m.iterations() >= 10, "only " + m.iterations() + " iterations: test too easy");
                checkHistory(GaussianMixture.fit(x2, 500, 2, 3, reg, 400, 0, seed), x2, 500, "2-D k=3 seed " + seed);
            }
        }
    }

    private static void checkHistory(GaussianMixture m, double[] x, int n, String what) {
        double[] h = m.logLikelihoodHistory();
        assertEquals(m.iterations() + 1, h.length, what);
        for (int t = 1; t < h.length; t++) {
            assertTrue(h[t] >= h[t - 1] - 1e-9, what + ": step " + t + " went from " + h[t - 1] + " to " + h[t]);
        }
        assertTrue(h[h.length - 1] > h[0], what + ": EM did not improve on its initialisation");
        // the reported training likelihood is that of the returned parameters
        assertEquals(m.meanLogDensity(x, n), m.meanLogLikelihood(), 1e-12, what);
        assertEquals(0, m.reseeds(), what);
    }

    @Test
    void recoversAWellSeparatedMixtureAndBeatsOneGaussian() {
        int n = 2000, nTest = 1000;
        Random r = new Random(31);
        double[] x = twoComponents(r, n);
        double[] test = twoComponents(r, nTest);
        GaussianMixture m = GaussianMixture.fit(x, n, 2, 2, 1e-6, 200, 1e-8, 7);
        assertTrue(m.converged());
        int left = m.mean(0)[0] < m.mean(1)[0] ? 0 : 1; // match fitted components to the true ones by x
        int[] order = {left, 1 - left};
        double[] w = m.weights();
        for (int c = 0; c < 2; c++) {
            assertEquals(W[c], w[order[c]], 0.05, "weight " + c);
            assertEquals(MU[c][0], m.mean(order[c])[0], 0.15, "mean " + c + " x");
            assertEquals(MU[c][1], m.mean(order[c])[1], 0.15, "mean " + c + " y");
        }
        double gmm = m.meanLogDensity(test, nTest);
        double single = GaussianDensity.fit(x, n, 2, 1e-6).meanLogDensity(test, nTest);
        assertTrue(gmm > single + 0.3, "mixture " + gmm + " vs single Gaussian " + single);

        // the mixture density, assembled here from the fitted parameters with a 2x2 inverse by hand
        double[] lp = m.logDensity(test, nTest);
        for (int i = 0; i < 50; i++) {
            double p = 0;
            for (int c = 0; c < 2; c++) {
                double[] mu = m.mean(c), s = m.covariance(c);
                double det = s[0] * s[3] - s[1] * s[2];
                double dx = test[i * 2] - mu[0], dy = test[i * 2 + 1] - mu[1];
                double q = (s[3] * dx * dx - 2 * s[1] * dx * dy + s[0] * dy * dy) / det;
                p += w[c] * Math.exp(-0.5 * q) / (2 * Math.PI * Math.sqrt(det));
            }
            assertEquals(Math.log(p), lp[i], 1e-10, "row " + i);
        }
    }

    @Test
    void oneComponentIsTheGaussian() {
        int n = 400;
        double[] x = overlapping3d(new Random(41), n);
        double[] q = overlapping3d(new Random(42), 100);
        GaussianMixture m = GaussianMixture.fit(x, n, 3, 1, 1e-4, 50, 1e-6, 3);
        GaussianDensity g = GaussianDensity.fit(x, n, 3, 1e-4);
        assertArrayEquals(new double[] {1}, m.weights(), 0);
        assertArrayEquals(g.logDensity(q, 100), m.logDensity(q, 100), 1e-8);
        assertArrayEquals(g.covariance(), m.covariance(0), 1e-12);
    }

    @Test
    void densityIntegratesToOneInOneDimension() {
        int n = 800;
        Random r = new Random(51);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            x[i] = u < 0.2 ? -4 + 0.5 * r.nextGaussian() : u < 0.6 ? r.nextGaussian() : 3 + 0.8 * r.nextGaussian();
        }
        for (int k : new int[] {1, 3, 5}) {
            GaussianMixture m = GaussianMixture.fit(x, n, 1, k, 1e-6, 300, 1e-8, 9);
            // trapezoid rule on [-30, 30], far beyond the data, step 1e-3
            int pts = 60001;
            double h = 60.0 / (pts - 1);
            double[] grid = new double[pts];
            for (int i = 0; i < pts; i++) grid[i] = -30 + i * h;
            double[] lp = m.logDensity(grid, pts);
            double integral = 0;
            for (int i = 0; i < pts; i++) integral += Math.exp(lp[i]) * (i == 0 || i == pts - 1 ? h / 2 : h);
            assertEquals(1.0, integral, 1e-3, "k=" + k);
        }
    }

    @Test
    void sameSeedGivesIdenticalResults() {
        double[] x = overlapping3d(new Random(61), 500);
        GaussianMixture a = GaussianMixture.fit(x, 500, 3, 3, 1e-6, 100, 1e-6, 123);
        GaussianMixture b = GaussianMixture.fit(x, 500, 3, 3, 1e-6, 100, 1e-6, 123);
        assertArrayEquals(a.logLikelihoodHistory(), b.logLikelihoodHistory(), 0);
        assertArrayEquals(a.weights(), b.weights(), 0);
        for (int c = 0; c < 3; c++) {
            assertArrayEquals(a.mean(c), b.mean(c), 0);
            assertArrayEquals(a.covariance(c), b.covariance(c), 0);
        }
        assertArrayEquals(a.logDensity(x, 500), b.logDensity(x, 500), 0);
    }

    @Test
    void validationPicksTwoComponentsOnTwoComponentData() {
        Random r = new Random(71);
        double[] train = twoComponents(r, 800);
        double[] val = twoComponents(r, 400);
        for (int[] choices : new int[][] {{1, 2}, {2, 1}}) {
            GaussianMixture m = GaussianMixture.selectByValidation(train, 800, val, 400, 2, choices, 1e-6, 5);
            assertEquals(2, m.components());
            // it is the plain fit with the defaults
            GaussianMixture direct = GaussianMixture.fit(train, 800, 2, 2, 1e-6,
                    GaussianMixture.DEFAULT_MAX_ITER, GaussianMixture.DEFAULT_TOL, 5);
            assertArrayEquals(direct.logDensity(val, 400), m.logDensity(val, 400), 0);
        }
    }

    @Test
    void emptyComponentsAreReseeded() {
        // only two distinct rows, so a third k-means++ seed must duplicate one and start empty
        int n = 80;
        double[] x = new double[n * 2];
        for (int i = 0; i < n; i++) {
            x[i * 2] = i % 2 == 0 ? 1 : -1;
            x[i * 2 + 1] = i % 2 == 0 ? 0.5 : 2;
        }
        GaussianMixture m = GaussianMixture.fit(x, n, 2, 3, 1e-3, 50, 1e-6, 4);
        assertTrue(m.reseeds() >= 1, "no re-seed happened");
        double sum = 0;
        for (double w : m.weights()) {
            assertTrue(w > 0 && Double.isFinite(w), "weight " + w);
            sum += w;
        }
        assertEquals(1, sum, 1e-12);
        for (double v : m.logDensity(x, n)) assertTrue(Double.isFinite(v));
        for (double v : m.logLikelihoodHistory()) assertTrue(Double.isFinite(v));
    }

    @Test
    void badArgumentsThrow() {
        double[] x = twoComponents(new Random(81), 10);
        assertThrows(IllegalArgumentException.class, () -> GaussianMixture.fit(x, 10, 2, 0, 1e-6, 10, 1e-3, 1));
        assertThrows(IllegalArgumentException.class, () -> GaussianMixture.fit(x, 10, 2, 11, 1e-6, 10, 1e-3, 1));
        assertThrows(IllegalArgumentException.class, () -> GaussianMixture.fit(x, 9, 2, 2, 1e-6, 10, 1e-3, 1));
        assertThrows(IllegalArgumentException.class, () -> GaussianMixture.fit(x, 10, 2, 2, 1e-6, 10, Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> GaussianMixture.fit(x, 10, 2, 2, -1, 10, 1e-3, 1));
        assertThrows(IllegalArgumentException.class,
                () -> GaussianMixture.selectByValidation(x, 10, x, 10, 2, new int[0], 1e-6, 1));
        GaussianMixture m = GaussianMixture.fit(x, 10, 2, 2, 1e-3, 0, 1e-3, 1);
        assertEquals(0, m.iterations());
        assertEquals(1, m.logLikelihoodHistory().length);
        assertThrows(IllegalArgumentException.class, () -> m.logDensity(new double[3], 2));
    }
}
