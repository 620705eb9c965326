package org.cnf4j.eval;

import org.cnf4j.model.PhiParams;
import org.cnf4j.ode.OtDynamics;
import org.cnf4j.engine.FlowEngine;
import org.hipparchus.ode.ODEState;
import org.hipparchus.ode.ODEStateAndDerivative;
import org.hipparchus.ode.OrdinaryDifferentialEquation;
import org.hipparchus.ode.nonstiff.DormandPrince54Integrator;

/**
 * The augmented OT-Flow ODE z = [x, l, v, r] (dx = -g_x/a0, dl = -trH/a0, dv = |dx|^2/2, dr = |-g_t + a0 v|)
 * integrated with Hipparchus's Dormand-Prince 5(4) and error control, Phi's gradient and Hessian trace coming
 * from {@link FlowEngine#evaluatePhi}. Samples are integrated in blocks, each block as one system (one step size).
 */
public final class AdaptiveFlow implements Flow {
    private static final int BLOCK = 2048;
    /**
     * The smallest tolerance taken. The states (standardised points, log-determinant, costs) are of order 1, where
     * float64 resolves about 1e-16, so no step meets a tolerance below this; and far below it the error estimate
     * (error / tolerance)^2 overflows: atol 1e-160 ended in "NaN appears during integration near time NaN".
     */
    public static final double MIN_TOLERANCE = 1e-15;
    private final FlowEngine engine;
    private final PhiParams params;
    private final double a0, rtol, atol;
    private final int d;
    private long evaluations;

    /** Refuses tolerances that are not finite numbers of at least {@link #MIN_TOLERANCE}. */
    public static void checkTolerances(double rtol, double atol) {
        if (!(rtol >= MIN_TOLERANCE) || !(atol >= MIN_TOLERANCE) || !Double.isFinite(rtol) || !Double.isFinite(atol)) {
            throw new IllegalArgumentException("--rtol and --atol must be finite numbers of at least 1e-15 (float64 resolves no finer step error "
                    + "for values near 1), got " + rtol + " and " + atol);
        }
    }

    public AdaptiveFlow(FlowEngine engine, PhiParams params, double a0, double rtol, double atol) {
        checkTolerances(rtol, atol);
        this.engine = engine;
        this.params = params;
        this.a0 = a0;
        this.rtol = rtol;
        this.atol = atol;
        this.d = params.shape.d();
    }

    /** Derivative evaluations (of the whole block's right-hand side) so far. */
    public long evaluations() { return evaluations; }

    /** End states [x, l, v, r] (n x (d+3)) from [x0, 0, 0, 0] integrated from t0 to t1. */
    public double[] integrate(double[] x0, int n, double t0, double t1) {
        int w = d + 3;
        double[] out = new double[n * w];
        for (int start = 0; start < n; start += BLOCK) {
            int cnt = Math.min(BLOCK, n - start);
            double[] y0 = new double[cnt * w];
            for (int i = 0; i < cnt; i++) System.arraycopy(x0, (start + i) * d, y0, i * w, d);
            DormandPrince54Integrator dp = new DormandPrince54Integrator(1e-10, 1.0, atol, rtol);
            ODEStateAndDerivative end = dp.integrate(rhs(cnt), new ODEState(t0, y0), t1);
            evaluations += dp.getEvaluations();
            System.arraycopy(end.getPrimaryState(), 0, out, start * w, cnt * w);
        }
        return out;
    }

    private OrdinaryDifferentialEquation rhs(int n) {
        int w = d + 3;
        return new OrdinaryDifferentialEquation() {
            @Override public int getDimension() { return n * w; }

            @Override public double[] computeDerivatives(double t, double[] y) {
                double[] x = new double[n * d];
                for (int i = 0; i < n; i++) System.arraycopy(y, i * w, x, i * d, d);
                FlowEngine.PhiValues pv = engine.evaluatePhi(params, x, n, t);
                double[] f = new double[n * w];
                for (int i = 0; i < n; i++) OtDynamics.rhs(pv.grad(), i * (d + 1), pv.trH()[i], d, a0, f, i * w);
                return f;
            }
        };
    }

    @Override public int dimension() { return d; }

    @Override public double[] push(double[] x, int n, double[] logDet) { return split(integrate(x, n, 0, 1), n, logDet, 1); }

    /** l integrated from 1 back to 0 is minus the log-determinant at the point reached. */
    @Override public double[] pull(double[] y, int n, double[] logDet) { return split(integrate(y, n, 1, 0), n, logDet, -1); }

    private double[] split(double[] z, int n, double[] logDet, double sign) {
        int w = d + 3;
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(z, i * w, x, i * d, d);
            if (logDet != null) logDet[i] = sign * z[i * w + d];
        }
        return x;
    }
}
