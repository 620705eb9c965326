package org.cnf4j.model;

import org.cnf4j.backend.F32Mat;
import org.cnf4j.backend.Mat;

/**
 * {@link ElementLoops} of the float32 engine: float arrays and float arithmetic, float-accurate activations
 * ({@link Activation#tanhFloat}, {@link Activation#actFloat}); sums over samples are formed in float (as the sgemm
 * reductions over samples are) and added to the double accumulators per row.
 *
 * <p>Written for C2's vectoriser in JDK 17, which (measured here, JMH and the harness in docs/DESIGN.md) vectorises a
 * loop only when every array in it is indexed by the same expression: {@code a[i] = b[i] * c[i]} runs at 0.15 ns per
 * element, {@code sq[n] += k[base + n] * k[base + n]} at 1.0 ns, because two float arrays at different offsets might
 * overlap. So a row segment of a matrix is first copied into a per-sample row ({@code System.arraycopy}, a memcpy) and
 * the arithmetic runs on rows that share the index; results go back the same way. A loop also stays small: the
 * opening layer's tanh and act in one loop body ran at 14 ns per element, in two loops at 1.9 ns.
 */
final class FloatLoops extends ElementLoops {
    private final float h;
    /** The Hessian trace and its adjoint per sample; sq, sj, scale, ht: per-sample sums and factors of one row. */
    private final float[] trH, trHBar, sq, sj, scale, ht;
    /** Row segments copied out of matrices (see the class comment). */
    private final float[] r1, r2, r3, r4, ra, rb;
    /** The products that {@link #dot} sums. */
    private final float[] products;
    /** The rows of the narrow operand of {@link #narrowProduct}. */
    private final float[][] narrowRows;
    /** Sums over samples into gradient accumulators, kept per sample until {@link #flush}; null: summed at once. */
    private final DeferredSums deferred;

    FloatLoops(int cs, int d, double h, boolean defer) {
        super(cs, d);
        deferred = defer ? new DeferredSums(cs) : null;
        this.h = (float) h;
        trH = new float[cs];
        trHBar = new float[cs];
        sq = new float[cs];
        sj = new float[cs];
        scale = new float[cs];
        ht = new float[cs];
        r1 = new float[cs];
        r2 = new float[cs];
        r3 = new float[cs];
        r4 = new float[cs];
        ra = new float[cs];
        rb = new float[cs];
        products = new float[cs];
        narrowRows = new float[NARROW][cs];
    }

    /** Java arrays of a float loop set for chunks of cs samples, in floats. */
    static double floats(int cs) { return (13.0 + NARROW) * cs; }

    private static float[] a(Mat x) { return ((F32Mat) x).data; }

    private void load(float[] src, int off, float[] row) { System.arraycopy(src, off, row, 0, cs); }

    private void store(float[] row, float[] dst, int off) { System.arraycopy(row, 0, dst, off, cs); }

    @Override void opening(Mat pre, double[] b, Mat tau, Mat u) {
        float[] p = a(pre), t = a(tau), uu = a(u);
        for (int j = 0; j < b.length; j++) {
            float bj = (float) b[j];
            int lo = j * cs, hi = lo + cs;
            for (int i = lo; i < hi; i++) t[i] = Activation.tanhFloat(p[i] + bj);
            for (int i = lo; i < hi; i++) uu[i] = Activation.actFloat(p[i] + bj, t[i]);
        }
    }

    @Override void residual(Mat pre, double[] b, Mat tau, Mat uPrev, Mat uOut) {
        float[] p = a(pre), t = a(tau);
        for (int j = 0; j < b.length; j++) {
            float bj = (float) b[j];
            int lo = j * cs, hi = lo + cs;
            for (int i = lo; i < hi; i++) t[i] = Activation.tanhFloat(p[i] + bj);
            if (uOut == null) continue;
            float[] up = a(uPrev), uo = a(uOut);
            for (int i = lo; i < hi; i++) uo[i] = up[i] + h * Activation.actFloat(p[i] + bj, t[i]);
        }
    }

    @Override void multiply(Mat x, Mat y, Mat out) {
        float[] p = a(x), q = a(y), o = a(out);
        for (int i = 0; i < o.length; i++) o[i] = p[i] * q[i];
    }

