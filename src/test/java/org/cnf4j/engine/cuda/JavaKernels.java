package org.cnf4j.engine.cuda;

import static org.cnf4j.engine.cuda.JavaDev.r;

import org.cnf4j.engine.cuda.JavaDev.R;

/**
 * The Java twins of the kernels in {@code src/main/cuda/otflow_kernels.cu}: same names, same
 * arguments, same results (up to rounding order). They define what each kernel computes; the layouts
 * are described at the top of the .cu file.
 */
final class JavaKernels {
    private JavaKernels() {}

    private static int i(Object o) { return (Integer) o; }

    private static double f(Object o) { return ((Number) o).doubleValue(); }

    private static double tanh(double x) { return Math.tanh(x); }

    private static double act(double x) {
        double a = Math.abs(x);
        return a + Math.log1p(Math.exp(-2 * a));
    }

    static void run(String name, Object[] a) {
        switch (name) {
            case "act_layer" -> actLayer(r(a[0]), r(a[1]), r(a[2]), r(a[3]), r(a[4]), i(a[5]), i(a[6]), f(a[7]), i(a[8]));
            case "grad_prep" -> gradPrep(r(a[0]), r(a[1]), r(a[2]), r(a[3]), r(a[4]), i(a[5]), i(a[6]), i(a[7]), i(a[8]));
            case "add_rows" -> addRows(r(a[0]), r(a[1]), i(a[2]), i(a[3]));
            case "trace_init" -> traceInit(r(a[0]), r(a[1]), r(a[2]), r(a[3]), r(a[4]), r(a[5]), r(a[6]), i(a[7]), i(a[8]),
                    i(a[9]), r(a[10]), i(a[11]), i(a[12]));
            case "trace_layer" -> traceLayer(r(a[0]), r(a[1]), r(a[2]), r(a[3]), r(a[4]), r(a[5]), r(a[6]), i(a[7]), i(a[8]),
                    i(a[9]), f(a[10]), i(a[11]), i(a[12]));
            case "phi_value" -> phiValue(r(a[0]), r(a[1]), r(a[2]), r(a[3]), r(a[4]), f(a[5]), r(a[6]), i(a[7]), i(a[8]), i(a[9]));
            case "rk_stage_input" -> rkStageInput(r(a[0]), r(a[1]), r(a[2]), r(a[3]), i(a[4]), i(a[5]), i(a[6]),
                    new double[] {f(a[7]), f(a[8]), f(a[9]), f(a[10])}, f(a[11]), i(a[12]));
            case "load_stage" -> loadStage(r(a[0]), r(a[1]), i(a[2]), i(a[3]), f(a[4]));
            case "rk_rhs" -> rkRhs(r(a[0]), r(a[1]), r(a[2]), i(a[3]), i(a[4]), f(a[5]));
            case "rk_update" -> rkUpdate(r(a[0]), r(a[1]), i(a[2]), i(a[3]), i(a[4]), new double[] {f(a[5]), f(a[6]), f(a[7]), f(a[8])});
            case "loss_terms" -> lossTerms(r(a[0]), r(a[1]), r(a[2]), i(a[3]), i(a[4]), f(a[5]), f(a[6]), f(a[7]), f(a[8]),
                    f(a[9]), i(a[10]));
            case "kbar_init" -> kbarInit(r(a[0]), r(a[1]), i(a[2]), i(a[3]), i(a[4]), new double[] {f(a[5]), f(a[6]), f(a[7]), f(a[8])});
            case "rhs_adjoint" -> rhsAdjoint(r(a[0]), r(a[1]), r(a[2]), r(a[3]), i(a[4]), i(a[5]), f(a[6]));
            case "rk_xbar" -> rkXbar(r(a[0]), r(a[1]), r(a[2]), i(a[3]), i(a[4]), i(a[5]), new double[] {f(a[6]), f(a[7]), f(a[8]), f(a[9])});
            case "trace_layer_adj" -> traceLayerAdj(r(a[0]), r(a[1]), r(a[2]), r(a[3]), r(a[4]), r(a[5]), r(a[6]), r(a[7]),
                    i(a[8]), i(a[9]), i(a[10]), f(a[11]), i(a[12]), i(a[13]));
            case "trace_first_adj" -> traceFirstAdj(r(a[0]), r(a[1]), r(a[2]), r(a[3]), r(a[4]), r(a[5]), r(a[6]), r(a[7]),
                    r(a[8]), r(a[9]), i(a[10]), i(a[11]), i(a[12]), i(a[13]));
            case "spread_adj" -> spreadAdj(r(a[0]), r(a[1]), r(a[2]), r(a[3]), r(a[4]), r(a[5]), r(a[6]), i(a[7]), i(a[8]), i(a[9]), i(a[10]));
            case "resnet_adj" -> resnetAdj(r(a[0]), r(a[1]), r(a[2]), r(a[3]), i(a[4]), i(a[5]), f(a[6]));
            case "colsum" -> colsum(r(a[0]), i(a[1]), i(a[2]), r(a[3]), f(a[4]));
            case "sum_partials" -> sumPartials(r(a[0]), i(a[1]), i(a[2]), r(a[3]));
            default -> throw new IllegalArgumentException("no Java twin for kernel " + name);
        }
    }

