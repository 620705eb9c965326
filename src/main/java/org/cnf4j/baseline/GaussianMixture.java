package org.cnf4j.baseline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Full-covariance Gaussian mixture fitted by EM: the stronger classical baseline for the flows.
 * Follows scikit-learn's GaussianMixture where it matters for comparison: every covariance gets
 * {@code reg * I} added (its reg_covar), and EM stops when the training mean log-likelihood improves
 * by less than {@code tol}. Initialisation is k-means++ seeding followed by a hard assignment of each
 * row to its nearest seed. Deterministic given the seed.
 */
public final class GaussianMixture implements Density {
    /** Defaults used by the short {@link #selectByValidation} (scikit-learn's max_iter and tol). */
    public static final int DEFAULT_MAX_ITER = 100;
    public static final double DEFAULT_TOL = 1e-3;
    /** Responsibility mass (in rows) below which a component is treated as empty: its mean would be 0/0. */
    static final double EMPTY_MASS = 1e-6;

    private final int d;
    private final int k;
    private final double[] weights;
    private final GaussianDensity[] comps;
    private final List<Double> history = new ArrayList<>();
    private int iterations;
    private int reseeds;
    private boolean converged;

    private GaussianMixture(int d, int k) {
        this.d = d;
        this.k = k;
        weights = new double[k];
        comps = new GaussianDensity[k];
    }

    public static GaussianMixture fit(double[] x, int n, int d, int components, double reg,
                                      int maxIter, double tol, long seed) {
        GaussianDensity.checkData(x, n, d);
        if (components < 1 || components > n) {
            throw new IllegalArgumentException("components must be in 1.." + n + " (the row count), got " + components);
        }
        if (maxIter < 0) throw new IllegalArgumentException("maxIter must be >= 0, got " + maxIter);
        if (Double.isNaN(tol)) throw new IllegalArgumentException("tol must not be NaN");
        if (!(reg >= 0) || Double.isInfinite(reg)) throw new IllegalArgumentException("reg must be finite and >= 0, got " + reg);

        GaussianMixture m = new GaussianMixture(d, components);
        SplittableRandom rng = new SplittableRandom(seed);
        // re-seeded components borrow the whole data's covariance: a sane scale with no fitted support
        GaussianDensity global = GaussianDensity.fit(x, n, d, reg);
        double[] resp = m.initialResponsibilities(x, n, rng);
        m.mStep(x, n, resp, reg, rng, global);
        double ll = m.eStep(x, n, resp);
        m.history.add(ll);
        while (m.iterations < maxIter) {
            boolean reseeded = m.mStep(x, n, resp, reg, rng, global);
            m.iterations++;
            double next = m.eStep(x, n, resp);
            m.history.add(next);
            // a re-seed may lower the likelihood on purpose; don't read that as convergence
            if (!reseeded && next - ll < tol) {
                m.converged = true;
                break;
            }
            ll = next;
        }
        return m;
    }

    /**
     * Fits each number of components on the training rows and keeps the one with the best validation
     * mean log-likelihood (ties go to the earlier choice). Uses {@link #DEFAULT_MAX_ITER} and {@link #DEFAULT_TOL}.
     */
    public static GaussianMixture selectByValidation(double[] train, int nTrain, double[] val, int nVal, int d,
                                                     int[] componentChoices, double reg, long seed) {
        return selectByValidation(train, nTrain, val, nVal, d, componentChoices, reg, DEFAULT_MAX_ITER, DEFAULT_TOL, seed);
    }

