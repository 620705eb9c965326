package org.cnf4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The preprocessing steps of the MAF / FFJORD / OT-Flow data pipeline, on row-major n x d arrays.
 *
 * <ul>
 * <li><b>Split</b> ({@link #split}): test = the last 10% of the rows, validation = the last 10% of the rest, train =
 *     the remainder, in file order (the reference's {@code int(0.1 * N)} truncation). For tiny files each part gets
 *     at least one row, which differs from the reference only below 11 rows.</li>
 * <li><b>Standardise</b> ({@link #columnStats}, {@link #standardise}): subtract the per-column mean and divide by the
 *     per-column standard deviation of train + validation (ddof 0, NumPy's default), computed without overflow or
 *     underflow for values anywhere in the double range. A column that is constant in train + validation is refused
 *     ({@link #splitAndStandardise}): it has no density, so a flow cannot model it. ({@link #safeStd} keeps the
 *     reference's std-1 rule for the MAF loaders that follow it.)</li>
 * <li><b>Dequantise</b> ({@link #dequantise}): for integer-valued data (whole numbers below 2^53 in magnitude, see
 *     {@link #isIntegerValued}), {@code x' = (x - min + u) / (max - min + 1)}
 *     with u ~ U(0, 1) drawn once from the seed and min, max over the whole matrix (one scalar scale, as for images:
 *     (x + u) / 256 for 8-bit pixels, (x + u) / 17 for digits 0..16). Then standardisation follows as usual.</li>
 * <li><b>Shuffle</b> ({@link #shuffleRows}): Fisher-Yates on rows from a {@link SplittableRandom} seed, before the
 *     split. The MAF archives are pre-shuffled, and the reference shuffles only POWER (with NumPy's RandomState(42),
 *     reproduced by the POWER loader); user files are shuffled by default because they are often sorted (by class,
 *     by time), which would make a tail split unrepresentative.</li>
 * </ul>
 */
public final class Preprocessing {
    private Preprocessing() {}

    /** Row counts of a split. */
    public record SplitSizes(int train, int validation, int test) {}

    /** Per-column mean and std. */
    public record Stats(double[] mean, double[] std) {}

    /**
     * The reference split of n rows: test = {@code int(0.1 n)}, validation = {@code int(0.1 (n - test))}, each at
     * least 1; rows in order train, validation, test.
     *
     * @throws IllegalArgumentException when n < 3
     */
    public static SplitSizes split(int n) {
        if (n < 3) throw new IllegalArgumentException("only " + n + " row(s): need at least 3 rows to split into train, validation and test");
        int test = Math.max(1, (int) (0.1 * n));
        int val = Math.max(1, (int) (0.1 * (n - test)));
        return new SplitSizes(n - test - val, val, test);
    }

    /** Rows [from, to) of a row-major matrix with d columns, as a fresh array. */
    public static double[] rows(double[] x, int d, int from, int to) {
        return Arrays.copyOfRange(x, from * d, to * d);
    }

    /**
     * Mean and std (with the given delta degrees of freedom, 0 or 1) of each column of the first n rows; the std of a
     * column whose values are all equal is exactly 0.
     *
     * <p>Two passes over each column scaled by a power of two near its largest magnitude, so that neither the sum nor
     * the squares leave the double range: the squares of values near 1e-300 underflow to 0 and those near 1e300
     * overflow to infinity, giving std 0 or NaN for data that are perfectly usable. Scaling by a power of two is
     * exact, so wherever the plain sums stay in range the result is bit for bit what they give.
     */
    public static Stats columnStats(double[] x, int n, int d, int ddof) {
        if (n - ddof < 1) throw new IllegalArgumentException("need more than " + ddof + " row(s) for a standard deviation, got " + n);
        double[] mean = new double[d], std = new double[d], scale = new double[d];
        boolean[] constant = new boolean[d];
        java.util.Arrays.fill(constant, true);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double v = x[i * d + j];
                scale[j] = Math.max(scale[j], Math.abs(v));
                if (v != x[j]) constant[j] = false;
            }
        }
        int[] shift = new int[d];
        for (int j = 0; j < d; j++) shift[j] = scale[j] > 0 ? -exponent(scale[j]) : 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) mean[j] += Math.scalb(x[i * d + j], shift[j]);
        for (int j = 0; j < d; j++) mean[j] /= n;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double c = Math.scalb(x[i * d + j], shift[j]) - mean[j];
                std[j] += c * c;
            }
        }
        for (int j = 0; j < d; j++) {
            // the mean of equal values can come out an ulp off the value (0.1 + 0.1 + 0.1 != 0.3), which would give
            // a tiny positive std; a constant column is told by its values instead
            mean[j] = constant[j] ? x[j] : Math.scalb(mean[j], -shift[j]);
            std[j] = constant[j] ? 0 : Math.scalb(Math.sqrt(std[j] / (n - ddof)), -shift[j]);
        }
        return new Stats(mean, std);
    }

    /** The binary exponent e of |v| >= 2^e, also for subnormal v (Math.getExponent gives -1023 for all of them). */
    static int exponent(double v) {
        return v >= Double.MIN_NORMAL ? Math.getExponent(v) : Math.getExponent(v * 0x1p64) - 64;
    }

    /** The 0-based columns whose std is not a positive finite number. */
    public static List<Integer> constantColumns(double[] std) {
        List<Integer> out = new ArrayList<>();
        for (int j = 0; j < std.length; j++) if (!(std[j] > 0) || !Double.isFinite(std[j])) out.add(j);
        return out;
    }

    /**
     * A column's variance left once the columns before it are known, as a fraction of its own, below which it counts
     * as their exact linear combination. Exact relations leave about 1e-30 (rounding); a real column, however strongly
     * correlated, leaves far more (two decimals of noise on a sum of columns: about 1e-6).
     */
    static final double DEPENDENT_RESIDUAL = 1e-12;

    /** Adds the outer product of one centred (and scaled) row, at {@code at} in {@code x}, to the lower triangle of {@code sums} (d x d). */
    static void addOuter(double[] sums, double[] x, int at, int d) {
        for (int i = 0; i < d; i++) {
            double a = x[at + i];
            for (int j = 0; j <= i; j++) sums[i * d + j] += a * x[at + j];
        }
    }

    /**
     * Refuses columns that are an exact linear combination of the others over the training and validation rows (a
     * "total" column, a full one-hot block): the rows then lie on a plane of lower dimension, where a flow, like for
     * a constant column, has no density. {@code sums} holds the lower triangle of the centred rows' cross-products (any
     * common scale per column). A Cholesky factorisation of the correlation matrix finds the first such column; its
     * coefficients on the earlier ones name them. {@code rows} of them (n) span at most n - 1 dimensions: at most d rows
     * are refused as such.
     */
    static void requireIndependentColumns(String name, double[] sums, int d, int rows) {
        // n centred rows span at most n - 1 dimensions, whatever their values
        if (rows <= d) {
            throw new IllegalArgumentException(name + ": the " + rows + " training and validation rows span at most " + (rows - 1) + " of the " + d
                    + " dimensions, where a flow has no density; give more rows than columns (many more, to learn a density)");
        }
        double[] l = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                double c = sums[i * d + j] / Math.sqrt(sums[i * d + i] * sums[j * d + j]);
                for (int k = 0; k < j; k++) c -= l[i * d + k] * l[j * d + k];
                if (j < i) {
                    l[i * d + j] = c / l[j * d + j];
                } else if (c < DEPENDENT_RESIDUAL) {
                    throw new IllegalArgumentException(name + ": " + dependentMessage(l, i, d));
                } else {
                    l[i * d + i] = Math.sqrt(c);
                }
            }
        }
    }

    /** "column 3 is a linear combination of columns 1, 2 ...": the earlier columns with a weight in the regression of column i on them. */
    private static String dependentMessage(double[] l, int i, int d) {
        double[] beta = new double[i];   // in standardised units: L_<i^T beta = l_i
        for (int k = i - 1; k >= 0; k--) {
            double v = l[i * d + k];
            for (int m = k + 1; m < i; m++) v -= l[m * d + k] * beta[m];
            beta[k] = v / l[k * d + k];
        }
        List<Integer> on = new ArrayList<>();
        for (int k = 0; k < i; k++) if (Math.abs(beta[k]) > 1e-9) on.add(k);
        return "column " + (i + 1) + " is a linear combination of column" + (on.size() == 1 ? " " : "s ") + oneBased(on)
                + " in the training and validation rows: the rows lie on a plane of lower dimension, where a flow has no density "
                + "(as for a constant column); drop column " + (i + 1);
    }

    /** Replaces a std that is not positive and finite by 1 (the column is then only centred); returns the same array. */
    public static double[] safeStd(double[] std) {
        for (int j = 0; j < std.length; j++) if (!(std[j] > 0) || !Double.isFinite(std[j])) std[j] = 1;
        return std;
    }

    /** In place: {@code x = (x - mean) / std} column by column. */
    public static void standardise(double[] x, double[] mean, double[] std) {
        int d = mean.length;
        for (int k = 0; k < x.length; k++) x[k] = (x[k] - mean[k % d]) / std[k % d];
    }

    /**
     * Every double of magnitude 2^53 or more is a whole number, so such values say nothing about the data being
     * counts or levels; dequantising them would add noise far below their resolution.
     */
    public static final double INTEGER_LIMIT = 0x1p53;

    /** Whether every value is a whole number of magnitude below {@link #INTEGER_LIMIT} (and finite). */
    public static boolean isIntegerValued(double[] x) {
        for (double v : x) if (!(Math.abs(v) < INTEGER_LIMIT) || v != Math.rint(v)) return false;
        return x.length > 0;
    }

    /**
     * In place: {@code x = (x - min + u) / (max - min + 1)}, u ~ U(0,1) from the seed, min and max over all values.
     *
     * @return the offset (min) and scale (max - min + 1), to map samples back
     */
    public static Dataset.Dequantisation dequantise(double[] x, long seed) {
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double scale = max - min + 1;
        SplittableRandom rng = new SplittableRandom(seed);
        for (int k = 0; k < x.length; k++) x[k] = (x[k] - min + rng.nextDouble()) / scale;
        return new Dataset.Dequantisation(min, scale);
    }

    /** Fisher-Yates shuffle of the n rows (d columns) in place, from a seed. */
    public static void shuffleRows(double[] x, int n, int d, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] buf = new double[d];
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            if (j == i) continue;
            System.arraycopy(x, j * d, buf, 0, d);
            System.arraycopy(x, i * d, x, j * d, d);
            System.arraycopy(buf, 0, x, i * d, d);
        }
    }

    /** Keeps the listed columns (0-based, in the given order) of an n x d matrix. */
    public static double[] selectColumns(double[] x, int n, int d, int[] keep) {
        double[] out = new double[n * keep.length];
        for (int i = 0; i < n; i++) for (int k = 0; k < keep.length; k++) out[i * keep.length + k] = x[i * d + keep[k]];
        return out;
    }

    /**
     * Splits an already preprocessed (shuffled, dequantised) matrix with {@link #split}, standardises all three parts
     * with the ddof-0 statistics of train + validation, and packs the result.
     */
    static Dataset splitAndStandardise(String name, double[] x, int n, int d, Dataset.Dequantisation deq, List<String> notes) {
        SplitSizes s = split(n);
        List<String> allNotes = new ArrayList<>(notes);
        Stats st = columnStats(x, s.train() + s.validation(), d, 0);
        List<Integer> constant = constantColumns(st.std());
        if (!constant.isEmpty()) throw new IllegalArgumentException(name + ": " + constantMessage(constant, st.mean()));
        double[] train = rows(x, d, 0, s.train());
        double[] val = rows(x, d, s.train(), s.train() + s.validation());
        double[] test = rows(x, d, s.train() + s.validation(), n);
        standardise(train, st.mean(), st.std());
        standardise(val, st.mean(), st.std());
        standardise(test, st.mean(), st.std());
        requireFinite(name, x, train, 0, d);
        requireFinite(name, x, val, s.train() * d, d);
        requireFinite(name, x, test, (s.train() + s.validation()) * d, d);
        double[] sums = new double[d * d];
        for (int i = 0; i < s.train(); i++) addOuter(sums, train, i * d, d);
        for (int i = 0; i < s.validation(); i++) addOuter(sums, val, i * d, d);
        requireIndependentColumns(name, sums, d, s.train() + s.validation());
        allNotes.add("split " + s.train() + " / " + s.validation() + " / " + s.test() + " rows (train / validation / test); standardised with train+validation mean and std");
        return new Dataset(name, d, train, s.train(), val, s.validation(), test, s.test(), st.mean(), st.std(), deq, allNotes);
    }

    /**
     * Refuses a standardised part with a value that overflowed: {@code x - mean} beyond the double range (values
     * near +-1.8e308 of both signs), or a test row so far from train + validation that dividing by a tiny std
     * overflows. The model would see infinity and every loss would be NaN.
     */
    private static void requireFinite(String name, double[] raw, double[] z, int offset, int d) {
        for (int k = 0; k < z.length; k++) {
            if (!Double.isFinite(z[k])) {
                throw new IllegalArgumentException(name + ": the value " + raw[offset + k] + " in column " + (k % d + 1)
                        + " overflows when standardised (|x - mean| / std is beyond the double range); rescale that column");
            }
        }
    }

    /**
     * "column 3 is constant (all 7.0) ...": a flow cannot model a point mass (its density there is infinite, so the
     * loss would be driven by that column alone), and giving it std 1 would hide the problem.
     */
    static String constantMessage(List<Integer> cols, double[] values) {
        StringBuilder what = new StringBuilder();
        for (int i = 0; i < Math.min(cols.size(), 8); i++) what.append(i > 0 ? ", " : "").append("all ").append(values[cols.get(i)]);
        if (cols.size() > 8) what.append(", ...");
        boolean one = cols.size() == 1;
        return (one ? "column " : "columns ") + oneBased(cols) + (one ? " is" : " are") + " constant (" + what + ") in the training and validation rows: "
                + "a flow cannot model a point mass; drop " + (one ? "it" : "them");
    }

    static String oneBased(List<Integer> cols) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cols.size(); i++) {
            if (i == 8) {
                b.append(", ... (").append(cols.size()).append(" in all)");
                break;
            }
            if (i > 0) b.append(", ");
            b.append(cols.get(i) + 1);
        }
        return b.toString();
    }
}
