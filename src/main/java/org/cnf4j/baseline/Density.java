package org.cnf4j.baseline;

/** A fitted density on R^d: what the comparisons ask of a baseline. */
public interface Density {
    /** Log density in nats of each of the n rows of x (n x d row-major). */
    double[] logDensity(double[] x, int n);

    /** Average of {@link #logDensity} over the rows: the number reported against the flows. */
    default double meanLogDensity(double[] x, int n) {
        if (n < 1) throw new IllegalArgumentException("need at least one row, got n=" + n);
        double s = 0;
        for (double v : logDensity(x, n)) s += v;
        return s / n;
    }
}