    public static GaussianMixture selectByValidation(double[] train, int nTrain, double[] val, int nVal, int d,
                                                     int[] componentChoices, double reg, int maxIter, double tol,
                                                     long seed) {
        GaussianDensity.checkData(val, nVal, d);
        if (componentChoices == null || componentChoices.length == 0) {
            throw new IllegalArgumentException("componentChoices must not be empty");
        }
        GaussianMixture best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c : componentChoices) {
            GaussianMixture m = fit(train, nTrain, d, c, reg, maxIter, tol, seed);
            double score = m.meanLogDensity(val, nVal);
            if (best == null || score > bestScore) { // NaN never wins
                best = m;
                bestScore = score;
            }
        }
        return best;
    }

    /** k-means++ seeds (each next seed drawn with probability proportional to squared distance), then hard assignment. */
    private double[] initialResponsibilities(double[] x, int n, SplittableRandom rng) {
        int[] seeds = new int[k];
        seeds[0] = rng.nextInt(n);
        double[] dist2 = new double[n];
        for (int i = 0; i < n; i++) dist2[i] = sqDist(x, i, seeds[0]);
        for (int c = 1; c < k; c++) {
            double total = 0;
            for (double v : dist2) total += v;
            int pick = 0;
            if (total > 0) {
                double u = rng.nextDouble() * total, cum = 0;
                for (int i = 0; i < n; i++) {
                    if (dist2[i] == 0) continue;
                    pick = i; // the last row with positive distance, should rounding leave cum <= u
                    cum += dist2[i];
                    if (cum > u) break;
                }
            } else {
                pick = rng.nextInt(n); // every row already sits on a seed (duplicate rows)
            }
            seeds[c] = pick;
            for (int i = 0; i < n; i++) dist2[i] = Math.min(dist2[i], sqDist(x, i, pick));
        }
        double[] resp = new double[n * k];
        for (int i = 0; i < n; i++) {
            int best = 0;
            double bestD = Double.POSITIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                double dd = sqDist(x, i, seeds[c]);
                if (dd < bestD) { bestD = dd; best = c; } // ties (duplicate seeds) leave later seeds empty
            }
            resp[i * k + best] = 1;
        }
        return resp;
    }

    private double sqDist(double[] x, int i, int j) {
        double s = 0;
        for (int c = 0; c < d; c++) {
            double t = x[i * d + c] - x[j * d + c];
            s += t * t;
        }
        return s;
    }

    /** Weighted MLE per component from the responsibilities; returns whether an empty component was re-seeded. */
    private boolean mStep(double[] x, int n, double[] resp, double reg, SplittableRandom rng, GaussianDensity global) {
        boolean reseeded = false;
        double[] w = new double[n];
        double total = 0;
        for (int c = 0; c < k; c++) {
            double mass = 0;
            for (int i = 0; i < n; i++) mass += w[i] = resp[i * k + c];
            if (mass < EMPTY_MASS) {
                // nothing to estimate from: restart the component on a random row with one row's weight
                int r = rng.nextInt(n);
                comps[c] = global.recentred(Arrays.copyOfRange(x, r * d, r * d + d));
                weights[c] = 1;
                reseeds++;
                reseeded = true;
            } else {
                try {
                    comps[c] = GaussianDensity.fitWeighted(x, n, d, w, reg);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("component " + c + " of " + k + " (responsibility mass "
                            + mass + " rows): " + e.getMessage(), e);
                }
                weights[c] = mass;
            }
            total += weights[c];
        }
        for (int c = 0; c < k; c++) weights[c] /= total;
        return reseeded;
    }

    /** Fills resp with the posterior component probabilities and returns the mean log-likelihood. */
    private double eStep(double[] x, int n, double[] resp) {
        double[] lj = logJoint(x, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double lse = logSumExp(lj, i * k, k);
            sum += lse;
            for (int c = 0; c < k; c++) resp[i * k + c] = Math.exp(lj[i * k + c] - lse);
        }
        return sum / n;
    }

    /** n x k matrix of log(weight_c) + log N(x_i; mean_c, cov_c). */
    private double[] logJoint(double[] x, int n) {
        double[] lj = new double[n * k];
        for (int c = 0; c < k; c++) {
            double[] lp = comps[c].logDensity(x, n);
            double lw = Math.log(weights[c]);
            for (int i = 0; i < n; i++) lj[i * k + c] = lw + lp[i];
        }
        return lj;
    }

    /** log sum exp of a[from .. from+len), shifted by the max so that far-away rows do not underflow to -inf. */
    private static double logSumExp(double[] a, int from, int len) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = from; j < from + len; j++) max = Math.max(max, a[j]);
        if (max == Double.NEGATIVE_INFINITY) return max;
        double s = 0;
        for (int j = from; j < from + len; j++) s += Math.exp(a[j] - max);
        return max + Math.log(s);
    }

    /** Log density in nats of each of the n rows of x (n x d row-major). */
    @Override
    public double[] logDensity(double[] x, int n) {
        if (n < 0 || x == null || x.length != (long) n * d) {
            throw new IllegalArgumentException("expected " + n + " x " + d + " values, got "
                    + (x == null ? "null" : x.length));
        }
        double[] lj = logJoint(x, n);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = logSumExp(lj, i * k, k);
        return out;
    }


    /** Training mean log-likelihood of the returned parameters (the last entry of the history). */
    public double meanLogLikelihood() { return history.get(history.size() - 1); }

    /**
     * Training mean log-likelihood after initialisation and after each EM iteration ({@code iterations() + 1}
     * entries). EM makes it non-decreasing, except right after a re-seeded empty component
     * (and, with reg > 0, up to tiny amounts, since adding reg * I is not an exact M-step).
     */
    public double[] logLikelihoodHistory() {
        return history.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** EM iterations run (M-steps after the initial one). */
    public int iterations() { return iterations; }

    /** Whether EM stopped on tol rather than on maxIter. */
    public boolean converged() { return converged; }

    /** How many times an empty component was restarted on a random row (initialisation included). */
    public int reseeds() { return reseeds; }

    public int components() { return k; }

    public int dimension() { return d; }

    public double[] weights() { return weights.clone(); }

    public double[] mean(int component) { return comps[component].mean(); }

    /** d x d row-major, including reg on the diagonal. */
    public double[] covariance(int component) { return comps[component].covariance(); }
}
