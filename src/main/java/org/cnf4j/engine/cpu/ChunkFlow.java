package org.cnf4j.engine.cpu;
import org.cnf4j.ode.Tableau;
import org.cnf4j.ode.OtDynamics;

import org.cnf4j.backend.DType;
import org.cnf4j.model.PhiKernel;
import org.cnf4j.model.PhiShape;
import org.cnf4j.model.PhiWeights;

/**
 * Fixed-step integration of the OT-Flow ODE for one chunk of samples, and its exact reverse pass
 * ("discretize, then optimize"). The forward keeps, per stage, the inputs and the O(cs m) activations
 * (in the kernel's stage slots). The reverse pass rebuilds each stage's Jacobians element-wise; the
 * products K_i J_{i-1} (O(cs m d) per layer and stage) are kept from the forward pass when all stages fit in
 * the per-worker product budget (EngineOptions.productBudgetBytes), else recomputed with one GEMM per layer,
 * so memory stays O(nt * stages * cs * m) per worker beyond the budget.
 */
public final class ChunkFlow {
    /** Per-worker memory for keeping every stage's K_i J products through the reverse pass. */
    private final long productBudget;

    private final PhiKernel kernel;
    private final int cs, d, w;
    private double[][] kStage = new double[0][];
    private double[][] kBar = new double[0][];
    private final double[] y, yBar, gradBar, trHBar, gradScratch;
    private PhiWeights weights;
    private Tableau tableau;
    private int steps;
    private double dt, a0;

    public ChunkFlow(PhiShape shape, DType dtype, int cs, long productBudget) {
        this.productBudget = productBudget;
        this.kernel = new PhiKernel(shape, dtype, cs);
        this.cs = cs;
        this.d = shape.d();
        this.w = d + 3;
        y = new double[cs * d];
        yBar = new double[cs * d];
        gradBar = new double[cs * (d + 1)];
        trHBar = new double[cs];
        gradScratch = new double[d + 1];
    }

    public PhiKernel kernel() { return kernel; }

    /**
     * The memory of a chunk flow for chunks of cs samples after integrating with {@code nt} steps of a {@code stages}
     * tableau, recording for the reverse pass or not: {heap, off-heap} bytes, following the allocations here and in
     * the kernel (the products are kept when all stages fit in {@code productBudget}, as {@link #forward} decides).
     */
    public static double[] bytes(PhiShape shape, DType dtype, int cs, int nt, int stages, boolean record, long productBudget) {
        double d = shape.d(), w = d + 3;
        double heap = 8 * (2.0 * stages * cs * w + 2 * cs * d + cs * (d + 1) + cs + d + 1) + PhiKernel.heapBytes(shape, dtype, cs);
        return new double[] {heap + matrixBytes(shape, dtype, cs, nt, stages, record, productBudget), PhiKernel.offHeapBytes(shape, dtype, cs)};
    }

    /** The part of {@link #bytes}'s heap that the kernel's matrices take ({@link org.cnf4j.backend.Mat#create}). */
    public static double matrixBytes(PhiShape shape, DType dtype, int cs, int nt, int stages, boolean record, long productBudget) {
        int slots = record ? nt * stages : 1;
        boolean keep = record && (double) nt * stages * PhiKernel.productBytesPerStage(shape, dtype, cs) <= productBudget;
        return PhiKernel.matrixBytes(shape, dtype, cs, slots, keep);
    }

    /**
     * Integrates the augmented states z (cs x (d+3), row-major, starting at zOff; updated in place)
     * from t0 to t1 in nt equal steps. With {@code record}, keeps what {@link #backward} needs.
     */
    public void forward(PhiWeights wt, double[] z, int zOff, double t0, double t1, int nt, Tableau tab,
                        double a0, boolean record) {
        if (nt < 1) throw new IllegalArgumentException("nt must be >= 1, got " + nt);
        this.weights = wt;
        this.tableau = tab;
        this.steps = nt;
        this.dt = (t1 - t0) / nt;
        this.a0 = a0;
        int st = tab.stages();
        if (kStage.length < st) {
            kStage = new double[st][cs * w];
            kBar = new double[st][cs * w];
        }
        kernel.keepProducts(record && (long) nt * st * kernel.productBytesPerStage() <= productBudget);
        double h = dt;
        for (int step = 0; step < nt; step++) {
            double t = t0 + step * h;
            for (int j = 0; j < st; j++) {
                stageInput(z, zOff, j, h, y);
                kernel.evaluate(y, 0, t + tab.c()[j] * h, false, record ? step * st + j : 0);
                double[] kj = kStage[j];
                for (int n = 0; n < cs; n++) OtDynamics.rhs(kernel, n, d, a0, kj, n * w, gradScratch);
            }
            for (int n = 0; n < cs; n++) {
                for (int q = 0; q < w; q++) {
                    double inc = 0;
                    for (int j = 0; j < st; j++) inc += tab.b()[j] * kStage[j][n * w + q];
                    z[zOff + n * w + q] += h * inc;
                }
            }
        }
    }

    /** y = x + h sum_{l<j} a[j][l] k_l (x part). */
    private void stageInput(double[] z, int zOff, int j, double h, double[] out) {
        double[] aj = tableau.a()[j];
        for (int n = 0; n < cs; n++) {
            for (int q = 0; q < d; q++) {
                double v = z[zOff + n * w + q];
                for (int l = 0; l < j; l++) v += h * aj[l] * kStage[l][n * w + q];
                out[n * d + q] = v;
            }
        }
    }

    /**
     * Reverse pass of the last recorded {@link #forward}: zBar holds dLoss/dz at the end (cs x (d+3),
     * at zBarOff) and becomes dLoss/dz at the start; dLoss/dparameters accumulate in the kernel.
     */
    public void backward(double[] zBar, int zBarOff) {
        int st = tableau.stages();
        double h = dt;
        for (int step = steps - 1; step >= 0; step--) {
            for (int j = 0; j < st; j++) {
                double hb = h * tableau.b()[j];
                double[] kb = kBar[j];
                for (int i = 0; i < cs * w; i++) kb[i] = hb * zBar[zBarOff + i];
            }
            for (int j = st - 1; j >= 0; j--) {
                kernel.restore(step * st + j);
                double[] kb = kBar[j];
                for (int n = 0; n < cs; n++) OtDynamics.rhsAdjoint(kernel, n, d, a0, kb, n * w, gradBar, trHBar);
                kernel.vjp(gradBar, trHBar, yBar, 0);
                double[] aj = tableau.a()[j];
                for (int n = 0; n < cs; n++) {
                    for (int q = 0; q < d; q++) {
                        double v = yBar[n * d + q];
                        zBar[zBarOff + n * w + q] += v;
                        for (int l = 0; l < j; l++) kBar[l][n * w + q] += h * aj[l] * v;
                    }
                }
            }
        }
    }
}