    @Override void addInto(Mat dst, Mat src) {
        float[] o = a(dst), s = a(src);
        for (int i = 0; i < o.length; i++) o[i] += s[i];
    }

    @Override void traceStart(double base) { java.util.Arrays.fill(trH, (float) base); }

    @Override double trace(int n) { return trH[n]; }

    @Override void openingTrace(Mat tau, Mat z1, double[] g0) {
        float[] t = a(tau), z = a(z1);
        for (int j = 0; j < g0.length; j++) {
            float g = (float) g0[j];
            load(t, j * cs, r1);
            load(z, j * cs, r2);
            for (int n = 0; n < cs; n++) trH[n] += (1 - r1[n] * r1[n]) * r2[n] * g;
        }
    }

    @Override void openingJacobian(Mat tau, double[] k0x, Mat j0) {
        float[] t = a(tau), out = a(j0);
        for (int j = 0, m = tau.rows; j < m; j++) {
            for (int k = 0; k < d; k++) {
                float c = (float) k0x[j * d + k];
                int lo = (j * d + k) * cs, hi = lo + cs;
                System.arraycopy(t, j * cs, out, lo, cs);
                for (int i = lo; i < hi; i++) out[i] = c * out[i];
            }
        }
    }

    /** sq_n = sum_k KJ[j, k cs + n]^2 for row j. */
    private void rowSquares(float[] kj, int j) {
        java.util.Arrays.fill(sq, 0);
        for (int k = 0; k < d; k++) {
            load(kj, (j * d + k) * cs, ra);
            for (int n = 0; n < cs; n++) sq[n] += ra[n] * ra[n];
        }
    }

    @Override void layerTrace(Mat tau, Mat zAbove, Mat kj) {
        float[] t = a(tau), z = a(zAbove), k = a(kj);
        for (int j = 0, m = tau.rows; j < m; j++) {
            rowSquares(k, j);
            load(t, j * cs, r1);
            load(z, j * cs, r2);
            for (int n = 0; n < cs; n++) trH[n] += h * (1 - r1[n] * r1[n]) * r2[n] * sq[n];
        }
    }

    @Override void carryJacobian(Mat jPrev, Mat tau, Mat kj, Mat jOut) {
        float[] jp = a(jPrev), t = a(tau), k = a(kj), out = a(jOut);
        for (int j = 0, m = tau.rows; j < m; j++) {
            load(t, j * cs, r1);
            for (int q = 0; q < d; q++) {
                int off = (j * d + q) * cs;
                load(jp, off, ra);
                load(k, off, rb);
                for (int n = 0; n < cs; n++) ra[n] = ra[n] + h * r1[n] * rb[n];
                store(ra, out, off);
            }
        }
    }

    @Override void traceBar(double[] v) { for (int n = 0; n < cs; n++) trHBar[n] = (float) v[n]; }

    @Override void layerTraceAdjoint(Mat tau, Mat zAbove, Mat kj, Mat jBar, Mat tauBar, Mat zBarAbove) {
        float[] t = a(tau), z = a(zAbove), k = a(kj), tb = a(tauBar), zb = a(zBarAbove), jb = jBar == null ? null : a(jBar);
        for (int j = 0, m = tau.rows; j < m; j++) {
            java.util.Arrays.fill(sq, 0);
            java.util.Arrays.fill(sj, 0);
            for (int q = 0; q < d; q++) {
                int off = (j * d + q) * cs;
                load(k, off, ra);
                for (int n = 0; n < cs; n++) sq[n] += ra[n] * ra[n];
                if (jb == null) continue;
                load(jb, off, rb);
                for (int n = 0; n < cs; n++) sj[n] += rb[n] * ra[n];
            }
            int ia = j * cs;
            load(t, ia, r1);
            load(z, ia, r2);
            load(tb, ia, r3);
            load(zb, ia, r4);
            for (int n = 0; n < cs; n++) {
                float tn = r1[n], dt = 1 - tn * tn, zn = r2[n];
                float hb = h * trHBar[n];
                scale[n] = 2 * hb * dt * zn;
                ht[n] = h * tn;
                float cBar = hb * sq[n];
                r3[n] = r3[n] + h * sj[n] - 2 * tn * zn * cBar;
                r4[n] = r4[n] + cBar * dt;
            }
            store(r3, tb, ia);
            store(r4, zb, ia);
            for (int q = 0; q < d; q++) {
                int off = (j * d + q) * cs;
                load(k, off, ra);
                if (jb == null) {
                    for (int n = 0; n < cs; n++) ra[n] = scale[n] * ra[n];
                } else {
                    load(jb, off, rb);
                    for (int n = 0; n < cs; n++) ra[n] = scale[n] * ra[n] + ht[n] * rb[n];
                }
                store(ra, k, off);
            }
        }
    }

