package org.cnf4j.engine.cuda;

import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;
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
 * <p>The roles are the CPU engine's: {@link CudaPhiKernel} (weights, workspace, Phi and its adjoint,
 * the parameter accumulators), {@link CudaChunkFlow} (RK integration of one chunk and its reverse pass,
 * the stage-product store) and this class (the FlowEngine methods, chunking, CUDA graphs). Device
 * layouts are described at the top of the .cu file.
 */
public final class CudaFlowEngine implements FlowEngine {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CudaFlowEngine.class);

    private final PhiShape shape;
    private final DType dtype;
    private final Dev dev;
    private final int d, w;
    private final long maxBytes;
    private int maxChunk;
    private final Kernels kernels;
    private final CudaPhiKernel kernel;
    private final CudaChunkFlow flow;

    private boolean closed;
    private boolean storeEnabled;
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
        this.storeEnabled = o.cudaStoreProducts();
        this.graphs = o.cudaGraphs();
        this.shape = shape;
        this.dtype = dev.dtype();
        this.dev = dev;
        d = shape.d();
        w = d + 3;
        kernels = new Kernels(dev);
        kernel = new CudaPhiKernel(shape, dev, kernels, this::invalidateGraphs);
        flow = new CudaChunkFlow(shape, kernel, dev, kernels, o.cudaStoreBytes(), this::invalidateGraphs);
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
        kernel.splitColumns(columns);
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

    // ---- chunking --------------------------------------------------------------------------------

    /** Samples per chunk for a batch of n, and the chunk count. */
    int chunkSize(int n) {
        long bytesPerSample = (long) (2 * shape.nTh() - 1) * shape.m() * d * (dtype == DType.FLOAT32 ? 4 : 8);
        long bySpace = Math.max(1, maxBytes / Math.max(1, bytesPerSample));
        int limit = (int) Math.min(Math.min(bySpace, maxChunk), Integer.MAX_VALUE);
        int chunks = (int) Math.ceil((double) n / limit);
        return (int) Math.ceil((double) n / chunks);
    }

    // ---- FlowEngine ------------------------------------------------------------------------------

    /**
     * Checks the input (n samples of width values, nt steps), uploads the weights and makes room for chunks of
     * a batch of n with the tableau's stages ({@code record}: inputs kept for a reverse pass); returns the chunk size.
     */
    private int prepare(PhiParams prm, double[] x, int n, int width, int stages, int nt, boolean record) {
        if (closed) throw new IllegalStateException("engine closed");
        dev.bind();
        if (n < 1) throw new IllegalArgumentException("no samples");
        if (x.length < (long) n * width) throw new IllegalArgumentException("expected " + n + " x " + width + " values, got " + x.length);
        if (nt < 1) throw new IllegalArgumentException("nt must be >= 1, got " + nt);
        kernel.upload(prm);
        int cs = chunkSize(n);
        kernel.ensureCapacity(cs);
        flow.ensureCapacity(cs, stages, nt, record);
        return cs;
    }

    @Override
    public PhiValues evaluatePhi(PhiParams prm, double[] x, int n, double t) {
        int cs = prepare(prm, x, n, d, 1, 1, true), d1 = d + 1;
        double[] phiOut = new double[n], gradOut = new double[n * d1], trOut = new double[n];
        for (int start = 0; start < n; start += cs) {
            int c = Math.min(cs, n - start);
            dev.upload(x, start * d, flow.inputs().p(), (long) c * d);
            flow.evaluatePhi(c, t);
            dev.download(kernel.phi().p(), c, phiOut, start);
            dev.download(kernel.grad().p(), (long) c * d1, gradOut, start * d1);
            dev.download(kernel.trH().p(), c, trOut, start);
        }
        return new PhiValues(phiOut, gradOut, trOut);
    }

    @Override
    public double[] integrate(PhiParams prm, double[] z0, int n, double t0, double t1, int nt, Tableau tab, double a0) {
        int cs = prepare(prm, z0, n, w, tab.stages(), nt, false);
        double[] out = new double[n * w];
        for (int start = 0; start < n; start += cs) {
            int c = Math.min(cs, n - start);
            dev.upload(z0, start * w, flow.state().p(), (long) c * w);
            flow.forward(c, t0, t1, nt, tab, a0, false, false);
            dev.download(flow.state().p(), (long) c * w, out, start * w);
        }
        return out;
    }

    @Override
    public LossResult loss(PhiParams prm, double[] x, int n, int nt, Tableau tab, Alpha alpha, boolean withGradient) {
        int cs = prepare(prm, x, n, d, tab.stages(), nt, withGradient);
        boolean store = withGradient && storeEnabled && flow.ensureStore(cs, tab.stages(), nt);
        lastStored = store;
        double logNorm = 0.5 * d * Math.log(2 * Math.PI);
        double[] z0 = new double[cs * w];
        for (int start = 0; start < n; start += cs) {
            int c = Math.min(cs, n - start);
            for (int i = 0; i < c; i++) System.arraycopy(x, (start + i) * d, z0, i * w, d);
            dev.upload(z0, 0, flow.state().p(), (long) c * w);
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
        double[] acc = kernel.downloadSums();
        double l = acc[0] / n, cc = acc[1] / n, r = acc[2] / n;
        double[] g = withGradient ? kernel.gradient(prm, acc) : null;
        return new LossResult(alpha.a0() * l + alpha.a1() * cc + alpha.a2() * r, l, cc, r, g);
    }

    /** The device work of one chunk of a loss evaluation (no host transfers, so it can be captured). */
    private void lossChunk(int c, int n, int nt, Tableau tab, Alpha alpha, boolean withGradient, double logNorm, boolean first,
                           boolean store) {
        if (first) kernel.zeroAccumulators();
        flow.forward(c, 0, 1, nt, tab, alpha.a0(), withGradient, store);
        kernels.lossTerms(flow.state().p(), flow.stateBar().p(), kernel.sums().p(), c, d, 1.0 / n, alpha.a0(), alpha.a1(), alpha.a2(),
                logNorm, withGradient);
        if (withGradient) flow.backward(c, 0, 1, nt, tab, alpha.a0(), store);
    }

    @Override
    public void close() {
        if (closed) return;
        invalidateGraphs();
        closed = true;
        dev.close();
    }
}
