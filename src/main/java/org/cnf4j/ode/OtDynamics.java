package org.cnf4j.ode;

import org.cnf4j.model.PhiKernel;

/**
 * The OT-Flow right-hand side over the augmented state z = [x, l, v, r] (ALGORITHMS.md section 3),
 * per sample, from the gradient and Hessian trace that a {@link PhiKernel} has just evaluated:
 * dx = -g_x/a0, dl = -trH/a0, dv = |dx|^2/2, dr = |-g_t + a0 dv|. None of it depends on l, v or r.
 */
public final class OtDynamics {
    private OtDynamics() {}

    /** Writes f (d+3 values) for sample n into out[outOff..]. */
    public static void rhs(PhiKernel k, int n, int d, double a0, double[] out, int outOff) {
        double v = 0;
        for (int q = 0; q < d; q++) {
            double dx = -k.gradient(n, q) / a0;
            out[outOff + q] = dx;
            v += dx * dx;
        }
        v *= 0.5;
        out[outOff + d] = -k.traceHessian(n) / a0;
        out[outOff + d + 1] = v;
        out[outOff + d + 2] = Math.abs(-k.gradient(n, d) + a0 * v);
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
