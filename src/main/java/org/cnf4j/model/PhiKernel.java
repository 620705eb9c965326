package org.cnf4j.model;

import static org.cnf4j.backend.Blas.gemm;

import org.cnf4j.backend.DType;
import org.cnf4j.backend.Mat;

/**
 * The exact gradient and Hessian trace of Phi (ALGORITHMS.md 2.1-2.2) on a chunk of {@code cs}
 * samples, and their adjoint (section 3.1). All buffers are allocated once, in the constructor.
 *
 * <p>Layout: one column per sample. Activations are m x cs; the Jacobians J_i and products K_i J_i
 * are m x (cs*d) with column {@code n*d + k} for sample n and coordinate k, so each K_i J product
 * is one GEMM over the whole chunk. {@link #evaluate} keeps everything the adjoint needs; {@link #vjp}
 * must follow the evaluate of the same points.
 */
public final class PhiKernel {
    public final PhiShape shape;
    public final DType dtype;
    public final int cs;
    private final int d, m, nTh;
    private final double h;
    /** float32 engine: float-accurate activations (see {@link Activation}). */
    private final boolean single;

    /** s = [x; t], (d+1) x cs. */
    private final Mat s;
    private final Mat pre;
    /** tanh(a_i), u_i, z_i (z_0 is the gradient; z_{nTh} = w is not stored), p_i = tanh(a_i) * z_{i+1}. */
    private final Mat[] tau, u, z, p;
    /** J_i for i < nTh-1 and K_i J_{i-1} for i >= 1 (index i). */
    private final Mat[] jac, kj;
    private final Mat grad;
    private final double[] trH, phi;

    // adjoint buffers
    private final Mat gBar, sBar, jBar, work;
    private final Mat[] tauBar, zBar;
    private final Mat uBar;
    private final double[] k0xBarAcc, k0Coef;
    private final PhiGradient acc;

    private PhiWeights wt;
    private boolean evaluated;

    public PhiKernel(PhiShape shape, DType dtype, int cs) {
        this.shape = shape;
        this.dtype = dtype;
        this.cs = cs;
        d = shape.d();
        m = shape.m();
        nTh = shape.nTh();
        h = shape.h();
        single = dtype == DType.FLOAT32;
        s = Mat.create(dtype, d + 1, cs);
        pre = Mat.create(dtype, m, cs);
        tau = mats(nTh, m, cs);
        u = mats(nTh, m, cs);
        z = mats(nTh, m, cs);
        p = mats(nTh, m, cs);
        jac = new Mat[nTh];
        kj = new Mat[nTh];
        for (int i = 0; i < nTh - 1; i++) jac[i] = Mat.create(dtype, m, cs * d);
        for (int i = 1; i < nTh; i++) kj[i] = Mat.create(dtype, m, cs * d);
        grad = Mat.create(dtype, d + 1, cs);
        trH = new double[cs];
        phi = new double[cs];
        gBar = Mat.create(dtype, d + 1, cs);
        sBar = Mat.create(dtype, d + 1, cs);
        jBar = Mat.create(dtype, m, cs * d);
        work = Mat.create(dtype, m, cs);
        tauBar = mats(nTh, m, cs);
        zBar = mats(nTh, m, cs);
        uBar = Mat.create(dtype, m, cs);
        k0xBarAcc = new double[m * d];
        k0Coef = new double[m];
        acc = new PhiGradient(shape, dtype);
    }

    private Mat[] mats(int count, int rows, int cols) {
        Mat[] out = new Mat[count];
        for (int i = 0; i < count; i++) out[i] = Mat.create(dtype, rows, cols);
        return out;
    }

    /** Starts a new accumulation of parameter gradients against these weights. */
    public void reset(PhiWeights weights) {
        if (!weights.shape.equals(shape) || weights.dtype != dtype) throw new IllegalArgumentException("weights do not fit kernel");
        this.wt = weights;
        acc.clear();
        evaluated = false;
    }

    /** Adds the gradients accumulated since {@link #reset} to {@code out} (flat layout of p). */
    public void addGradientTo(PhiParams params, double[] out) { acc.addTo(params, out); }

    /**
     * Evaluates at s = [x_n, t] for the cs samples in {@code x} (row-major cs x d, starting at xOff).
     * Afterwards {@link #gradient} and {@link #traceHessian} hold the results.
     */
    public void evaluate(double[] x, int xOff, double t, boolean withPhi) {
        for (int n = 0; n < cs; n++) {
            for (int k = 0; k < d; k++) s.set(k * cs + n, x[xOff + n * d + k]);
            s.set(d * cs + n, t);
        }
        forwardResNet(withPhi);
        gradientRecursion();
        trace();
        if (withPhi) phiValue();
        evaluated = true;
    }

