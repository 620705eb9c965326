package org.cnf4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ToyDataTest {
    private static final int N = 20000;
    private static final long SEED = 42;

    @Test
    void everyGeneratorGivesNByTwoFiniteValues() {
        assertEquals(8, ToyData.names().size());
        for (String name : ToyData.names()) {
            for (int n : new int[] {1, 2, 3, 7, 1001}) {
                double[] p = ToyData.sample(name, n, SEED);
                assertEquals(2 * n, p.length, name + " n=" + n);
                for (double v : p) assertTrue(Double.isFinite(v), name + " gave " + v);
            }
        }
    }

    @Test
    void sameSeedIsIdenticalAndDifferentSeedDiffers() {
        for (String name : ToyData.names()) {
            double[] a = ToyData.sample(name, 500, 7);
            assertArrayEquals(a, ToyData.sample(name, 500, 7), name);
            assertFalse(Arrays.equals(a, ToyData.sample(name, 500, 8)), name);
        }
    }

    @Test
    void badArgumentsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ToyData.sample("spiral", 10, 1));
        for (String name : ToyData.names()) assertTrue(e.getMessage().contains(name), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ToyData.sample("moons", 0, 1));
        assertThrows(IllegalArgumentException.class, () -> ToyData.sample(null, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> ToyData.entropy("nope"));
    }

    @Test
    void knownEntropies() {
        assertEquals(2.838, ToyData.entropy("8gaussians"), 1e-3);
        assertEquals(Math.log(32), ToyData.entropy("checkerboard"), 0);
        assertEquals(3.466, ToyData.entropy("checkerboard"), 1e-3);
        for (String name : ToyData.names()) {
            if (!name.equals("8gaussians") && !name.equals("checkerboard")) assertTrue(Double.isNaN(ToyData.entropy(name)), name);
        }
    }

    @Test
    void eightGaussiansClustersHaveTheRightCentresAndSpread() {
        double[] p = ToyData.sample("8gaussians", N, SEED);
        double radius = 4 / 1.414, sigma = 0.5 / 1.414;
        double[] sum = new double[16], sumSq = new double[8];
        int[] count = new int[8];
        for (int i = 0; i < N; i++) {
            double x = p[2 * i], y = p[2 * i + 1];
            // nearest of the 8 directions k pi / 4
            int k = Math.floorMod((int) Math.round(Math.atan2(y, x) / (Math.PI / 4)), 8);
            count[k]++;
            sum[2 * k] += x;
            sum[2 * k + 1] += y;
        }
        for (int k = 0; k < 8; k++) {
            assertEquals(N / 8.0, count[k], 5 * Math.sqrt(N / 8.0), "cluster size " + k);
            double cx = sum[2 * k] / count[k], cy = sum[2 * k + 1] / count[k];
            assertEquals(radius * Math.cos(k * Math.PI / 4), cx, 0.02, "centre x " + k);
            assertEquals(radius * Math.sin(k * Math.PI / 4), cy, 0.02, "centre y " + k);
        }
        for (int i = 0; i < N; i++) {
            double x = p[2 * i], y = p[2 * i + 1];
            int k = Math.floorMod((int) Math.round(Math.atan2(y, x) / (Math.PI / 4)), 8);
            double dx = x - radius * Math.cos(k * Math.PI / 4), dy = y - radius * Math.sin(k * Math.PI / 4);
            sumSq[k] += dx * dx + dy * dy;
        }
        for (int k = 0; k < 8; k++) {
            double std = Math.sqrt(sumSq[k] / (2 * count[k]));
            assertEquals(sigma, std, 0.02 * sigma * 3, "per-cluster std " + k);
        }
    }

    @Test
    void checkerboardFillsOnlyBlackSquaresOfTheBox() {
        double[] p = ToyData.sample("checkerboard", N, SEED);
        int[][] cells = new int[4][4]; // 2 x 2 squares of [-4, 4)^2
        int[][] fine = new int[8][8]; // unit bins for the entropy estimate
        double[] box = {Double.MAX_VALUE, -Double.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE};
        for (int i = 0; i < N; i++) {
            double x = p[2 * i], y = p[2 * i + 1];
            box[0] = Math.min(box[0], x);
            box[1] = Math.max(box[1], x);
            box[2] = Math.min(box[2], y);
            box[3] = Math.max(box[3], y);
            assertTrue(x >= -4 && x < 4 && y >= -4 && y < 4, "outside the box: " + x + ", " + y);
            int cx = (int) Math.floor(x / 2) + 2, cy = (int) Math.floor(y / 2) + 2;
            assertEquals(0, (cx + cy) % 2, "white square hit: " + x + ", " + y);
            cells[cx][cy]++;
            fine[(int) Math.floor(x) + 4][(int) Math.floor(y) + 4]++;
        }
        for (int cx = 0; cx < 4; cx++) {
            for (int cy = 0; cy < 4; cy++) {
                if ((cx + cy) % 2 == 0) assertEquals(N / 8.0, cells[cx][cy], 5 * Math.sqrt(N / 8.0), "black square " + cx + "," + cy);
            }
        }
        assertArrayEquals(new double[] {-4, 4, -4, 4}, box, 0.02, "bounding box");
        // plug-in entropy of the unit-bin histogram: the density is constant on each bin, so this is close to log 32
        double h = 0;
        for (int[] row : fine) {
            for (int c : row) {
                if (c > 0) h -= (c / (double) N) * Math.log(c / (double) N);
            }
        }
        assertEquals(ToyData.entropy("checkerboard"), h, 0.01);
    }

    @Test
    void circlesHaveRadiiThreeAndOneAndAHalf() {
        double[] p = ToyData.sample("circles", N, SEED);
        checkRings(p, new double[] {1.5, 3.0}, 0.24);
    }

    @Test
    void ringsHaveFourRadii() {
        double[] p = ToyData.sample("rings", N, SEED);
        checkRings(p, new double[] {0.75, 1.5, 2.25, 3.0}, 0.08);
    }

    /** Points split evenly among circles of the given radii, each with the given noise std per coordinate. */
    private static void checkRings(double[] p, double[] radii, double noise) {
        int rings = radii.length;
        double[] sum = new double[rings], sumSq = new double[rings];
        int[] count = new int[rings];
        for (int i = 0; i < N; i++) {
            double r = Math.hypot(p[2 * i], p[2 * i + 1]);
            int k = 0;
            for (int j = 1; j < rings; j++) if (Math.abs(r - radii[j]) < Math.abs(r - radii[k])) k = j;
            count[k]++;
            sum[k] += r;
            sumSq[k] += (r - radii[k]) * (r - radii[k]);
        }
        for (int k = 0; k < rings; k++) {
            assertEquals(N / (double) rings, count[k], N * 0.005, "points on radius " + radii[k]);
            // E|r| exceeds the radius by about noise^2 / (2 radius)
            assertEquals(radii[k] + noise * noise / (2 * radii[k]), sum[k] / count[k], 0.01, "mean radius " + radii[k]);
            assertEquals(noise, Math.sqrt(sumSq[k] / count[k]), 0.1 * noise, "radial spread at " + radii[k]);
        }
    }

    @Test
    void moonsHaveTheRightMeanRangeAndLieOnTwoArcs() {
        double[] p = ToyData.sample("moons", N, SEED);
        double mx = 0, my = 0, minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, sq = 0;
        for (int i = 0; i < N; i++) {
            double x = p[2 * i], y = p[2 * i + 1];
            mx += x / N;
            my += y / N;
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            // after 2 p + (-1, -0.2): upper arc radius 2 about (-1, -0.2), lower arc radius 2 about (1, 0.8)
            double d = Math.min(arcDistance(x, y, -1, -0.2, true), arcDistance(x, y, 1, 0.8, false));
            sq += d * d / N;
        }
        assertEquals(0.0, mx, 0.02);
        assertEquals(0.3, my, 0.02);
        assertEquals(-3.3, minX, 0.5);
        assertEquals(3.3, maxX, 0.5);
        // the noise is 0.2 per coordinate after scaling; the distance to the arc sees about one coordinate of it
        double rms = Math.sqrt(sq);
        assertTrue(rms > 0.15 && rms < 0.21, "rms distance to the arcs " + rms);
    }

    /** Distance from (x, y) to the upper (or lower) half of the circle of radius 2 about (cx, cy). */
    private static double arcDistance(double x, double y, double cx, double cy, boolean upper) {
        boolean onSide = upper ? y >= cy : y <= cy;
        if (onSide) return Math.abs(Math.hypot(x - cx, y - cy) - 2);
        return Math.min(Math.hypot(x - cx - 2, y - cy), Math.hypot(x - cx + 2, y - cy));
    }

    @Test
    void swissrollHasTheRightMomentsAndRange() {
        double[] p = ToyData.sample("swissroll", N, SEED);
        double mx = 0, my = 0, r2 = 0, maxR = 0;
        for (int i = 0; i < N; i++) {
            double x = p[2 * i], y = p[2 * i + 1];
            mx += x / N;
            my += y / N;
            r2 += (x * x + y * y) / N;
            maxR = Math.max(maxR, Math.hypot(x, y));
        }
        // t ~ U(1.5 pi, 4.5 pi): E[t cos t] = 2, E[t sin t] = 2 / (3 pi), E[t^2] = 9.75 pi^2; noise adds 2; all / 5
        assertEquals(2.0 / 5, mx, 0.03);
        assertEquals(2 / (3 * Math.PI) / 5, my, 0.03);
        assertEquals((9.75 * Math.PI * Math.PI + 2) / 25, r2, 0.06);
        // the roll ends at radius 4.5 pi / 5; the N(0, 1) / 5 noise can push a few points up to ~5 sigma beyond
        assertTrue(maxR > 0.95 * 4.5 * Math.PI / 5 && maxR < 4.5 * Math.PI / 5 + 1.0, "max radius " + maxR);
    }

    @Test
    void pinwheelArmsFollowTheirLogSpiral() {
        double[] p = ToyData.sample("pinwheel", N, SEED);
        double sq = 0;
        int[] arm = new int[5];
        double sector = 2 * Math.PI / 5;
        for (int i = 0; i < N; i++) {
            double x = p[2 * i] / 2, y = p[2 * i + 1] / 2;
            double rho = Math.hypot(x, y);
            // polar angle = 2 pi k / 5 + 0.25 exp(radial) + atan(tangential / radial), with radial ~ rho
            double rest = Math.atan2(y, x) - 0.25 * Math.exp(rho);
            int k = (int) Math.round(rest / sector);
            double residual = rest - k * sector;
            arm[Math.floorMod(k, 5)]++;
            sq += residual * residual / N;
        }
        // tangential / radial has std about 0.1; a mirrored (clockwise) pinwheel would give about 0.36
        assertTrue(Math.sqrt(sq) < 0.13, "rms angular residual " + Math.sqrt(sq));
        for (int k = 0; k < 5; k++) assertEquals(N / 5.0, arm[k], N * 0.01, "arm " + k);
    }

    @Test
    void twoSpiralsAreSymmetricAndFollowTheSpiral() {
        double[] p = ToyData.sample("2spirals", N, SEED);
        double mx = 0, my = 0, maxR = 0, cosSum = 0;
        int outer = 0;
        for (int i = 0; i < N; i++) {
            double x = p[2 * i], y = p[2 * i + 1];
            mx += x / N;
            my += y / N;
            double s = 3 * Math.hypot(x, y);
            maxR = Math.max(maxR, s / 3);
            if (s > 4) {
                // arm (-s cos s, s sin s) has polar angle pi - s; its negation -s: so 2 (angle + s) = 0 mod 2 pi
                cosSum += Math.cos(2 * (Math.atan2(y, x) + s));
                outer++;
            }
        }
        assertEquals(0.0, mx, 0.03);
        assertEquals(0.0, my, 0.03);
        // arms end at radius pi (s = 3 pi, divided by 3), plus at most 0.5 sqrt(2) / 3 offset and the 0.1 noise
        assertTrue(maxR > 0.95 * Math.PI && maxR < Math.PI + 0.25 + 0.5, "max radius " + maxR);
        double meanCos = cosSum / outer;
        assertTrue(meanCos > 0.5, "points off the spiral: mean cos " + meanCos);
    }
}
