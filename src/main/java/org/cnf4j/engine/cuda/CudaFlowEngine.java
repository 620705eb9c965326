package org.cnf4j.engine.cuda;

import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.model.PhiHostMath;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.ode.Tableau;

/**
 * The OT-Flow engine on an NVIDIA GPU: the same mathematics and structure as the CPU engine
 * ({@code PhiKernel}, {@code ChunkFlow}, {@code CpuFlowEngine}), with every buffer on the device.
 * GEMMs go through cuBLAS; the element-wise and reduction work runs in the kernels of
 * {@code src/main/cuda/otflow_kernels.cu}. The whole batch is one chunk unless its Jacobians would
 * exceed the memory budget (EngineOptions.cudaMaxBytes, default 16 GiB; cudaMaxChunk
 * caps the samples per chunk). Buffers are allocated for the largest chunk seen and reused.
 *
 * <p>Per RK stage: the Phi evaluation (forward ResNet, gradient recursion, exact trace with the
 * Jacobians J (m x cs*d) carried through the layers), the right-hand side, and in the reverse pass the
 * re-evaluation of the stage from its stored input and the hand-written adjoint. The RK bookkeeping
 * (stage inputs, rhs, rhs adjoint, step updates) is done by small kernels, so a loss evaluation makes
 * no host round trip until the end (parameter gradients and three sums come back at once).
 *
 * <p>Beyond the CPU engine's structure: the forward pass keeps every stage's K_l J_{l-1} when they fit
 * in cudaStoreBytes (default 32 GiB; 21 GB at d=43, m=256, n=20000, nt=6 in
 * float32), so the reverse pass skips that product (3 instead of 4 big products per stage;
 * cudaStoreProducts = false turns it off); the accumulations over samples (m x m x n*d)
 * are split into up to 64 batched GEMMs, which cuBLAS would otherwise run on a handful of thread
 * blocks; single-chunk loss evaluations are captured once into a CUDA graph and replayed
 * (cudaGraphs = false turns it off). docs/GPU.md has the measurements.
 *
 * <p>Device layouts are described at the top of the .cu file. The weight K_l (row-major m x fanIn in
 * PhiParams) is uploaded as is, which cuBLAS reads as K_l^T in column-major order; its gradient is
 * accumulated in the same layout, so it folds back into the flat gradient without a transpose.
 */
public final class CudaFlowEngine implements FlowEngine {
    private static final int BLOCK = 256;

