package org.cnf4j.model;

import org.cnf4j.backend.F64Mat;
import org.cnf4j.backend.Mat;

/** {@link ElementLoops} of the float64 engine: double arrays, exact activations ({@link Activation#tanh}). */
final class DoubleLoops extends ElementLoops {
    private final double h;
    private final double[] trH, trHBar, sq, sj, scale, ht;

    DoubleLoops(int cs, int d, double h) {
        super(cs, d);
        this.h = h;
        trH = new double[cs];
        trHBar = new double[cs];
        sq = new double[cs];
        sj = new double[cs];
        scale = new double[cs];
        ht = new double[cs];
    }

    /** Java arrays of a double loop set for chunks of cs samples, in doubles. */
    static double doubles(int cs) { return 6.0 * cs; }

    private static double[] a(Mat x) { return ((F64Mat) x).data; }

    @Override void opening(Mat pre, double[] b, Mat tau, Mat u) { activations(a(pre), b, a(tau), null, a(u), 1); }

    /** tau = tanh(a), uOut = uPrev + hl act(a) (uOut = act(a) without uPrev, with hl = 1), a = pre + b. */
    private void activations(double[] p, double[] b, double[] t, double[] up, double[] uo, double hl) {
        for (int j = 0; j < b.length; j++) {
            double bj = b[j];
            for (int i = j * cs, end = i + cs; i < end; i++) {
                double x = p[i] + bj;
                double e = Math.exp(-2 * Math.abs(x));
                t[i] = Activation.tanhFromExp(x, e);
                uo[i] = up == null ? Activation.actFromExp(x, e) : up[i] + hl * Activation.actFromExp(x, e);
            }
        }
    }

    @Override void residual(Mat pre, double[] b, Mat tau, Mat uPrev, Mat uOut) {
        double[] p = a(pre), t = a(tau);
        if (uOut == null) {
            for (int j = 0; j < b.length; j++) {
                double bj = b[j];
                for (int i = j * cs, end = i + cs; i < end; i++) t[i] = Activation.tanh(p[i] + bj);
            }
            return;
        }
        activations(p, b, t, a(uPrev), a(uOut), h);
    }

    @Override void multiply(Mat x, Mat y, Mat out) {
        double[] p = a(x), q = a(y), o = a(out);
        for (int i = 0; i < o.length; i++) o[i] = p[i] * q[i];
    }

    @Override void addInto(Mat dst, Mat src) {
        double[] o = a(dst), s = a(src);
        for (int i = 0; i < o.length; i++) o[i] += s[i];
    }

    @Override void traceStart(double base) { java.util.Arrays.fill(trH, base); }

    @Override double trace(int n) { return trH[n]; }

    @Override void openingTrace(Mat tau, Mat z1, double[] g0) {
        double[] t = a(tau), z = a(z1);
        for (int j = 0; j < g0.length; j++) {
            double g = g0[j];
            for (int n = 0, i = j * cs; n < cs; n++, i++) trH[n] += (1 - t[i] * t[i]) * z[i] * g;
        }
    }

    @Override void openingJacobian(Mat tau, double[] k0x, Mat j0) {
        double[] t = a(tau), out = a(j0);
        for (int j = 0, m = tau.rows; j < m; j++) {
            for (int k = 0; k < d; k++) {
                double c = k0x[j * d + k];
                for (int n = 0, i = (j * d + k) * cs, ia = j * cs; n < cs; n++, i++, ia++) out[i] = c * t[ia];
            }
        }
    }

    /** sq_n = sum_k KJ[j, k cs + n]^2 for row j. */
    private void rowSquares(double[] kj, int j) {
        java.util.Arrays.fill(sq, 0);
        for (int k = 0; k < d; k++) {
            for (int n = 0, i = (j * d + k) * cs; n < cs; n++, i++) sq[n] += kj[i] * kj[i];
        }
    }

    @Override void layerTrace(Mat tau, Mat zAbove, Mat kj) {
        double[] t = a(tau), z = a(zAbove), k = a(kj);
        for (int j = 0, m = tau.rows; j < m; j++) {
            rowSquares(k, j);
            for (int n = 0, ia = j * cs; n < cs; n++, ia++) trH[n] += h * (1 - t[ia] * t[ia]) * z[ia] * sq[n];
        }
    }

