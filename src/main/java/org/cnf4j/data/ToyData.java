package org.cnf4j.data;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The eight toy 2-D densities of OT-Flow / FFJORD (docs/ALGORITHMS.md section 7), seeded and deterministic.
 * Samples are returned row-major, n x 2: point i is {@code (out[2i], out[2i+1])}.
 */
public final class ToyData {
    /** Entropy of 8gaussians in nats: log 8 + 1 + log(2 pi sigma^2), sigma = 0.5/1.414 (about 2.838). */
    public static final double ENTROPY_8GAUSSIANS;
    /** Entropy of checkerboard in nats: uniform on 32 units of area (about 3.466). */
    public static final double ENTROPY_CHECKERBOARD = Math.log(32);

    static {
        double sigma = 0.5 / 1.414;
        // the eight components sit ~6 sigma apart, so the mixture entropy is the sum of these terms
        ENTROPY_8GAUSSIANS = Math.log(8) + 1 + Math.log(2 * Math.PI * sigma * sigma);
    }

    private static final List<String> NAMES = List.of(
            "swissroll", "8gaussians", "pinwheel", "circles", "moons", "2spirals", "checkerboard", "rings");

    private ToyData() {}

    /** The valid generator names, in a fixed order. */
    public static List<String> names() { return NAMES; }

    /**
     * Draws n points from the named toy density.
     *
     * @return a fresh row-major n x 2 array
     * @throws IllegalArgumentException for an unknown name or n < 1
     */
    public static double[] sample(String name, int n, long seed) {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, got " + n);
        Rng rng = new Rng(seed);
        double[] out = new double[2 * n];
        switch (checkName(name)) {
            case "swissroll" -> swissroll(out, n, rng);
            case "8gaussians" -> eightGaussians(out, n, rng);
            case "pinwheel" -> pinwheel(out, n, rng);
            case "circles" -> circles(out, n, rng);
            case "moons" -> moons(out, n, rng);
            case "2spirals" -> twoSpirals(out, n, rng);
            case "checkerboard" -> checkerboard(out, n, rng);
            case "rings" -> rings(out, n, rng);
            default -> throw new AssertionError(name);
        }
        return out;
    }

    /**
     * The known differential entropy (nats) of the named density, or NaN where it has no closed form.
     * With a model's NLL on the same data, {@code NLL - entropy} estimates KL(data || model).
     */
    public static double entropy(String name) {
        return switch (checkName(name)) {
            case "8gaussians" -> ENTROPY_8GAUSSIANS;
            case "checkerboard" -> ENTROPY_CHECKERBOARD;
            default -> Double.NaN;
        };
    }

    private static String checkName(String name) {
        if (name == null || !NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown toy data set '" + name + "'; valid names: " + String.join(", ", NAMES));
        }
        return name;
    }

    // t = 1.5 pi (1 + 2u); (t cos t, t sin t) + N(0, I); divide by 5 (sklearn make_swiss_roll, columns 0 and 2)
    private static void swissroll(double[] out, int n, Rng rng) {
        for (int i = 0; i < n; i++) {
            double t = 1.5 * Math.PI * (1 + 2 * rng.uniform());
            out[2 * i] = (t * Math.cos(t) + rng.gaussian()) / 5;
            out[2 * i + 1] = (t * Math.sin(t) + rng.gaussian()) / 5;
        }
    }