    @Override void openingTraceAdjoint(Mat tau, Mat z1, Mat jBar, Mat tauBar, Mat z1Bar, double[] k0x, double[] g0,
                                      double[] k0xBar, double[] coef) {
        float[] t = a(tau), z = a(z1), jb = jBar == null ? null : a(jBar), tb = a(tauBar), zb = a(z1Bar);
        int m = tau.rows;
        float[][] k0xRows = deferred == null || jb == null ? null : deferred.entryRows(k0xBar, m * d);
        float[][] coefRows = deferred == null ? null : deferred.entryRows(coef, m);
        for (int j = 0; j < m; j++) {
            int ia = j * cs;
            load(t, ia, r1);
            java.util.Arrays.fill(sj, 0);
            for (int q = 0; jb != null && q < d; q++) {
                float c = (float) k0x[j * d + q];
                load(jb, (j * d + q) * cs, ra);
                for (int n = 0; n < cs; n++) sj[n] += ra[n] * c;
                if (k0xRows == null) {
                    k0xBar[j * d + q] += dot(ra, r1);
                } else {
                    float[] acc = k0xRows[j * d + q];
                    for (int n = 0; n < cs; n++) acc[n] += ra[n] * r1[n];
                }
            }
            float g = (float) g0[j];
            load(z, ia, r2);
            load(tb, ia, r3);
            load(zb, ia, r4);
            for (int n = 0; n < cs; n++) {
                float tn = r1[n], dt = 1 - tn * tn, zn = r2[n];
                float tbar = trHBar[n];
                r3[n] = r3[n] + sj[n] - 2 * tn * zn * g * tbar;
                r4[n] = r4[n] + tbar * dt * g;
                ra[n] = tbar * dt * zn;
            }
            store(r3, tb, ia);
            store(r4, zb, ia);
            if (coefRows == null) {
                coef[j] += sum(ra);
            } else {
                float[] acc = coefRows[j];
                for (int n = 0; n < cs; n++) acc[n] += ra[n];
            }
        }
    }

    /**
     * sum_n x_n y_n over a chunk's samples, in float: the products in one vectorised pass, then
     * {@link #sum}. C2 does not vectorise a float sum (its order is fixed), and one running sum waits on every
     * addition's latency: measured 1.0 ns per element for the plain loop, 0.35 this way.
     */
    private float dot(float[] x, float[] y) {
        for (int n = 0; n < cs; n++) products[n] = x[n] * y[n];
        return sum(products);
    }