    @Override void carryJacobian(Mat jPrev, Mat tau, Mat kj, Mat jOut) {
        double[] jp = a(jPrev), t = a(tau), k = a(kj), out = a(jOut);
        for (int j = 0, m = tau.rows; j < m; j++) {
            for (int q = 0; q < d; q++) {
                for (int n = 0, i = (j * d + q) * cs, ia = j * cs; n < cs; n++, i++, ia++) out[i] = jp[i] + h * t[ia] * k[i];
            }
        }
    }

    @Override void traceBar(double[] v) { System.arraycopy(v, 0, trHBar, 0, cs); }

    @Override void layerTraceAdjoint(Mat tau, Mat zAbove, Mat kj, Mat jBar, Mat tauBar, Mat zBarAbove) {
        double[] t = a(tau), z = a(zAbove), k = a(kj), tb = a(tauBar), zb = a(zBarAbove), jb = jBar == null ? null : a(jBar);
        for (int j = 0, m = tau.rows; j < m; j++) {
            java.util.Arrays.fill(sq, 0);
            java.util.Arrays.fill(sj, 0);
            for (int q = 0; q < d; q++) {
                for (int n = 0, i = (j * d + q) * cs; n < cs; n++, i++) {
                    sq[n] += k[i] * k[i];
                    if (jb != null) sj[n] += jb[i] * k[i];
                }
            }
            for (int n = 0, ia = j * cs; n < cs; n++, ia++) {
                double tn = t[ia], dt = 1 - tn * tn, zn = z[ia];
                double hb = h * trHBar[n];
                scale[n] = 2 * hb * dt * zn;
                ht[n] = h * tn;
                double cBar = hb * sq[n];
                tb[ia] = tb[ia] + h * sj[n] - 2 * tn * zn * cBar;
                zb[ia] = zb[ia] + cBar * dt;
            }
            for (int q = 0; q < d; q++) {
                for (int n = 0, i = (j * d + q) * cs; n < cs; n++, i++) k[i] = scale[n] * k[i] + (jb == null ? 0 : ht[n] * jb[i]);
            }
        }
    }

    @Override void openingTraceAdjoint(Mat tau, Mat z1, Mat jBar, Mat tauBar, Mat z1Bar, double[] k0x, double[] g0,
                                      double[] k0xBar, double[] coef) {
        double[] t = a(tau), z = a(z1), jb = jBar == null ? null : a(jBar), tb = a(tauBar), zb = a(z1Bar);
        for (int j = 0, m = tau.rows; j < m; j++) {
            java.util.Arrays.fill(sj, 0);
            for (int q = 0; jb != null && q < d; q++) {
                double c = k0x[j * d + q], acc = 0;
                for (int n = 0, i = (j * d + q) * cs, ia = j * cs; n < cs; n++, i++, ia++) {
                    sj[n] += jb[i] * c;
                    acc += jb[i] * t[ia];
                }
                k0xBar[j * d + q] += acc;
            }
            double g = g0[j], cj = 0;
            for (int n = 0, ia = j * cs; n < cs; n++, ia++) {
                double tn = t[ia], dt = 1 - tn * tn, zn = z[ia];
                double tbar = trHBar[n];
                tb[ia] = tb[ia] + sj[n] - 2 * tn * zn * g * tbar;
                zb[ia] = zb[ia] + tbar * dt * g;
                cj += tbar * dt * zn;
            }
            coef[j] += cj;
        }
    }

    @Override void productAdjoint(Mat pBar, Mat tau, Mat z, Mat tauBar, Mat zBar) {
        double[] pb = a(pBar), t = a(tau), zz = a(z), tb = a(tauBar), zb = a(zBar);
        for (int i = 0; i < pb.length; i++) {
            tb[i] = tb[i] + pb[i] * zz[i];
            zb[i] = zb[i] + pb[i] * t[i];
        }
    }

    @Override void activationAdjoint(Mat tau, Mat tauBar, Mat uBar, double hl, Mat aBar, double[] bBar) {
        double[] t = a(tau), tb = a(tauBar), ub = a(uBar), ab = a(aBar);
        for (int j = 0; j < bBar.length; j++) {
            double sum = 0;
            for (int i = j * cs, end = i + cs; i < end; i++) {
                double v = tb[i] * (1 - t[i] * t[i]) + hl * ub[i] * t[i];
                ab[i] = v;
                sum += v;
            }
            bBar[j] += sum;
        }
    }

    @Override void addRowSums(Mat x, double[] acc) {
        double[] v = a(x);
        for (int j = 0; j < acc.length; j++) {
            double sum = 0;
            for (int i = j * cs, end = i + cs; i < end; i++) sum += v[i];
            acc[j] += sum;
        }
    }
}