    static void actLayer(R pre, R b, R uprev, R tau, R u, int m, int cs, double h, int mode) {
        for (long i = 0; i < (long) m * cs; i++) {
            int j = (int) (i % m);
            double a = pre.get(i) + b.get(j);
            tau.set(i, tanh(a));
            if (mode == 0) u.set(i, act(a));
            else if (mode == 1) u.set(i, uprev.get(i) + h * act(a));
        }
    }

    static void gradPrep(R tau, R znext, R w, R z, R p, int m, int cs, int top, int copyZ) {
        for (long i = 0; i < (long) m * cs; i++) {
            int j = (int) (i % m);
            double zn = top != 0 ? w.get(j) : znext.get(i);
            p.set(i, tau.get(i) * zn);
            if (copyZ != 0) z.set(i, zn);
        }
    }

    static void addRows(R x, R v, int rows, int cols) {
        for (long i = 0; i < (long) rows * cols; i++) x.add(i, v.get(i % rows));
    }

    static void traceInit(R tau0, R znext, R w, R k0, R g0, R j0, R trH, int m, int d, int cs, R traceMx, int top, int writeJ) {
        int d1 = d + 1;
        for (int s = 0; s < cs; s++) {
            double sum = 0;
            for (int j = 0; j < m; j++) {
                long ia = (long) s * m + j;
                double t = tau0.get(ia);
                double zn = top != 0 ? w.get(j) : znext.get(ia);
                sum += (1 - t * t) * zn * g0.get(j);
            }
            if (writeJ != 0) {
                long base = (long) s * m * d;
                for (int e = 0; e < m * d; e++) {
                    int j = e % m, k = e / m;
                    j0.set(base + e, tau0.get((long) s * m + j) * k0.get(k + d1 * j));
                }
            }
            trH.set(s, traceMx.get(0) + sum);
        }
    }

    static void traceLayer(R kj, R tau, R znext, R w, R jprev, R jcur, R trH, int m, int d, int cs, double h, int top, int carry) {
        for (int s = 0; s < cs; s++) {
            long base = (long) s * m * d;
            double sum = 0;
            for (int e = 0; e < m * d; e++) {
                int j = e % m;
                long ia = (long) s * m + j;
                double t = tau.get(ia);
                double zn = top != 0 ? w.get(j) : znext.get(ia);
                double v = kj.get(base + e);
                sum += (1 - t * t) * zn * v * v;
                if (carry != 0) jcur.set(base + e, jprev.get(base + e) + h * t * v);
            }
            trH.set(s, trH.get(s) + h * sum);
        }
    }

    static void phiValue(R u, R w, R sv, R mm, R cw, double cb, R phi, int m, int d1, int cs) {
        for (int s = 0; s < cs; s++) {
            double v = cb;
            for (int j = 0; j < m; j++) v += w.get(j) * u.get((long) s * m + j);
            for (int a = 0; a < d1; a++) {
                double ms = 0;
                for (int c = 0; c < d1; c++) ms += mm.get(a + d1 * c) * sv.get((long) s * d1 + c);
                double xa = sv.get((long) s * d1 + a);
                v += cw.get(a) * xa + 0.5 * xa * ms;
            }
            phi.set(s, v);
        }
    }