    /** d Phi / d s_k at sample n (k = d is the time derivative). */
    public double gradient(int n, int k) { return grad.get(k * cs + n); }

    public double traceHessian(int n) { return trH[n]; }

    public double phi(int n) { return phi[n]; }

    // ---- forward ---------------------------------------------------------------------------

    /** a_0 = K0 s + b0, u_0 = act(a_0); u_i = u_{i-1} + h act(K_i u_{i-1} + b_i). */
    private void forwardResNet(boolean withPhi) {
        gemm(false, false, 1, wt.k[0], s, 0, pre);
        double[] b0 = wt.b[0];
        Mat t0 = tau[0], u0 = u[0];
        for (int j = 0; j < m; j++) {
            double bj = b0[j];
            for (int n = 0, i = j * cs; n < cs; n++, i++) {
                double a = pre.get(i) + bj, t, v;
                if (single) {
                    t = Activation.tanhSingle(a);
                    v = Activation.actSingle(a, t);
                } else {
                    double e = Math.exp(-2 * Math.abs(a));
                    t = Activation.tanhFromExp(a, e);
                    v = Activation.actFromExp(a, e);
                }
                t0.set(i, t);
                u0.set(i, v);
            }
        }
        for (int l = 1; l < nTh; l++) {
            gemm(false, false, 1, wt.k[l], u[l - 1], 0, pre);
            double[] bl = wt.b[l];
            boolean needU = l < nTh - 1 || withPhi; // u_{nTh-1} only enters Phi itself
            Mat tl = tau[l], ul = u[l], uprev = u[l - 1];
            for (int j = 0; j < m; j++) {
                double bj = bl[j];
                for (int n = 0, i = j * cs; n < cs; n++, i++) {
                    double a = pre.get(i) + bj;
                    double t = single ? Activation.tanhSingle(a) : Activation.tanh(a);
                    tl.set(i, t);
                    if (needU) ul.set(i, uprev.get(i) + h * (single ? Activation.actSingle(a, t) : Activation.act(a)));
                }
            }
        }
    }

    /** z_i = z_{i+1} + h K_i^T (tanh(a_i) z_{i+1}), z_0 = K0^T (tanh(a_0) z_1); grad = z_0 + M s + c. */
    private void gradientRecursion() {
        for (int l = nTh - 1; l >= 0; l--) {
            Mat tl = tau[l], pl = p[l];
            for (int j = 0; j < m; j++) {
                for (int n = 0, i = j * cs; n < cs; n++, i++) pl.set(i, tl.get(i) * zNext(l, j, i));
            }
            if (l > 0) {
                Mat zl = z[l];
                for (int j = 0; j < m; j++) {
                    for (int n = 0, i = j * cs; n < cs; n++, i++) zl.set(i, zNext(l, j, i));
                }
                gemm(true, false, h, wt.k[l], pl, 1, zl);
            }
        }
        gemm(true, false, 1, wt.k[0], p[0], 0, grad);
        gemm(false, false, 1, wt.mMat, s, 1, grad);
        for (int k = 0; k <= d; k++) {
            double c = wt.cw[k];
            for (int n = 0, i = k * cs; n < cs; n++, i++) grad.set(i, grad.get(i) + c);
        }
    }

    /** z_{l+1} at flat index i (row j): w_j above the last layer. */
    private double zNext(int l, int j, int i) { return l == nTh - 1 ? wt.w[j] : z[l + 1].get(i); }

    /** trH = t_0 + h sum_i t_i + trace(M[:d,:d]) with the Jacobians J_i carried exactly. */
    private void trace() {
        java.util.Arrays.fill(trH, 0, cs, wt.traceMx);
        int cd = cs * d;
        Mat t0 = tau[0];
        for (int j = 0; j < m; j++) {
            double g0 = wt.g0[j];
            for (int n = 0, i = j * cs; n < cs; n++, i++) {
                double t = t0.get(i);
                trH[n] += (1 - t * t) * zNext(0, j, i) * g0;
            }
        }
        Mat j0 = jac[0];
        for (int j = 0; j < m; j++) {
            int kb = j * d;
            for (int n = 0; n < cs; n++) {
                double t = t0.get(j * cs + n);
                int base = j * cd + n * d;
                for (int k = 0; k < d; k++) j0.set(base + k, t * wt.k0x[kb + k]);
            }
        }
        for (int l = 1; l < nTh; l++) {
            Mat kjl = kj[l], tl = tau[l];
            gemm(false, false, 1, wt.k[l], jac[l - 1], 0, kjl);
            boolean carry = l < nTh - 1;
            Mat jl = carry ? jac[l] : null, jprev = jac[l - 1];
            for (int j = 0; j < m; j++) {
                for (int n = 0; n < cs; n++) {
                    int ia = j * cs + n;
                    double t = tl.get(ia);
                    double c = (1 - t * t) * zNext(l, j, ia);
                    int base = j * cd + n * d;
                    double sq = 0;
                    for (int k = 0; k < d; k++) {
                        double v = kjl.get(base + k);
                        sq += v * v;
                        if (carry) jl.set(base + k, jprev.get(base + k) + h * t * v);
                    }
                    trH[n] += h * c * sq;
                }
            }
        }
    }

