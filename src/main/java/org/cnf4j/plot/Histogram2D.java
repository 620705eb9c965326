package org.cnf4j.plot;

/**
 * Counts of points in a bins x bins grid over [xlo, xhi] x [ylo, yhi], as matplotlib's {@code hist2d} with a range
 * counts them: equal bins, the last one closed (a value equal to the upper bound is counted), values outside the range
 * and non-finite ones left out. {@code counts[gy * bins + gx]}, gx along x.
 */
public record Histogram2D(int bins, double xlo, double xhi, double ylo, double yhi, int[] counts) {
    public Histogram2D {
        if (bins < 1 || counts.length != bins * bins) throw new IllegalArgumentException("a histogram needs bins x bins counts");
        if (!(xhi > xlo) || !(yhi > ylo)) throw new IllegalArgumentException("empty histogram range");
    }

    /** The histogram of columns {@code cx} (along x) and {@code cy} of the rows of {@code pts} (n x d, row-major). */
    public static Histogram2D of(double[] pts, int d, int cx, int cy, int bins, double xlo, double xhi, double ylo, double yhi) {
        int[] counts = new int[bins * bins];
        for (int i = 0; i + d <= pts.length; i += d) {
            int gx = bin(pts[i + cx], xlo, xhi, bins), gy = bin(pts[i + cy], ylo, yhi, bins);
            if (gx >= 0 && gy >= 0) counts[gy * bins + gx]++;
        }
        return new Histogram2D(bins, xlo, xhi, ylo, yhi, counts);
    }

    private static int bin(double v, double lo, double hi, int bins) {
        if (!(v >= lo && v <= hi)) return -1;
        return Math.min(bins - 1, (int) ((v - lo) / (hi - lo) * bins));
    }

    public int count(int gx, int gy) { return counts[gy * bins + gx]; }

    public int max() {
        int m = 0;
        for (int c : counts) m = Math.max(m, c);
        return m;
    }

    /** The points counted (those inside the range). */
    public long total() {
        long s = 0;
        for (int c : counts) s += c;
        return s;
    }
}
