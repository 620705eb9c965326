package org.cnf4j.engine;
import org.cnf4j.ode.Tableau;
import org.cnf4j.ode.Alpha;

import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;

/**
 * The compute engine behind training and evaluation: everything that touches per-sample work.
 * Implementations: {@code engine.cpu.CpuFlowEngine} and {@code engine.cuda.CudaFlowEngine}; {@link Engines}
 * chooses one from {@link EngineOptions}.
 * Arrays are row-major, one sample per row.
 */
public interface FlowEngine extends AutoCloseable {
    PhiShape shape();

    /** One line for people: the device, its threads or card, the precision. */
    String describe();

    /** Phi, its gradient over s = [x, t] (d+1 per sample) and the Hessian trace over x, at time t. */
    PhiValues evaluatePhi(PhiParams p, double[] x, int n, double t);

    /** Integrates augmented states z (n x (d+3)) from t0 to t1 in nt steps; returns the end states. */
    double[] integrate(PhiParams p, double[] z0, int n, double t0, double t1, int nt, Tableau tab, double a0);

    /** The loss on x (n x d) integrated 0 -> 1; with {@code withGradient}, also dJ/dparameters. */
    LossResult loss(PhiParams p, double[] x, int n, int nt, Tableau tab, Alpha alpha, boolean withGradient);

    @Override void close();

    /** Values of Phi at a batch of points. */
    record PhiValues(double[] phi, double[] grad, double[] trH) {}
}