    /** sum_n x_n in four interleaved partial sums (see {@link #dot}). */
    private float sum(float[] x) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int n = 0;
        for (; n + 4 <= cs; n += 4) {
            s0 += x[n];
            s1 += x[n + 1];
            s2 += x[n + 2];
            s3 += x[n + 3];
        }
        for (; n < cs; n++) s0 += x[n];
        return (s0 + s1) + (s2 + s3);
    }

    @Override boolean narrowProduct(boolean transA, boolean transB, double alpha, Mat a, Mat b, double beta, Mat c) {
        if (alpha != 1) return false;
        float[] x = a(a), y = a(b), out = a(c);
        float bt = (float) beta;
        if (!transA && !transB && a.cols <= NARROW && b.cols == cs) {
            // C (r x cs) = A (r x q) B (q x cs): per row of C, q scaled rows of B
            int q = a.cols;
            for (int k = 0; k < q; k++) load(y, k * cs, narrowRows[k]);
            for (int j = 0; j < c.rows; j++) {
                loadScaled(out, j * cs, bt, ra);
                for (int k = 0; k < q; k++) {
                    float w = x[j * q + k];
                    float[] rk = narrowRows[k];
                    for (int n = 0; n < cs; n++) ra[n] += w * rk[n];
                }
                store(ra, out, j * cs);
            }
            return true;
        }
        if (transA && !transB && a.cols <= NARROW && b.cols == cs) {
            // C (q x cs) = A^T (q x r) B (r x cs): each row of B added to the q rows of C
            int q = a.cols;
            for (int k = 0; k < q; k++) loadScaled(out, k * cs, bt, narrowRows[k]);
            for (int j = 0; j < a.rows; j++) {
                load(y, j * cs, ra);
                for (int k = 0; k < q; k++) {
                    float w = x[j * q + k];
                    float[] rk = narrowRows[k];
                    for (int n = 0; n < cs; n++) rk[n] += w * ra[n];
                }
            }
            for (int k = 0; k < q; k++) store(narrowRows[k], out, k * cs);
            return true;
        }
        if (!transA && transB && b.rows <= NARROW && a.cols == cs) {
            // C (r x q) = A (r x cs) B^T (cs x q): dot products over the samples
            int q = b.rows;
            for (int k = 0; k < q; k++) load(y, k * cs, narrowRows[k]);
            for (int j = 0; j < a.rows; j++) {
                load(x, j * cs, ra);
                for (int k = 0; k < q; k++) out[j * q + k] = (bt == 0 ? 0 : bt * out[j * q + k]) + dot(ra, narrowRows[k]);
            }
            return true;
        }
        return false;
    }

    /** row = beta * src[off ..] (zeros when beta = 0, whatever src holds). */
    private void loadScaled(float[] src, int off, float beta, float[] row) {
        if (beta == 0) {
            java.util.Arrays.fill(row, 0);
            return;
        }
        load(src, off, row);
        if (beta != 1) for (int n = 0; n < cs; n++) row[n] *= beta;
    }

    @Override void productAdjoint(Mat pBar, Mat tau, Mat z, Mat tauBar, Mat zBar) {
        float[] pb = a(pBar), t = a(tau), zz = a(z), tb = a(tauBar), zb = a(zBar);
        for (int i = 0; i < pb.length; i++) {
            tb[i] = tb[i] + pb[i] * zz[i];
            zb[i] = zb[i] + pb[i] * t[i];
        }
    }

    @Override void activationAdjoint(Mat tau, Mat tauBar, Mat uBar, double hl, Mat aBar, double[] bBar) {
        float[] t = a(tau), tb = a(tauBar), ub = a(uBar), ab = a(aBar);
        float hf = (float) hl;
        for (int i = 0; i < ab.length; i++) ab[i] = tb[i] * (1 - t[i] * t[i]) + hf * ub[i] * t[i];
        addRowSums(aBar, bBar);
    }

    @Override void addRowSums(Mat x, double[] acc) {
        float[] v = a(x);
        if (deferred != null) {
            float[] rows = deferred.flatRows(acc);
            for (int i = 0; i < rows.length; i++) rows[i] += v[i];
            return;
        }
        for (int j = 0; j < acc.length; j++) {
            load(v, j * cs, ra);
            acc[j] += sum(ra);
        }
    }

    @Override boolean accumulateOuter(Mat a, Mat b, Mat target) {
        if (deferred == null || b.rows > NARROW || a.cols != cs || b.cols != cs || target.rows != a.rows || target.cols != b.rows) return false;
        float[] x = a(a), y = a(b);
        int q = b.rows;
        float[][] rows = deferred.entryRows(target, a.rows * q);
        for (int k = 0; k < q; k++) load(y, k * cs, narrowRows[k]);
        for (int j = 0; j < a.rows; j++) {
            load(x, j * cs, ra);
            for (int k = 0; k < q; k++) {
                float[] acc = rows[j * q + k], rk = narrowRows[k];
                for (int n = 0; n < cs; n++) acc[n] += ra[n] * rk[n];
            }
        }
        return true;
    }

    @Override void flush() { if (deferred != null) deferred.flush(); }

    @Override void discard() { if (deferred != null) deferred.discard(); }
}
