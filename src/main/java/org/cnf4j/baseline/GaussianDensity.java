package org.cnf4j.baseline;

import org.hipparchus.exception.MathIllegalArgumentException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.CholeskyDecomposition;

/**
 * Full-covariance Gaussian fitted by maximum likelihood: the simplest density baseline for the flows.
 * Data are row-major {@code double[]} of n x d, as everywhere in cnf4j.
 */
public final class GaussianDensity implements Density {
    private static final double LOG_2PI = Math.log(2 * Math.PI);

    private final int d;
    private final double[] mean;     // d
    private final double[] cov;      // d x d row-major, already including reg * I
    private final double[] chol;     // lower Cholesky factor L (cov = L L^T), d x d row-major
    private final double logNorm;    // -0.5 * (d log 2pi + log det cov), shared by every row

    private GaussianDensity(int d, double[] mean, double[] cov, double reg) {
        this.d = d;
        this.mean = mean;
        this.cov = cov;
        double[][] a = new double[d][d];
        for (int i = 0; i < d; i++) System.arraycopy(cov, i * d, a[i], 0, d);
        double[][] l;
        try {
            l = new CholeskyDecomposition(new Array2DRowRealMatrix(a, false)).getL().getData();
        } catch (MathIllegalArgumentException e) {
            // Hipparchus' exception is not an IllegalArgumentException; callers should only need one type
            throw new IllegalArgumentException("covariance is not positive definite even with reg=" + reg
                    + " (d=" + d + "); increase reg", e);
        }
        chol = new double[d * d];
        double logDet = 0;
        for (int i = 0; i < d; i++) {
            System.arraycopy(l[i], 0, chol, i * d, d);
            logDet += 2 * Math.log(l[i][i]);
        }
        logNorm = -0.5 * (d * LOG_2PI + logDet);
    }

    /** Mean and MLE covariance (divided by n) plus {@code reg} on the diagonal. */
    public static GaussianDensity fit(double[] x, int n, int d, double reg) {
        checkData(x, n, d);
        return fitWeighted(x, n, d, null, reg);
    }

    /**
     * Weighted MLE (weights {@code w}, null meaning all ones); the mixture's M-step uses it, which is why
     * a one-component mixture reproduces {@link #fit} exactly. The weights must have a positive sum.
     */
    static GaussianDensity fitWeighted(double[] x, int n, int d, double[] w, double reg) {
        if (!(reg >= 0) || Double.isInfinite(reg)) throw new IllegalArgumentException("reg must be finite and >= 0, got " + reg);
        double sumW = 0;
        double[] mu = new double[d];
        for (int i = 0; i < n; i++) {
            double wi = w == null ? 1 : w[i];
            sumW += wi;
            for (int c = 0; c < d; c++) mu[c] += wi * x[i * d + c];
        }
        for (int c = 0; c < d; c++) mu[c] /= sumW;
        // two passes (mean first, then centred products) to avoid the cancellation of E[xx^T] - mu mu^T
        double[] s = new double[d * d];
        double[] dx = new double[d];
        for (int i = 0; i < n; i++) {
            double wi = w == null ? 1 : w[i];
            if (wi == 0) continue;
            for (int c = 0; c < d; c++) dx[c] = x[i * d + c] - mu[c];
            for (int a = 0; a < d; a++) {
                double wa = wi * dx[a];
                for (int b = 0; b <= a; b++) s[a * d + b] += wa * dx[b];
            }
        }
        // fill the upper triangle from the lower one so the matrix is exactly symmetric for Cholesky
        for (int a = 0; a < d; a++) {
            for (int b = 0; b <= a; b++) {
                double v = s[a * d + b] / sumW + (a == b ? reg : 0);
                s[a * d + b] = v;
                s[b * d + a] = v;
            }
        }
        return new GaussianDensity(d, mu, s, reg);
    }

    /** Log density in nats of each of the n rows of x (n x d row-major). */
    @Override
    public double[] logDensity(double[] x, int n) {
        if (n < 0 || x == null || x.length != (long) n * d) {
            throw new IllegalArgumentException("expected " + n + " x " + d + " values, got "
                    + (x == null ? "null" : x.length));
        }
        double[] out = new double[n];
        double[] z = new double[d];
        for (int i = 0; i < n; i++) {
            // Mahalanobis distance via forward substitution L z = x - mu, so |z|^2 = (x-mu)^T cov^-1 (x-mu)
            double q = 0;
            for (int a = 0; a < d; a++) {
                double v = x[i * d + a] - mean[a];
                for (int b = 0; b < a; b++) v -= chol[a * d + b] * z[b];
                z[a] = v / chol[a * d + a];
                q += z[a] * z[a];
            }
            out[i] = logNorm - 0.5 * q;
        }
        return out;
    }


    /** Same covariance, new mean: how the mixture re-seeds an empty component on a data row. */
    GaussianDensity recentred(double[] newMean) {
        return new GaussianDensity(d, newMean.clone(), cov, Double.NaN);
    }

    public int dimension() { return d; }

    public double[] mean() { return mean.clone(); }

    /** d x d row-major, including the reg added to the diagonal. */
    public double[] covariance() { return cov.clone(); }

    static void checkData(double[] x, int n, int d) {
        if (d < 1) throw new IllegalArgumentException("d must be >= 1, got " + d);
        if (n < 1) throw new IllegalArgumentException("need at least one row to fit, got n=" + n);
        if (x == null || x.length != (long) n * d) {
            throw new IllegalArgumentException("expected n*d = " + n + "*" + d + " = " + ((long) n * d)
                    + " values, got " + (x == null ? "null" : x.length));
        }
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                throw new IllegalArgumentException("non-finite value " + x[i] + " at row " + i / d + ", column " + i % d);
            }
        }
    }
}