    static void rkStageInput(R z, R kst, R sv, R xrec, int cs, int d, int nl, double[] c, double t, int writeX) {
        int d1 = d + 1, w = d + 3;
        long stage = (long) cs * w;
        for (long i = 0; i < (long) cs * d1; i++) {
            long s = i / d1;
            int q = (int) (i % d1);
            if (q == d) {
                sv.set(i, t);
                continue;
            }
            long o = s * w + q;
            double v = z.get(o);
            for (int l = 0; l < nl; l++) v += c[l] * kst.get(l * stage + o);
            sv.set(i, v);
            if (writeX != 0) xrec.set(s * d + q, v);
        }
    }

    static void loadStage(R xrec, R sv, int cs, int d, double t) {
        int d1 = d + 1;
        for (long i = 0; i < (long) cs * d1; i++) {
            long s = i / d1;
            int q = (int) (i % d1);
            sv.set(i, q == d ? t : xrec.get(s * d + q));
        }
    }

    static void rkRhs(R grad, R trH, R f, int cs, int d, double a0) {
        int d1 = d + 1, w = d + 3;
        for (long s = 0; s < cs; s++) {
            double v = 0;
            for (int q = 0; q < d; q++) {
                double dx = -grad.get(s * d1 + q) / a0;
                f.set(s * w + q, dx);
                v += dx * dx;
            }
            v *= 0.5;
            f.set(s * w + d, -trH.get(s) / a0);
            f.set(s * w + d + 1, v);
            f.set(s * w + d + 2, Math.abs(-grad.get(s * d1 + d) + a0 * v));
        }
    }

    static void rkUpdate(R z, R kst, int cs, int w, int ns, double[] b) {
        long stage = (long) cs * w;
        for (long i = 0; i < stage; i++) {
            double v = 0;
            for (int l = 0; l < ns; l++) v += b[l] * kst.get(l * stage + i);
            z.set(i, z.get(i) + v);
        }
    }

    static void lossTerms(R z, R zbar, R acc, int cs, int d, double invN, double a0, double a1, double a2, double logNorm, int withGrad) {
        int w = d + 3;
        double sl = 0, sc = 0, sr = 0;
        for (long s = 0; s < cs; s++) {
            double sq = 0;
            for (int q = 0; q < d; q++) sq += z.get(s * w + q) * z.get(s * w + q);
            sc += 0.5 * sq + logNorm - z.get(s * w + d);
            sl += z.get(s * w + d + 1);
            sr += z.get(s * w + d + 2);
            if (withGrad != 0) {
                for (int q = 0; q < d; q++) zbar.set(s * w + q, a1 * z.get(s * w + q) * invN);
                zbar.set(s * w + d, -a1 * invN);
                zbar.set(s * w + d + 1, a0 * invN);
                zbar.set(s * w + d + 2, a2 * invN);
            }
        }
        acc.add(0, sl);
        acc.add(1, sc);
        acc.add(2, sr);
    }

    static void kbarInit(R zbar, R kbar, int cs, int w, int ns, double[] hb) {
        long stage = (long) cs * w;
        for (long i = 0; i < stage; i++) {
            for (int l = 0; l < ns; l++) kbar.set(l * stage + i, hb[l] * zbar.get(i));
        }
    }

    static void rhsAdjoint(R grad, R fbar, R gbar, R trHbar, int cs, int d, double a0) {
        int d1 = d + 1, w = d + 3;
        for (long s = 0; s < cs; s++) {
            double v = 0;
            for (int q = 0; q < d; q++) {
                double dx = -grad.get(s * d1 + q) / a0;
                v += dx * dx;
            }
            v *= 0.5;
            double res = -grad.get(s * d1 + d) + a0 * v;
            double resBar = fbar.get(s * w + d + 2) * Math.signum(res);
            double vBar = fbar.get(s * w + d + 1) + a0 * resBar;
            for (int q = 0; q < d; q++) {
                double dx = -grad.get(s * d1 + q) / a0;
                gbar.set(s * d1 + q, -(fbar.get(s * w + q) + vBar * dx) / a0);
            }
            gbar.set(s * d1 + d, -resBar);
            trHbar.set(s, -fbar.get(s * w + d) / a0);
        }
    }

