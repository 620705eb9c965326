package org.cnf4j.eval;

/**
 * Squared maximum mean discrepancy, the unbiased U-statistic, with the Gaussian kernel
 * {@code k(x, y) = exp(-(|x - y|^2 + eps))} (docs/ALGORITHMS.md section 6; the JKO-Flow reference uses eps = 1e-5).
 * <p>
 * {@code MMD^2 = 1/(n(n-1)) sum_{i!=j} k(x_i,x_j) + 1/(m(m-1)) sum_{i!=j} k(y_i,y_j) - 2/(nm) sum_{i,j} k(x_i,y_j)}.
 * It can be slightly negative when the two samples come from the same distribution.
 */
public final class Mmd {
    /** The offset the JKO-Flow reference adds to the squared distance. */
    public static final double JKO_EPS = 1e-5;

    private Mmd() {}

    /** MMD^2 with eps = 0. x is n x d and y is m x d, both row-major. */
    public static double mmd2(double[] x, double[] y, int d) {
        return mmd2(x, y, d, 0);
    }

    /**
     * MMD^2 between the rows of x (n x d) and y (m x d), row-major, kernel exp(-(|x-y|^2 + eps)).
     *
     * @throws IllegalArgumentException if d < 1, a length is not a multiple of d, or either set has fewer than 2 rows
     */
    public static double mmd2(double[] x, double[] y, int d, double eps) {
        int n = rows(x, d, "x");
        int m = rows(y, d, "y");
        // exp(-eps) is a common factor of every kernel value, so apply it once at the end
        double xx = 2 * withinSum(x, n, d) / ((double) n * (n - 1));
        double yy = 2 * withinSum(y, m, d) / ((double) m * (m - 1));
        double xy = crossSum(x, n, y, m, d) / ((double) n * m);
        return Math.exp(-eps) * (xx + yy - 2 * xy);
    }

    /**
     * The biased V-statistic: the mean of the kernel over all pairs, the diagonal included
     * ({@code 1/n^2 sum_{i,j} k(x_i,x_j) + 1/m^2 sum_{i,j} k(y_i,y_j) - 2/(nm) sum_{i,j} k(x_i,y_j)}), as the JKO-Flow
     * reference computes it for large samples; never negative. Kernel exp(-|x-y|^2).
     */
    public static double mmd2Biased(double[] x, double[] y, int d) {
        int n = rows(x, d, "x");
        int m = rows(y, d, "y");
        double xx = (n + 2 * withinSum(x, n, d)) / ((double) n * n);
        double yy = (m + 2 * withinSum(y, m, d)) / ((double) m * m);
        double xy = crossSum(x, n, y, m, d) / ((double) n * m);
        return xx + yy - 2 * xy;
    }

    /** Columns {@code cols} (0-based) of the n x d rows of x: the slice the MMD of a pair of columns compares. */
    public static double[] columns(double[] x, int d, int[] cols) {
        int n = x.length / d;
        double[] out = new double[n * cols.length];
        for (int i = 0; i < n; i++) for (int k = 0; k < cols.length; k++) out[i * cols.length + k] = x[i * d + cols[k]];
        return out;
    }

    private static int rows(double[] a, int d, String name) {
        if (d < 1) throw new IllegalArgumentException("dimension d must be >= 1, got " + d);
        if (a.length % d != 0) throw new IllegalArgumentException(name + ".length " + a.length + " is not a multiple of d=" + d);
        int rows = a.length / d;
        if (rows < 2) throw new IllegalArgumentException(name + " needs at least 2 rows for the unbiased statistic, got " + rows);
        return rows;
    }

    /** sum over i < j of exp(-|a_i - a_j|^2); the diagonal is excluded (U-statistic). */
    private static double withinSum(double[] a, int n, int d) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            int oi = i * d;
            double row = 0; // per-row partial sums keep the rounding error of the long total small
            for (int j = i + 1; j < n; j++) {
                row += Math.exp(-sqDist(a, oi, a, j * d, d));
            }
            total += row;
        }
        return total;
    }

    private static double crossSum(double[] a, int n, double[] b, int m, int d) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            int oi = i * d;
            double row = 0;
            for (int j = 0; j < m; j++) {
                row += Math.exp(-sqDist(a, oi, b, j * d, d));
            }
            total += row;
        }
        return total;
    }

    private static double sqDist(double[] a, int oa, double[] b, int ob, int d) {
        double s = 0;
        for (int k = 0; k < d; k++) {
            double diff = a[oa + k] - b[ob + k];
            s += diff * diff;
        }
        return s;
    }
}