    private final PhiShape shape;
    private final DType dtype;
    private final Dev dev;
    private final int d, m, nTh, d1, w;
    private final double h;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CudaFlowEngine.class);
    private final long maxBytes;
    private int maxChunk;

    // weights (T): K_l as uploaded (fanIn x m column-major), b_l, w, cw, g0 = |K0x row|^2, M = A^T A
    private final Dev.Buf[] kW, bW;
    private final Dev.Buf wW, cwW, g0W, mW, traceW;
    private double traceMx, cb;
    private double[] k0Rounded;

    // accumulators: T part [Kbar_0 .. Kbar_{nTh-1} | Mbar], double part (see offsets)
    private final Dev.Buf tacc, dacc;
    /** Partial products of the split-K accumulations (C += A B^T over the samples). */
    private final Dev.Buf splitWs;
    static final int MAX_SPLIT = 64;
    private int splitColumns = 1024;
    private final long[] kAccOff;
    private final long mAccOff;
    private final int dLoss = 0, dCw, dTr, dW, dB, dK0x, dK0c, dSize;

    // per-chunk workspace
    private int cap = 0;
    private Dev.Buf sBuf, pre, grad, trH, phi, gBar, sBar, trHBar, uBar, work, coefTmp, jBar;
    private Dev.Buf[] tau, u, z, p, jac, kj, tauBar, zBar;
    // RK buffers
    private Dev.Buf zState, kst, kbar, zBarState, xrec;
    private int rkCap = 0, rkStages = 0;
    private long xrecCap = 0;

    private boolean closed;

    // K_l J_{l-1} of every stage kept from the forward pass (when it fits in EngineOptions.cudaStoreBytes),
    // so that the reverse pass skips that product when it re-evaluates a stage
    private final long storeBytes;
    private boolean storeEnabled;
    private Dev.Buf kjStore;
    private long kjStoreCap;
    /** Where evaluate() finds (or puts) K_l J_{l-1} for the stage at hand, and whether it is already there. */
    private final Dev.Ptr[] kjCur;
    private boolean kjReady;
    private boolean lastStored;

    // CUDA graphs of whole loss evaluations (single-chunk batches): captured on the second call with the
    // same sizes and settings, replayed afterwards; invalidated when buffers are reallocated
    private boolean graphs;
    private long epoch;
    private final java.util.Map<GraphKey, Object> graphCache = new java.util.HashMap<>();
    private final java.util.Set<GraphKey> seen = new java.util.HashSet<>();
    private String graphError;

    private record GraphKey(int n, int nt, String tab, double a0, double a1, double a2, boolean grad, long epoch) {}

    /**
     * Where engines get their device: the GPU ({@link CudaDev}), or, in the tests and the device bundle's
     * rehearsal, the Java twins of the kernels. Set only by test code in this package.
     */
    interface DeviceSource {
        Dev open(EngineOptions options);

        /** Null when a device answers, else the one-line reason. */
        String unavailableReason();
    }

    static final DeviceSource GPU = new DeviceSource() {
        @Override public Dev open(EngineOptions options) { return CudaDev.open(options); }

        @Override public String unavailableReason() {
            try {
                CudaDev.probe();
                return null;
            } catch (CudaUnavailableException e) {
                return e.getMessage();
            }
        }
    };

    static volatile DeviceSource devices = GPU;

    /** An engine on the CUDA device of {@code options}; throws {@link CudaUnavailableException} when there is none. */
    public static CudaFlowEngine open(PhiShape shape, EngineOptions options) {
        return new CudaFlowEngine(shape, devices.open(options), options);
    }

    /** Null when a CUDA driver and device answer, else the one-line reason ({@code --device cuda} fails with it). */
    public static String unavailableReason() { return devices.unavailableReason(); }

    /** An engine on the given device with the default options (tests use the Java twins). */
    CudaFlowEngine(PhiShape shape, Dev dev) { this(shape, dev, EngineOptions.defaults().withDtype(dev.dtype())); }

    /** An engine on the given device. */
    CudaFlowEngine(PhiShape shape, Dev dev, EngineOptions o) {
        this.maxBytes = o.cudaMaxBytes();
        this.maxChunk = o.cudaMaxChunk();
        this.storeBytes = o.cudaStoreBytes();
        this.storeEnabled = o.cudaStoreProducts();
        this.graphs = o.cudaGraphs();
        this.shape = shape;
        this.dtype = dev.dtype();
        this.dev = dev;
        d = shape.d();
        m = shape.m();
        nTh = shape.nTh();
        d1 = d + 1;
        w = d + 3;
        h = shape.h();
        kW = new Dev.Buf[nTh];
        bW = new Dev.Buf[nTh];
        kjCur = new Dev.Ptr[nTh];
        kAccOff = new long[nTh];
        long off = 0;
        for (int l = 0; l < nTh; l++) {
            kW[l] = dev.alloc((long) shape.fanIn(l) * m);
            bW[l] = dev.alloc(m);
            kAccOff[l] = off;
            off += (long) shape.fanIn(l) * m;
        }
        mAccOff = off;
        tacc = dev.alloc(off + (long) d1 * d1);
        wW = dev.alloc(m);
        cwW = dev.alloc(d1);
        g0W = dev.alloc(m);
        mW = dev.alloc((long) d1 * d1);
        traceW = dev.allocDouble(1); // trace(M_xx) read by trace_init from memory, so captured graphs see new weights
        dCw = 3;
        dTr = dCw + d1;
        dW = dTr + 1;
        dB = dW + m;
        dK0x = dB + nTh * m;
        dK0c = dK0x + m * d;
        dSize = dK0c + m;
        dacc = dev.allocDouble(dSize);
        splitWs = dev.alloc((long) MAX_SPLIT * Math.max((long) m * m, (long) d1 * Math.max(m, d1)));
    }

    @Override public PhiShape shape() { return shape; }

    /**
     * Replays each loss evaluation (a single-chunk batch, same n, nt, tableau and alpha as before) from a
     * CUDA graph captured the second time it is seen: one launch instead of thousands, which matters
     * at small sizes. Default on (cudaGraphs = false turns it off). A failed capture turns
     * it off for this engine and says so on stderr.
     */
    public CudaFlowEngine useGraphs(boolean on) {
        this.graphs = on;
        return this;
    }

    /** Why graph capture was turned off, or null. */
    public String graphError() { return graphError; }

    private void invalidateGraphs() {
        epoch++;
        for (Object g : graphCache.values()) dev.destroyGraph(g);
        graphCache.clear();
        seen.clear();
    }

    /** Whether the forward pass may keep every stage's K_l J_{l-1} for the reverse pass (default on, within EngineOptions.cudaStoreBytes). */
    public CudaFlowEngine storeProducts(boolean on) {
        this.storeEnabled = on;
        return this;
    }

    /** Whether the last loss evaluation kept the stage products instead of recomputing them. */
    public boolean lastStoredProducts() { return lastStored; }

    /** Columns per batch of the split-K accumulations (tests make it small to exercise the split). */
    CudaFlowEngine splitColumns(int columns) {
        this.splitColumns = Math.max(1, columns);
        return this;
    }

    /** Caps the samples per chunk (tests use it to exercise chunking). */
    CudaFlowEngine maxChunk(int samples) {
        if (samples < 1) throw new IllegalArgumentException("maxChunk must be >= 1");
        this.maxChunk = samples;
        return this;
    }

    public DType dtype() { return dtype; }

    public String device() { return dev.describe(); }

    @Override public String describe() { return "cuda, " + dev.describe() + ", " + dtype.label(); }

    // ---- set-up ----------------------------------------------------------------------------------

    private double round(double v) { return dtype == DType.FLOAT32 ? (double) (float) v : v; }

    /** Uploads the parameters and the derived quantities (as the CPU's PhiWeights computes them). */
    private void uploadWeights(PhiParams prm) {
        if (!prm.shape.equals(shape)) throw new IllegalArgumentException("parameters of shape " + prm.shape + " for an engine of " + shape);
        for (int l = 0; l < nTh; l++) {
            PhiParams.Tensor t = prm.tensor(PhiParams.layerWeight(l));
            dev.upload(prm.data, t.offset(), kW[l].p(), t.size());
            PhiParams.Tensor tb = prm.tensor(PhiParams.layerBias(l));
            dev.upload(prm.data, tb.offset(), bW[l].p(), m);
        }
        dev.upload(prm.data, prm.tensor("w.weight").offset(), wW.p(), m);
        dev.upload(prm.data, prm.tensor("c.weight").offset(), cwW.p(), d1);
        cb = round(prm.data[prm.tensor("c.bias").offset()]);
        double[] a = prm.copyOf("A");
        for (int i = 0; i < a.length; i++) a[i] = round(a[i]);
        double[] mm = PhiHostMath.gram(a, shape.r(), d1);
        dev.upload(mm, 0, mW.p(), (long) d1 * d1);
        traceMx = PhiHostMath.traceX(mm, d1, d);
        dev.upload(new double[] {traceMx}, 0, traceW.p(), 1);
        int k0Off = prm.tensor(PhiParams.layerWeight(0)).offset();
        k0Rounded = new double[m * d1];
        for (int i = 0; i < k0Rounded.length; i++) k0Rounded[i] = round(prm.data[k0Off + i]);
        double[] g0 = PhiHostMath.squaredRowNorms(k0Rounded, m, d, d1);
        dev.upload(g0, 0, g0W.p(), m);
    }

    /** Samples per chunk for a batch of n, and the chunk count. */
    int chunkSize(int n) {
        long bytesPerSample = (long) (2 * nTh - 1) * m * d * (dtype == DType.FLOAT32 ? 4 : 8);
        long bySpace = Math.max(1, maxBytes / Math.max(1, bytesPerSample));
        int limit = (int) Math.min(Math.min(bySpace, maxChunk), Integer.MAX_VALUE);
        int chunks = (int) Math.ceil((double) n / limit);
        return (int) Math.ceil((double) n / chunks);
    }

    private void ensureWorkspace(int cs) {
        if (cs <= cap) return;
        invalidateGraphs();
        freeWorkspace();
        long mc = (long) m * cs, big = (long) m * cs * d;
        sBuf = dev.alloc((long) d1 * cs);
        pre = dev.alloc(mc);
        grad = dev.alloc((long) d1 * cs);
        trH = dev.alloc(cs);
        phi = dev.alloc(cs);
        gBar = dev.alloc((long) d1 * cs);
        sBar = dev.alloc((long) d1 * cs);
        trHBar = dev.alloc(cs);
        uBar = dev.alloc(mc);
        work = dev.alloc(mc);
        coefTmp = dev.alloc(mc);
        jBar = dev.alloc(big);
        tau = new Dev.Buf[nTh];
        u = new Dev.Buf[nTh];
        p = new Dev.Buf[nTh];
        tauBar = new Dev.Buf[nTh];
        z = new Dev.Buf[nTh];
        zBar = new Dev.Buf[nTh + 1];
        jac = new Dev.Buf[nTh];
        kj = new Dev.Buf[nTh];
        for (int l = 0; l < nTh; l++) {
            tau[l] = dev.alloc(mc);
            u[l] = dev.alloc(mc);
            p[l] = dev.alloc(mc);
            tauBar[l] = dev.alloc(mc);
            if (l >= 1) {
                z[l] = dev.alloc(mc);
                kj[l] = dev.alloc(big);
            }
            if (l < nTh - 1) jac[l] = dev.alloc(big);
        }
        for (int l = 1; l <= nTh; l++) zBar[l] = dev.alloc(mc);
        cap = cs;
    }

    private void freeWorkspace() {
        if (cap == 0) return;
        for (Dev.Buf b : new Dev.Buf[] {sBuf, pre, grad, trH, phi, gBar, sBar, trHBar, uBar, work, coefTmp, jBar}) dev.free(b);
        for (Dev.Buf[] arr : new Dev.Buf[][] {tau, u, p, tauBar, z, zBar, jac, kj}) {
            for (Dev.Buf b : arr) if (b != null) dev.free(b);
        }
        cap = 0;
    }

    private void ensureRk(int cs, int stages, int nt, boolean record) {
        if (stages > 4) throw new IllegalArgumentException("the GPU engine supports tableaus of at most 4 stages, got " + stages);
        if (cs > rkCap || stages > rkStages) {
            invalidateGraphs();
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
            invalidateGraphs();
            if (xrec != null) dev.free(xrec);
            xrec = dev.alloc(need);
            xrecCap = need;
        }
    }

    /** Points kjCur at the work buffers (ready = false) or at stage si's slot of the store. */
    private void useKj(int cs, int si, boolean stored, boolean ready) {
        long big = (long) m * cs * d;
        for (int l = 1; l < nTh; l++) kjCur[l] = stored ? kjStore.at(((long) si * (nTh - 1) + (l - 1)) * big) : kj[l].p();
        kjReady = ready;
    }

    /** Makes room to keep the products of nt*stages stages of cs samples; false when over budget or out of memory. */
    private boolean ensureStore(int cs, int stages, int nt) {
        if (!storeEnabled) return false;
        long need = (long) nt * stages * (nTh - 1) * m * cs * d;
        if (need * (dtype == DType.FLOAT32 ? 4 : 8) > storeBytes) return false;
        if (need <= kjStoreCap) return true;
        invalidateGraphs();
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

    // ---- launch helpers --------------------------------------------------------------------------

    private static int blocks(long count) { return (int) Math.max(1, Math.min((count + BLOCK - 1) / BLOCK, 1L << 20)); }

    private void elementwise(String name, long count, Object... args) { dev.launch(name, blocks(count), 1, BLOCK, 1, args); }

    private int sampleBlock() {
        int md = m * d;
        int b = Math.max(Math.max(md, m), 32);
        b = (b + 31) / 32 * 32;
        return Math.min(b, 256);
    }

    private void colsum(Dev.Ptr x, int rows, int cols, int accOff, double scale) {
        int gx = (rows + 31) / 32;
        int gy = (int) Math.max(1, Math.min((cols + 63L) / 64, Math.max(1, 2048 / gx)));
        dev.launch("colsum", gx, gy, 32, 8, x, rows, cols, dacc.at(accOff), scale);
    }

    /**
     * C (rows x cols, ld = rows) += alpha A B^T with A rows x K (lda), B cols x K (ldb), K the long sample
     * dimension. cuBLAS may give so flat a product (256 x 256 x 10^6) only a handful of thread blocks,
     * so K is split into up to 64 batches whose partial products are summed by sum_partials.
     */
    private void gemmNTAcc(int rows, int cols, long k, double alpha, Dev.Ptr a, int lda, Dev.Ptr b, int ldb, Dev.Ptr c) {
        int nb = (int) Math.max(1, Math.min(MAX_SPLIT, k / splitColumns));
        if (nb == 1) {
            dev.gemm(false, true, rows, cols, (int) k, alpha, a, lda, b, ldb, 1, c, rows);
            return;
        }
        long kb = k / nb, rem = k - nb * kb;
        dev.gemmStridedBatched(false, true, rows, cols, (int) kb, alpha, a, lda, lda * kb, b, ldb, ldb * kb, 0, splitWs.p(), rows,
                (long) rows * cols, nb);
        if (rem > 0) {
            dev.gemm(false, true, rows, cols, (int) rem, alpha, a.plus(lda * nb * kb), lda, b.plus(ldb * nb * kb), ldb, 1, c, rows);
        }
        elementwise("sum_partials", (long) rows * cols, splitWs, rows * cols, nb, c);
    }

    // ---- one Phi evaluation at S (d+1 x cs, already on the device) -----------------------------

    private void evaluate(int cs, boolean withPhi) {
        long mc = (long) m * cs;
        // forward ResNet
        dev.gemm(true, false, m, cs, d1, 1, kW[0].p(), d1, sBuf.p(), d1, 0, pre.p(), m);
        elementwise("act_layer", mc, pre, bW[0], null, tau[0], u[0], m, cs, 1.0, 0);
        for (int l = 1; l < nTh; l++) {
            dev.gemm(true, false, m, cs, m, 1, kW[l].p(), m, u[l - 1].p(), m, 0, pre.p(), m);
            boolean needU = l < nTh - 1 || withPhi;
            elementwise("act_layer", mc, pre, bW[l], u[l - 1], tau[l], u[l], m, cs, h, needU ? 1 : 2);
        }
        // gradient: z_l = z_{l+1} + h K_l^T (tau_l z_{l+1}); grad = K0^T (tau_0 z_1) + M s + cw
        for (int l = nTh - 1; l >= 1; l--) {
            boolean top = l == nTh - 1;
            elementwise("grad_prep", mc, tau[l], top ? null : z[l + 1], wW, z[l], p[l], m, cs, top ? 1 : 0, 1);
            dev.gemm(false, false, m, cs, m, h, kW[l].p(), m, p[l].p(), m, 1, z[l].p(), m);
        }
        elementwise("grad_prep", mc, tau[0], z[1], wW, null, p[0], m, cs, 0, 0);
        dev.gemm(false, false, d1, cs, m, 1, kW[0].p(), d1, p[0].p(), m, 0, grad.p(), d1);
        dev.gemm(false, false, d1, cs, d1, 1, mW.p(), d1, sBuf.p(), d1, 1, grad.p(), d1);
        elementwise("add_rows", (long) d1 * cs, grad, cwW, d1, cs);
        // exact trace of the Hessian over x
        dev.launch("trace_init", cs, 1, sampleBlock(), 1, tau[0], z[1], wW, kW[0], g0W, jac[0], trH, m, d, cs, traceW, 0, 1);
        for (int l = 1; l < nTh; l++) {
            boolean top = l == nTh - 1;
            if (!kjReady) dev.gemm(true, false, m, cs * d, m, 1, kW[l].p(), m, jac[l - 1].p(), m, 0, kjCur[l], m);
            // re-evaluating from stored products (reverse pass) needs J_l for deeper layers, not trH
            if (kjReady && top) continue;
            dev.launch("trace_layer", cs, 1, sampleBlock(), 1, kjCur[l], tau[l], top ? null : z[l + 1], wW, jac[l - 1],
                    top ? null : jac[l], trH, m, d, cs, h, top ? 1 : 0, top ? 0 : 1);
        }
        if (withPhi) {
            elementwise("phi_value", cs, u[nTh - 1], wW, sBuf, mW, cwW, cb, phi, m, d1, cs);
        }
    }

    // ---- its adjoint: gBar (d+1 x cs), trHBar (cs) -> sBar, parameter accumulators --------------

    private void vjp(int cs) {
        long mc = (long) m * cs;
        for (int l = 0; l < nTh; l++) dev.zero(tauBar[l].p(), mc);
        for (int l = 1; l <= nTh; l++) dev.zero(zBar[l].p(), mc);
        // quadratic part: grad += M s + cw, trH += trace(M_xx)
        colsum(gBar.p(), d1, cs, dCw, 1);
        gemmNTAcc(d1, d1, cs, 1, gBar.p(), d1, sBuf.p(), d1, tacc.at(mAccOff));
        colsum(trHBar.p(), 1, cs, dTr, 1);
        dev.gemm(false, false, d1, cs, d1, 1, mW.p(), d1, gBar.p(), d1, 0, sBar.p(), d1);
        // trace, top layer down
        for (int l = nTh - 1; l >= 1; l--) {
            boolean top = l == nTh - 1;
            boolean carry = !top;
            dev.launch("trace_layer_adj", blocks(mc), 1, BLOCK, 1, kjCur[l], tau[l], top ? null : z[l + 1], wW,
                    carry ? jBar : null, tauBar[l], zBar[l + 1], trHBar, m, d, cs, h, top ? 1 : 0, carry ? 1 : 0);
            gemmNTAcc(m, m, (long) cs * d, 1, jac[l - 1].p(), m, kjCur[l], m, tacc.at(kAccOff[l]));
            dev.gemm(false, false, m, cs * d, m, 1, kW[l].p(), m, kjCur[l], m, carry ? 1 : 0, jBar.p(), m);
        }
        dev.launch("trace_first_adj", blocks(mc), 1, BLOCK, 1, jBar, tau[0], z[1], wW, kW[0], g0W, trHBar, tauBar[0],
                zBar[1], coefTmp, m, d, cs, 0);
        colsum(jBar.p(), m * d, cs, dK0x, 1);
        colsum(coefTmp.p(), m, cs, dK0c, 1);
        // gradient recursion
        dev.gemm(true, false, m, cs, d1, 1, kW[0].p(), d1, gBar.p(), d1, 0, work.p(), m);
        gemmNTAcc(d1, m, cs, 1, gBar.p(), d1, p[0].p(), m, tacc.at(kAccOff[0]));
        elementwise("spread_adj", mc, work, tau[0], z[1], wW, tauBar[0], zBar[1], null, m, cs, 0, 0);
        for (int l = 1; l < nTh; l++) {
            boolean top = l == nTh - 1;
            dev.gemm(true, false, m, cs, m, h, kW[l].p(), m, zBar[l].p(), m, 0, work.p(), m);
            gemmNTAcc(m, m, cs, h, zBar[l].p(), m, p[l].p(), m, tacc.at(kAccOff[l]));
            elementwise("spread_adj", mc, work, tau[l], top ? null : z[l + 1], wW, tauBar[l], zBar[l + 1], zBar[l], m, cs,
                    top ? 1 : 0, 1);
        }
        colsum(zBar[nTh].p(), m, cs, dW, 1);
        // ResNet forward
        dev.zero(uBar.p(), mc);
        for (int l = nTh - 1; l >= 0; l--) {
            elementwise("resnet_adj", mc, tau[l], tauBar[l], uBar, work, m, cs, l == 0 ? 1.0 : h);
            colsum(work.p(), m, cs, dB + l * m, 1);
            if (l > 0) {
                gemmNTAcc(m, m, cs, 1, u[l - 1].p(), m, work.p(), m, tacc.at(kAccOff[l]));
                dev.gemm(false, false, m, cs, m, 1, kW[l].p(), m, work.p(), m, 1, uBar.p(), m);
            } else {
                gemmNTAcc(d1, m, cs, 1, sBuf.p(), d1, work.p(), m, tacc.at(kAccOff[0]));
                dev.gemm(false, false, d1, cs, m, 1, kW[0].p(), d1, work.p(), m, 1, sBar.p(), d1);
            }
        }
    }

    // ---- RK4 forward and reverse pass of one chunk (state in zState) ----------------------------

    private static double[] four(double[] v, int count, double scale) {
        double[] out = new double[4];
        for (int i = 0; i < count; i++) out[i] = scale * v[i];
        return out;
    }

    private void forward(int cs, double t0, double t1, int nt, Tableau tab, double a0, boolean record, boolean store) {
        int st = tab.stages();
        double hs = (t1 - t0) / nt;
        long stage = (long) cs * w;
        for (int step = 0; step < nt; step++) {
            double t = t0 + step * hs;
            for (int j = 0; j < st; j++) {
                double[] c = four(tab.a()[j], j, hs);
                Dev.Ptr rec = record ? xrec.at((long) (step * st + j) * cs * d) : null;
                elementwise("rk_stage_input", (long) cs * d1, zState, kst, sBuf, rec, cs, d, j, c[0], c[1], c[2], c[3],
                        t + tab.c()[j] * hs, record ? 1 : 0);
                useKj(cs, step * st + j, store, false);
                evaluate(cs, false);
                elementwise("rk_rhs", cs, grad, trH, kst.at(j * stage), cs, d, a0);
            }
            double[] b = four(tab.b(), st, hs);
            elementwise("rk_update", stage, zState, kst, cs, w, st, b[0], b[1], b[2], b[3]);
        }
    }

    private void backward(int cs, double t0, double t1, int nt, Tableau tab, double a0, boolean store) {
        int st = tab.stages();
        double hs = (t1 - t0) / nt;
        long stage = (long) cs * w;
        double[] hb = four(tab.b(), st, hs);
        for (int step = nt - 1; step >= 0; step--) {
            double t = t0 + step * hs;
            elementwise("kbar_init", stage, zBarState, kbar, cs, w, st, hb[0], hb[1], hb[2], hb[3]);
            for (int j = st - 1; j >= 0; j--) {
                elementwise("load_stage", (long) cs * d1, xrec.at((long) (step * st + j) * cs * d), sBuf, cs, d, t + tab.c()[j] * hs);
                useKj(cs, step * st + j, store, store);
                evaluate(cs, false);
                elementwise("rhs_adjoint", cs, grad, kbar.at(j * stage), gBar, trHBar, cs, d, a0);
                vjp(cs);
                double[] c = four(tab.a()[j], j, hs);
                elementwise("rk_xbar", (long) cs * d, sBar, zBarState, kbar, cs, d, j, c[0], c[1], c[2], c[3]);
            }
        }
    }

    // ---- FlowEngine ------------------------------------------------------------------------------

    private void checkInput(double[] x, int n, int width) {
        if (closed) throw new IllegalStateException("engine closed");
        dev.bind();
        if (n < 1) throw new IllegalArgumentException("no samples");
        if (x.length < (long) n * width) throw new IllegalArgumentException("expected " + n + " x " + width + " values, got " + x.length);
    }

    @Override
    public PhiValues evaluatePhi(PhiParams prm, double[] x, int n, double t) {
        checkInput(x, n, d);
        uploadWeights(prm);
        int cs = chunkSize(n);
        ensureWorkspace(cs);
        ensureRk(cs, 1, 1, true);
        double[] phiOut = new double[n], gradOut = new double[n * d1], trOut = new double[n];
        for (int start = 0; start < n; start += cs) {
            int c = Math.min(cs, n - start);
            dev.upload(x, start * d, xrec.p(), (long) c * d);
            elementwise("load_stage", (long) c * d1, xrec, sBuf, c, d, t);
            useKj(c, 0, false, false);
            evaluate(c, true);
            dev.download(phi.p(), c, phiOut, start);
            dev.download(grad.p(), (long) c * d1, gradOut, start * d1);
            dev.download(trH.p(), c, trOut, start);
        }
        return new PhiValues(phiOut, gradOut, trOut);
    }

    @Override
    public double[] integrate(PhiParams prm, double[] z0, int n, double t0, double t1, int nt, Tableau tab, double a0) {
        checkInput(z0, n, w);
        if (nt < 1) throw new IllegalArgumentException("nt must be >= 1, got " + nt);
        uploadWeights(prm);
        int cs = chunkSize(n);
        ensureWorkspace(cs);
        ensureRk(cs, tab.stages(), nt, false);
        double[] out = new double[n * w];
        for (int start = 0; start < n; start += cs) {
            int c = Math.min(cs, n - start);
            dev.upload(z0, start * w, zState.p(), (long) c * w);
            forward(c, t0, t1, nt, tab, a0, false, false);
            dev.download(zState.p(), (long) c * w, out, start * w);
        }
        return out;
    }

    @Override
    public LossResult loss(PhiParams prm, double[] x, int n, int nt, Tableau tab, Alpha alpha, boolean withGradient) {
        checkInput(x, n, d);
        if (nt < 1) throw new IllegalArgumentException("nt must be >= 1, got " + nt);
        uploadWeights(prm);
        int cs = chunkSize(n);
        ensureWorkspace(cs);
        ensureRk(cs, tab.stages(), nt, withGradient);
        boolean store = withGradient && ensureStore(cs, tab.stages(), nt);
        lastStored = store;
        double logNorm = 0.5 * d * Math.log(2 * Math.PI);
        double[] z0 = new double[cs * w];
        for (int start = 0; start < n; start += cs) {
            int c = Math.min(cs, n - start);
            for (int i = 0; i < c; i++) System.arraycopy(x, (start + i) * d, z0, i * w, d);
            dev.upload(z0, 0, zState.p(), (long) c * w);
            boolean first = start == 0;
            if (first && c == n && graphs && dev.supportsGraphs()) {
                GraphKey key = new GraphKey(n, nt, tab.name(), alpha.a0(), alpha.a1(), alpha.a2(), withGradient, epoch);
                Object g = graphCache.get(key);
                if (g == null && seen.contains(key)) {
                    try {
                        dev.beginCapture();
                        lossChunk(c, n, nt, tab, alpha, withGradient, logNorm, true, store);
                        g = dev.endCapture();
                        graphCache.put(key, g);
                    } catch (RuntimeException ex) {
                        try {
                            dev.endCapture();
                        } catch (RuntimeException ignored) {
                            // the capture is over either way
                        }
                        graphs = false;
                        graphError = ex.toString();
                        LOG.warn("CUDA graph capture failed, running without graphs: {}", ex.getMessage());
                    }
                }
                if (g != null) {
                    dev.launchGraph(g);
                    continue;
                }
                seen.add(key);
            }
            lossChunk(c, n, nt, tab, alpha, withGradient, logNorm, first, store);
        }
        double[] acc = new double[dSize];
        dev.download(dacc.p(), dSize, acc, 0);
        double l = acc[0] / n, cc = acc[1] / n, r = acc[2] / n;
        double[] g = withGradient ? gradient(prm, acc) : null;
        return new LossResult(alpha.a0() * l + alpha.a1() * cc + alpha.a2() * r, l, cc, r, g);
    }

    /** The device work of one chunk of a loss evaluation (no host transfers, so it can be captured). */
    private void lossChunk(int c, int n, int nt, Tableau tab, Alpha alpha, boolean withGradient, double logNorm, boolean first,
                           boolean store) {
        if (first) {
            dev.zero(dacc.p(), dSize);
            dev.zero(tacc.p(), tacc.elems);
        }
        forward(c, 0, 1, nt, tab, alpha.a0(), withGradient, store);
        dev.launch("loss_terms", (c + BLOCK - 1) / BLOCK, 1, BLOCK, 1, zState, zBarState, dacc, c, d, 1.0 / n,
                alpha.a0(), alpha.a1(), alpha.a2(), logNorm, withGradient ? 1 : 0);
        if (withGradient) backward(c, 0, 1, nt, tab, alpha.a0(), store);
    }

    /** Folds the device accumulators into dJ/dparameters in the flat layout of PhiParams. */
    private double[] gradient(PhiParams prm, double[] acc) {
        double[] g = new double[prm.size()];
        double[] t = new double[(int) tacc.elems];
        dev.download(tacc.p(), tacc.elems, t, 0);
        for (int l = 0; l < nTh; l++) {
            int off = prm.tensor(PhiParams.layerWeight(l)).offset();
            int size = shape.fanIn(l) * m;
            for (int i = 0; i < size; i++) g[off + i] += t[(int) kAccOff[l] + i];
            int bo = prm.tensor(PhiParams.layerBias(l)).offset();
            for (int j = 0; j < m; j++) g[bo + j] += acc[dB + l * m + j];
        }
        int k0 = prm.tensor(PhiParams.layerWeight(0)).offset();
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < d; k++) {
                g[k0 + j * d1 + k] += acc[dK0x + j + m * k] + 2 * acc[dK0c + j] * k0Rounded[j * d1 + k];
            }
        }
        int wo = prm.tensor("w.weight").offset();
        for (int j = 0; j < m; j++) g[wo + j] += acc[dW + j];
        int co = prm.tensor("c.weight").offset();
        for (int k = 0; k < d1; k++) g[co + k] += acc[dCw + k];
        // dJ/dM (column-major C[i + d1 j] = sum gBar_i s_j) plus the trace term, then dJ/dA = A (Mbar + Mbar^T)
        double[] mb = new double[d1 * d1];
        for (int i = 0; i < d1; i++) {
            for (int j = 0; j < d1; j++) mb[i * d1 + j] = t[(int) mAccOff + i + d1 * j];
        }
        for (int k = 0; k < d; k++) mb[k * d1 + k] += acc[dTr];
        int ao = prm.tensor("A").offset();
        PhiHostMath.addGramAdjoint(prm.data, ao, shape.r(), d1, mb, g, ao);
        return g;
    }

    @Override
    public void close() {
        if (closed) return;
        invalidateGraphs();
        closed = true;
        dev.close();
    }
}