    private static void eightGaussians(double[] out, int n, Rng rng) {
        double h = 1 / Math.sqrt(2);
        double[][] centres = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {h, h}, {h, -h}, {-h, h}, {-h, -h}};
        for (int i = 0; i < n; i++) {
            double[] c = centres[rng.nextInt(8)];
            // the reference divides by 1.414, not sqrt(2); keep it so the entropy formula matches
            out[2 * i] = (4 * c[0] + 0.5 * rng.gaussian()) / 1.414;
            out[2 * i + 1] = (4 * c[1] + 0.5 * rng.gaussian()) / 1.414;
        }
    }

    // 5 arms with equal counts (label i mod 5); (radial, tangential) rotated counter-clockwise by the angle
    private static void pinwheel(double[] out, int n, Rng rng) {
        for (int i = 0; i < n; i++) {
            double radial = 1 + 0.3 * rng.gaussian();
            double tangential = 0.1 * rng.gaussian();
            double angle = 2 * Math.PI * (i % 5) / 5 + 0.25 * Math.exp(radial);
            double c = Math.cos(angle), s = Math.sin(angle);
            out[2 * i] = 2 * (c * radial - s * tangential);
            out[2 * i + 1] = 2 * (s * radial + c * tangential);
        }
        shuffleRows(out, n, rng);
    }

    // sklearn make_circles(factor=0.5, noise=0.08): n/2 outer, the rest inner, angles in [0, 2 pi) without endpoint
    private static void circles(double[] out, int n, Rng rng) {
        int outer = n / 2, inner = n - outer;
        for (int i = 0; i < n; i++) {
            boolean isOuter = i < outer;
            int k = isOuter ? i : i - outer;
            double r = isOuter ? 1 : 0.5;
            double theta = 2 * Math.PI * k / (isOuter ? outer : inner);
            out[2 * i] = 3 * (r * Math.cos(theta) + 0.08 * rng.gaussian());
            out[2 * i + 1] = 3 * (r * Math.sin(theta) + 0.08 * rng.gaussian());
        }
        shuffleRows(out, n, rng);
    }

    // sklearn make_moons(noise=0.1): angles include both endpoints 0 and pi; then 2 p + (-1, -0.2)
    private static void moons(double[] out, int n, Rng rng) {
        int outer = n / 2, inner = n - outer;
        for (int i = 0; i < n; i++) {
            boolean isOuter = i < outer;
            int k = isOuter ? i : i - outer;
            int count = isOuter ? outer : inner;
            double theta = count == 1 ? 0 : Math.PI * k / (count - 1);
            double x = isOuter ? Math.cos(theta) : 1 - Math.cos(theta);
            double y = isOuter ? Math.sin(theta) : 1 - Math.sin(theta) - 0.5;
            out[2 * i] = 2 * (x + 0.1 * rng.gaussian()) - 1;
            out[2 * i + 1] = 2 * (y + 0.1 * rng.gaussian()) - 0.2;
        }
        shuffleRows(out, n, rng);
    }

    // Every point gets its own draws (the reference reuses each arm point, negated, for the other arm);
    // the marginal density is the same and the sample stays independent.
    private static void twoSpirals(double[] out, int n, Rng rng) {
        for (int i = 0; i < n; i++) {
            double s = Math.sqrt(rng.uniform()) * 540 * 2 * Math.PI / 360;
            double x = -Math.cos(s) * s + 0.5 * rng.uniform();
            double y = Math.sin(s) * s + 0.5 * rng.uniform();
            double sign = i % 2 == 0 ? 1 : -1;
            out[2 * i] = sign * x / 3 + 0.1 * rng.gaussian();
            out[2 * i + 1] = sign * y / 3 + 0.1 * rng.gaussian();
        }
        shuffleRows(out, n, rng);
    }

    private static void checkerboard(double[] out, int n, Rng rng) {
        for (int i = 0; i < n; i++) {
            double x1 = 4 * rng.uniform() - 2;
            // Python's floor(x) % 2 is non-negative for negative x: floorMod, not %
            double x2 = rng.uniform() - 2 * rng.nextInt(2) + Math.floorMod((int) Math.floor(x1), 2);
            out[2 * i] = 2 * x1;
            out[2 * i + 1] = 2 * x2;
        }
    }

    // radii 1, 0.75, 0.5, 0.25 (times 3) with n/4 points each, the remainder on the smallest as in the reference
    private static void rings(double[] out, int n, Rng rng) {
        int quarter = n / 4;
        int[] counts = {quarter, quarter, quarter, n - 3 * quarter};
        double[] radii = {1, 0.75, 0.5, 0.25};
        int i = 0;
        for (int ring = 0; ring < 4; ring++) {
            for (int k = 0; k < counts[ring]; k++, i++) {
                double theta = 2 * Math.PI * k / counts[ring];
                out[2 * i] = 3 * radii[ring] * Math.cos(theta) + 0.08 * rng.gaussian();
                out[2 * i + 1] = 3 * radii[ring] * Math.sin(theta) + 0.08 * rng.gaussian();
            }
        }
        shuffleRows(out, n, rng);
    }

    // Generators that lay points out in order (by circle, arm, angle) shuffle them so any prefix is a fair sample.
    private static void shuffleRows(double[] out, int n, Rng rng) {
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            double x = out[2 * i], y = out[2 * i + 1];
            out[2 * i] = out[2 * j];
            out[2 * i + 1] = out[2 * j + 1];
            out[2 * j] = x;
            out[2 * j + 1] = y;
        }
    }

    /** One seeded stream for uniforms, integers and standard normals (Marsaglia's polar method). */
    private static final class Rng {
        private final SplittableRandom random;
        private double spare;
        private boolean hasSpare;

        Rng(long seed) { random = new SplittableRandom(seed); }

        double uniform() { return random.nextDouble(); }

        int nextInt(int bound) { return random.nextInt(bound); }

        double gaussian() {
            if (hasSpare) {
                hasSpare = false;
                return spare;
            }
            double u, v, s;
            do {
                u = 2 * random.nextDouble() - 1;
                v = 2 * random.nextDouble() - 1;
                s = u * u + v * v;
            } while (s >= 1 || s == 0);
            double f = Math.sqrt(-2 * Math.log(s) / s);
            spare = v * f;
            hasSpare = true;
            return u * f;
        }
    }
}