    /** Phi = w^T u_{nTh-1} + 1/2 s^T M s + c^T s + cb. */
    private void phiValue() {
        int d1 = d + 1;
        Mat top = u[nTh - 1];
        for (int n = 0; n < cs; n++) {
            double v = wt.cb;
            for (int j = 0; j < m; j++) v += wt.w[j] * top.get(j * cs + n);
            for (int a = 0; a < d1; a++) {
                double sa = s.get(a * cs + n);
                v += wt.cw[a] * sa;
                double ms = 0;
                for (int c = 0; c < d1; c++) ms += wt.m[a * d1 + c] * s.get(c * cs + n);
                v += 0.5 * sa * ms;
            }
            phi[n] = v;
        }
    }

    // ---- adjoint ---------------------------------------------------------------------------

    /**
     * Vector-Jacobian product of the last {@link #evaluate}: given dLoss/dgrad ({@code gradBar},
     * row-major cs x (d+1)) and dLoss/dtrH per sample, accumulates dLoss/dparameters and writes
     * dLoss/dx (cs x d, row-major) into {@code xBar} at xBarOff.
     */
    public void vjp(double[] gradBar, double[] trHBar, double[] xBar, int xBarOff) {
        if (!evaluated) throw new IllegalStateException("vjp before evaluate");
        int d1 = d + 1;
        for (int n = 0; n < cs; n++) {
            for (int k = 0; k < d1; k++) gBar.set(k * cs + n, gradBar[n * d1 + k]);
        }
        for (Mat x : tauBar) x.fill(0);
        for (Mat x : zBar) x.fill(0);
        quadraticAdjoint(trHBar);
        traceAdjoint(trHBar);
        gradientAdjoint();
        resNetAdjoint();
        for (int n = 0; n < cs; n++) {
            for (int k = 0; k < d; k++) xBar[xBarOff + n * d + k] = sBar.get(k * cs + n);
        }
        evaluated = false;
    }

    /** grad = ... + M s + c, trH = ... + trace(M[:d,:d]). */
    private void quadraticAdjoint(double[] trHBar) {
        for (int k = 0; k <= d; k++) {
            double sum = 0;
            for (int n = 0, i = k * cs; n < cs; n++, i++) sum += gBar.get(i);
            acc.cw[k] += sum;
        }
        gemm(false, true, 1, gBar, s, 1, acc.mBar);
        double tb = 0;
        for (int n = 0; n < cs; n++) tb += trHBar[n];
        for (int k = 0; k < d; k++) acc.mBar.set(k, k, acc.mBar.get(k, k) + tb);
        gemm(false, false, 1, wt.mMat, gBar, 0, sBar);
    }

