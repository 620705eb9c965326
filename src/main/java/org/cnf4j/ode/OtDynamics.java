package org.cnf4j.ode;

import org.cnf4j.model.PhiKernel;

/**
 * The OT-Flow right-hand side over the augmented state z = [x, l, v, r] (ALGORITHMS.md section 3),
 * per sample, from the gradient and Hessian trace that a {@link PhiKernel} has just evaluated:
 * dx = -g_x/a0, dl = -trH/a0, dv = |dx|^2/2, dr = |-g_t + a0 dv|. None of it depends on l, v or r.
 */
public final class OtDynamics {
    private OtDynamics() {}

    /**
     * Writes f (d+3 values) of one sample into out[outOff..], from its gradient over s = [x, t] (d+1 values at
     * g[gOff..]) and its Hessian trace over x. The one place the right-hand side is written: the fixed-step
     * integrator (through {@link #rhs(PhiKernel, int, int, double, double[], int, double[])}) and the adaptive
     * one both call it.
     */
    public static void rhs(double[] g, int gOff, double trH, int d, double a0, double[] out, int outOff) {
        double v = 0;
        for (int q = 0; q < d; q++) {
            double dx = -g[gOff + q] / a0;
            out[outOff + q] = dx;
            v += dx * dx;
        }
        v *= 0.5;
        out[outOff + d] = -trH / a0;
        out[outOff + d + 1] = v;
        out[outOff + d + 2] = Math.abs(-g[gOff + d] + a0 * v);
    }

    /** f for sample n of what {@code k} has just evaluated; {@code scratch} holds at least d+1 values. */
    public static void rhs(PhiKernel k, int n, int d, double a0, double[] out, int outOff, double[] scratch) {
        for (int q = 0; q <= d; q++) scratch[q] = k.gradient(n, q);
        rhs(scratch, 0, k.traceHessian(n), d, a0, out, outOff);
    }

    /**
     * Adjoint of {@link #rhs}: given dLoss/df for sample n (fBar, d+3 values), writes dLoss/dgrad
     * (d+1 values) into gradBar[n*(d+1)..] and dLoss/dtrH into trHBar[n]. The kink of |.| takes
     * derivative sign(0) = 0, as autograd does.
     */
    public static void rhsAdjoint(PhiKernel k, int n, int d, double a0, double[] fBar, int fOff,
                                  double[] gradBar, double[] trHBar) {
        double v = 0;
        for (int q = 0; q < d; q++) {
            double dx = -k.gradient(n, q) / a0;
            v += dx * dx;
        }
        v *= 0.5;
        double res = -k.gradient(n, d) + a0 * v;
        double resBar = fBar[fOff + d + 2] * Math.signum(res);
        double vBar = fBar[fOff + d + 1] + a0 * resBar;
        int go = n * (d + 1);
        for (int q = 0; q < d; q++) {
            double dx = -k.gradient(n, q) / a0;
            gradBar[go + q] = -(fBar[fOff + q] + vBar * dx) / a0;
        }
        gradBar[go + d] = -resBar;
        trHBar[n] = -fBar[fOff + d] / a0;
    }
}
