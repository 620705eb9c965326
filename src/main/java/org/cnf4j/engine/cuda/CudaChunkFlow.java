package org.cnf4j.engine.cuda;

import org.cnf4j.backend.DType;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Tableau;

/**
 * Fixed-step Runge-Kutta integration of one chunk of samples on the device, and its exact reverse
 * pass: the GPU counterpart of {@code engine.cpu.ChunkFlow}. The augmented states (cs x (d+3)) live in
 * {@link #state}; the RK bookkeeping (stage inputs, right-hand side, its adjoint, step updates) runs in
 * small kernels, so a whole pass makes no host round trip. The forward pass records only each stage's
 * x input; the reverse pass evaluates every stage again from it, and skips the product K_l J_{l-1} when
 * the forward pass kept it in the product store.
 */
final class CudaChunkFlow {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CudaChunkFlow.class);

    private final CudaPhiKernel kernel;
    private final Dev dev;
    private final Kernels kernels;
    private final DType dtype;
    private final int d, w;
    /** Called before buffers are reallocated (captured CUDA graphs refer to them). */
    private final Runnable beforeRealloc;

    // RK buffers: the states, the stage right-hand sides and their adjoints, the recorded stage inputs
    private Dev.Buf zState, kst, kbar, zBarState, xrec;
    private int rkCap = 0, rkStages = 0;
    private long xrecCap = 0;

    // K_l J_{l-1} of every stage kept from the forward pass (when it fits in storeBytes),
    // so that the reverse pass skips that product when it re-evaluates a stage
    private final long storeBytes;
    private Dev.Buf kjStore;
    private long kjStoreCap;

    CudaChunkFlow(PhiShape shape, CudaPhiKernel kernel, Dev dev, Kernels kernels, long storeBytes, Runnable beforeRealloc) {
        this.kernel = kernel;
        this.dev = dev;
        this.kernels = kernels;
        this.dtype = dev.dtype();
        this.storeBytes = storeBytes;
        this.beforeRealloc = beforeRealloc;
        d = shape.d();
        w = d + 3;
    }

    /** The augmented states z (cs x (d+3), one sample per row of d+3 contiguous values), integrated in place. */
    Dev.Buf state() { return zState; }

    /** dLoss/dz: at the end of the interval before {@link #backward}, at its start afterwards. */
    Dev.Buf stateBar() { return zBarState; }

    /** The recorded stage inputs x (cs x d each); evaluatePhi puts its samples in the first. */
    Dev.Buf inputs() { return xrec; }

    /** Makes room for chunks of cs samples and tableaus of the given stages; {@code record}: for nt steps of a reverse pass. */
    void ensureCapacity(int cs, int stages, int nt, boolean record) {
        if (stages > 4) throw new IllegalArgumentException("the GPU engine supports tableaus of at most 4 stages, got " + stages);
        if (cs > rkCap || stages > rkStages) {
            beforeRealloc.run();
            if (rkCap > 0) {
                dev.free(zState);
                dev.free(kst);
                dev.free(kbar);
                dev.free(zBarState);
            }
            int st = Math.max(stages, rkStages);
            int c = Math.max(cs, rkCap);
            zState = dev.alloc((long) c * w);
            zBarState = dev.alloc((long) c * w);
            kst = dev.alloc((long) st * c * w);
            kbar = dev.alloc((long) st * c * w);
            rkCap = c;
            rkStages = st;
        }
        long need = record ? (long) nt * stages * cs * d : 1;
        if (need > xrecCap) {
            beforeRealloc.run();
            if (xrec != null) dev.free(xrec);
            xrec = dev.alloc(need);
            xrecCap = need;
        }
    }

    /** Makes room to keep the products of nt*stages stages of cs samples; false when over budget or out of memory. */
    boolean ensureStore(int cs, int stages, int nt) {
        long need = (long) nt * stages * kernel.productElems(cs);
        if (need * (dtype == DType.FLOAT32 ? 4 : 8) > storeBytes) return false;
        if (need <= kjStoreCap) return true;
        beforeRealloc.run();
        if (kjStore != null) dev.free(kjStore);
        kjStore = null;
        kjStoreCap = 0;
        try {
            kjStore = dev.alloc(need);
            kjStoreCap = need;
            return true;
        } catch (IllegalStateException e) {
            LOG.warn("not enough GPU memory to keep the stage products ({}); recomputing them", e.getMessage());
            return false;
        }
    }

    private static double[] four(double[] v, int count, double scale) {
        double[] out = new double[4];
        for (int i = 0; i < count; i++) out[i] = scale * v[i];
        return out;
    }

    /** Evaluates Phi (with its value) at the cs samples in the first slot of {@link #inputs}, at time t. */
    void evaluatePhi(int cs, double t) {
        kernels.loadStage(xrec.p(), kernel.s().p(), cs, d, t);
        kernel.useProducts(null, 0, cs, false);
        kernel.evaluate(cs, true);
    }

    /**
     * Integrates {@link #state} (cs samples) from t0 to t1 in nt steps of the tableau. {@code record} keeps the
     * stage inputs for {@link #backward}; {@code store} also keeps every stage's products (see {@link #ensureStore}).
     */
    void forward(int cs, double t0, double t1, int nt, Tableau tab, double a0, boolean record, boolean store) {
        int st = tab.stages();
        double hs = (t1 - t0) / nt;
        long stage = (long) cs * w;
        for (int step = 0; step < nt; step++) {
            double t = t0 + step * hs;
            for (int j = 0; j < st; j++) {
                double[] c = four(tab.a()[j], j, hs);
                Dev.Ptr rec = record ? xrec.at((long) (step * st + j) * cs * d) : null;
                kernels.rkStageInput(zState.p(), kst.p(), kernel.s().p(), rec, cs, d, j, c, t + tab.c()[j] * hs, record);
                kernel.useProducts(store ? kjStore : null, step * st + j, cs, false);
                kernel.evaluate(cs, false);
                kernels.rkRhs(kernel.grad().p(), kernel.trH().p(), kst.at(j * stage), cs, d, a0);
            }
            double[] b = four(tab.b(), st, hs);
            kernels.rkUpdate(zState.p(), kst.p(), cs, w, st, b);
        }
    }

    /**
     * Reverse pass of the last recorded {@link #forward} with the same arguments: {@link #stateBar} goes from
     * dLoss/dz at t1 to dLoss/dz at t0; dLoss/dparameters accumulate in the kernel.
     */
    void backward(int cs, double t0, double t1, int nt, Tableau tab, double a0, boolean store) {
        int st = tab.stages();
        double hs = (t1 - t0) / nt;
        long stage = (long) cs * w;
        double[] hb = four(tab.b(), st, hs);
        for (int step = nt - 1; step >= 0; step--) {
            double t = t0 + step * hs;
            kernels.kbarInit(zBarState.p(), kbar.p(), cs, w, st, hb);
            for (int j = st - 1; j >= 0; j--) {
                kernels.loadStage(xrec.at((long) (step * st + j) * cs * d), kernel.s().p(), cs, d, t + tab.c()[j] * hs);
                kernel.useProducts(store ? kjStore : null, step * st + j, cs, store);
                kernel.evaluate(cs, false);
                kernels.rhsAdjoint(kernel.grad().p(), kbar.at(j * stage), kernel.gBar().p(), kernel.trHBar().p(), cs, d, a0);
                kernel.vjp(cs);
                double[] c = four(tab.a()[j], j, hs);
                kernels.rkXbar(kernel.sBar().p(), zBarState.p(), kbar.p(), cs, d, j, c);
            }
        }
    }
}
