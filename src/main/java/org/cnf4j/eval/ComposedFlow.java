package org.cnf4j.eval;

import java.util.List;

/**
 * The JKO-Flow model F = F_K o ... o F_1 (ALGORITHMS.md section 5): log p(x) = log N(F(x)) + sum_k l_k,
 * with l_k the log-determinant map k accumulates along its forward pass; sampling applies
 * F_K^{-1}, ..., F_1^{-1} to y ~ N(0, I). With one map it is that map's {@link FlowModel}.
 */
public final class ComposedFlow {
    private final List<FlowModel> maps;
    private final int d;

    public ComposedFlow(List<FlowModel> maps) {
        if (maps.isEmpty()) throw new IllegalArgumentException("a composed flow needs at least one map");
        this.maps = List.copyOf(maps);
        this.d = maps.get(0).dimension();
        for (FlowModel f : maps) if (f.dimension() != d) throw new IllegalArgumentException("maps of different dimensions");
    }

    public int size() { return maps.size(); }

    public int dimension() { return d; }

    /** F(x) (n x d); {@code logDet}, if given, receives sum_k l_k per sample. */
    public double[] push(double[] x, int n, int nt, double[] logDet) {
        double[] cur = x;
        if (logDet != null) java.util.Arrays.fill(logDet, 0);
        for (FlowModel f : maps) {
            double[] z = f.forward(cur, n, nt);
            double[] next = new double[n * d];
            for (int i = 0; i < n; i++) {
                System.arraycopy(z, i * (d + 3), next, i * d, d);
                if (logDet != null) logDet[i] += z[i * (d + 3) + d];
            }
            cur = next;
        }
        return cur;
    }

    /** log p(x) per sample, in nats. */
    public double[] logDensity(double[] x, int n, int nt) {
        double[] logDet = new double[n];
        double[] y = push(x, n, nt, logDet);
        double[] out = new double[n];
        double logNorm = 0.5 * d * Math.log(2 * Math.PI);
        for (int i = 0; i < n; i++) {
            double sq = 0;
            for (int q = 0; q < d; q++) sq += y[i * d + q] * y[i * d + q];
            out[i] = -0.5 * sq - logNorm + logDet[i];
        }
        return out;
    }

    /** n samples: y ~ N(0, I) through F_K^{-1}, ..., F_1^{-1}; with {@code logp}, also their log-densities. */
    public double[] sample(int n, int nt, long seed, double[] logp) {
        double[] y = FlowModel.gaussians(n * d, seed);
        double logNorm = 0.5 * d * Math.log(2 * Math.PI);
        if (logp != null) {
            for (int i = 0; i < n; i++) {
                double sq = 0;
                for (int q = 0; q < d; q++) sq += y[i * d + q] * y[i * d + q];
                logp[i] = -0.5 * sq - logNorm;
            }
        }
        double[] cur = y, back = logp == null ? null : new double[n];
        for (int k = maps.size() - 1; k >= 0; k--) {
            cur = maps.get(k).inverse(cur, n, nt, back);
            // l integrated backwards is minus map k's log-determinant at the point reached
            if (logp != null) for (int i = 0; i < n; i++) logp[i] -= back[i];
        }
        return cur;
    }

    /** mean |x - F^{-1}(F(x))| over all coordinates. */
    public double inverseError(double[] x, int n, int nt) {
        double[] cur = push(x, n, nt, null);
        for (int k = maps.size() - 1; k >= 0; k--) cur = maps.get(k).inverse(cur, n, nt, null);
        double s = 0;
        for (int i = 0; i < cur.length; i++) s += Math.abs(cur[i] - x[i]);
        return s / cur.length;
    }
}