    static void rkXbar(R sbar, R zbar, R kbar, int cs, int d, int nl, double[] c) {
        int d1 = d + 1, w = d + 3;
        long stage = (long) cs * w;
        for (long i = 0; i < (long) cs * d; i++) {
            long s = i / d;
            int q = (int) (i % d);
            double v = sbar.get(s * d1 + q);
            long o = s * w + q;
            zbar.set(o, zbar.get(o) + v);
            for (int l = 0; l < nl; l++) kbar.set(l * stage + o, kbar.get(l * stage + o) + c[l] * v);
        }
    }

    static void traceLayerAdj(R kj, R tau, R znext, R w, R jbar, R taubar, R zbarNext, R trHbar, int m, int d, int cs,
                              double h, int top, int carry) {
        for (long i = 0; i < (long) m * cs; i++) {
            int j = (int) (i % m);
            long s = i / m;
            double t = tau.get(i), dt = 1 - t * t;
            double zn = top != 0 ? w.get(j) : znext.get(i);
            double tb = h * trHbar.get(s);
            double c2 = 2 * tb * dt * zn;
            long base = s * m * d + j;
            double sq = 0, sj = 0;
            for (int k = 0; k < d; k++) {
                long idx = base + (long) m * k;
                double v = kj.get(idx);
                sq += v * v;
                double kb = c2 * v;
                if (carry != 0) {
                    double jb = jbar.get(idx);
                    sj += jb * v;
                    kb += h * t * jb;
                }
                kj.set(idx, kb);
            }
            double cbar = tb * sq;
            taubar.set(i, taubar.get(i) + h * sj - 2 * t * zn * cbar);
            zbarNext.set(i, zbarNext.get(i) + cbar * dt);
        }
    }

    static void traceFirstAdj(R jbar, R tau0, R znext, R w, R k0, R g0, R trHbar, R taubar0, R zbar1, R coefTmp,
                              int m, int d, int cs, int top) {
        int d1 = d + 1;
        for (long i = 0; i < (long) m * cs; i++) {
            int j = (int) (i % m);
            long s = i / m;
            double t = tau0.get(i), dt = 1 - t * t;
            double z1 = top != 0 ? w.get(j) : znext.get(i);
            double tbar = trHbar.get(s), g = g0.get(j);
            long base = s * m * d + j;
            double sj = 0;
            for (int k = 0; k < d; k++) {
                long idx = base + (long) m * k;
                double jb = jbar.get(idx);
                sj += jb * k0.get(k + d1 * j);
                jbar.set(idx, jb * t);
            }
            taubar0.set(i, taubar0.get(i) + sj - 2 * t * z1 * g * tbar);
            zbar1.set(i, zbar1.get(i) + tbar * dt * g);
            coefTmp.set(i, tbar * dt * z1);
        }
    }

    static void spreadAdj(R work, R tau, R znext, R w, R taubar, R zbarNext, R zbarCur, int m, int cs, int top, int addCur) {
        for (long i = 0; i < (long) m * cs; i++) {
            int j = (int) (i % m);
            double zn = top != 0 ? w.get(j) : znext.get(i);
            double pb = work.get(i);
            taubar.set(i, taubar.get(i) + pb * zn);
            double add = pb * tau.get(i);
            if (addCur != 0) add += zbarCur.get(i);
            zbarNext.set(i, zbarNext.get(i) + add);
        }
    }

    static void resnetAdj(R tau, R taubar, R ubar, R work, int m, int cs, double hl) {
        for (long i = 0; i < (long) m * cs; i++) {
            double t = tau.get(i);
            work.set(i, taubar.get(i) * (1 - t * t) + hl * ubar.get(i) * t);
        }
    }

    static void colsum(R x, int rows, int cols, R acc, double scale) {
        for (int rr = 0; rr < rows; rr++) {
            double s = 0;
            for (long c = 0; c < cols; c++) s += x.get(rr + (long) rows * c);
            acc.add(rr, scale * s);
        }
    }

    static void sumPartials(R parts, int rows, int batches, R out) {
        for (int rr = 0; rr < rows; rr++) {
            double v = out.get(rr);
            for (int b = 0; b < batches; b++) v += parts.get(rr + (long) rows * b);
            out.set(rr, v);
        }
    }
}