    /** Adjoint of section 2.2, top layer down; leaves dLoss/dJ_0 in jBar. */
    private void traceAdjoint(double[] trHBar) {
        int cd = cs * d;
        for (int l = nTh - 1; l >= 1; l--) {
            boolean carry = l < nTh - 1; // J_l feeds the next layer, so jBar holds dLoss/dJ_l
            Mat kjl = kj[l], tl = tau[l], tbl = tauBar[l];
            for (int j = 0; j < m; j++) {
                for (int n = 0; n < cs; n++) {
                    int ia = j * cs + n;
                    double t = tl.get(ia), dt = 1 - t * t, zn = zNext(l, j, ia);
                    double tb = h * trHBar[n];
                    double c2 = 2 * tb * dt * zn;
                    int base = j * cd + n * d;
                    double sq = 0, sj = 0;
                    for (int k = 0; k < d; k++) {
                        double v = kjl.get(base + k);
                        sq += v * v;
                        double kb = c2 * v;
                        if (carry) {
                            double jb = jBar.get(base + k);
                            sj += jb * v;
                            kb += h * t * jb;
                        }
                        kjl.set(base + k, kb); // K_l J_{l-1} is overwritten by its adjoint
                    }
                    double cBar = tb * sq;
                    tbl.set(ia, tbl.get(ia) + h * sj - 2 * t * zn * cBar);
                    addZBar(l + 1, j, ia, cBar * dt);
                }
            }
            gemm(false, true, 1, kjl, jac[l - 1], 1, acc.k[l]);
            gemm(true, false, 1, wt.k[l], kjl, carry ? 1 : 0, jBar);
        }
        // J_0 = diag(tanh a_0) K0x and t_0
        java.util.Arrays.fill(k0xBarAcc, 0);
        java.util.Arrays.fill(k0Coef, 0);
        Mat t0 = tau[0], tb0 = tauBar[0];
        for (int j = 0; j < m; j++) {
            int kb = j * d;
            double g0 = wt.g0[j];
            for (int n = 0; n < cs; n++) {
                int ia = j * cs + n;
                double t = t0.get(ia), dt = 1 - t * t, z1 = zNext(0, j, ia);
                int base = j * cd + n * d;
                double sj = 0;
                for (int k = 0; k < d; k++) {
                    double jb = jBar.get(base + k);
                    sj += jb * wt.k0x[kb + k];
                    k0xBarAcc[kb + k] += jb * t;
                }
                double tbar = trHBar[n];
                tb0.set(ia, tb0.get(ia) + sj - 2 * t * z1 * g0 * tbar);
                addZBar(1, j, ia, tbar * dt * g0);
                k0Coef[j] += tbar * dt * z1;
            }
        }
        Mat k0b = acc.k[0];
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < d; k++) {
                int i = j * (d + 1) + k;
                k0b.set(i, k0b.get(i) + k0xBarAcc[j * d + k] + 2 * k0Coef[j] * wt.k0x[j * d + k]);
            }
        }
    }

    /** Adds to dLoss/dz_l at flat index i; for l = nTh (z = w) straight into dLoss/dw. */
    private void addZBar(int l, int j, int i, double v) {
        if (l == nTh) acc.w[j] += v;
        else zBar[l].set(i, zBar[l].get(i) + v);
    }

    /** Adjoint of section 2.1, from z_0 (= grad part) up to z_{nTh} = w. */
    private void gradientAdjoint() {
        // z_0 = K0^T p_0, p_0 = tanh(a_0) z_1
        gemm(false, false, 1, wt.k[0], gBar, 0, work);
        gemm(false, true, 1, p[0], gBar, 1, acc.k[0]);
        spreadProductAdjoint(0);
        for (int l = 1; l < nTh; l++) {
            // z_l = z_{l+1} + h K_l^T p_l
            Mat zb = zBar[l];
            for (int j = 0; j < m; j++) {
                for (int n = 0, i = j * cs; n < cs; n++, i++) addZBar(l + 1, j, i, zb.get(i));
            }
            gemm(false, false, h, wt.k[l], zb, 0, work);
            gemm(false, true, h, p[l], zb, 1, acc.k[l]);
            spreadProductAdjoint(l);
        }
    }

    /** Given work = dLoss/dp_l with p_l = tanh(a_l) z_{l+1}: adds to dLoss/dtanh(a_l) and dLoss/dz_{l+1}. */
    private void spreadProductAdjoint(int l) {
        Mat tl = tau[l], tbl = tauBar[l];
        for (int j = 0; j < m; j++) {
            for (int n = 0, i = j * cs; n < cs; n++, i++) {
                double pb = work.get(i);
                tbl.set(i, tbl.get(i) + pb * zNext(l, j, i));
                addZBar(l + 1, j, i, pb * tl.get(i));
            }
        }
    }

    /** Adjoint of the ResNet forward: tanh(a_l) and u_l back to K_l, b_l and s. */
    private void resNetAdjoint() {
        uBar.fill(0);
        for (int l = nTh - 1; l >= 0; l--) {
            Mat tl = tau[l], tbl = tauBar[l];
            double hl = l == 0 ? 1 : h; // u_0 = act(a_0); u_l = u_{l-1} + h act(a_l)
            double[] bb = acc.b[l];
            for (int j = 0; j < m; j++) {
                double sum = 0;
                for (int n = 0, i = j * cs; n < cs; n++, i++) {
                    double t = tl.get(i);
                    double ab = tbl.get(i) * (1 - t * t) + hl * uBar.get(i) * t;
                    work.set(i, ab);
                    sum += ab;
                }
                bb[j] += sum;
            }
            if (l > 0) {
                gemm(false, true, 1, work, u[l - 1], 1, acc.k[l]);
                gemm(true, false, 1, wt.k[l], work, 1, uBar);
            } else {
                gemm(false, true, 1, work, s, 1, acc.k[0]);
                gemm(true, false, 1, wt.k[0], work, 1, sBar);
            }
        }
    }
}
