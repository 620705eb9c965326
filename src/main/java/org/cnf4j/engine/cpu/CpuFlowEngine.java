package org.cnf4j.engine.cpu;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.engine.MemoryEstimate;
import org.cnf4j.ode.Tableau;
import org.cnf4j.ode.Alpha;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.cnf4j.backend.Blas;
import org.cnf4j.backend.DType;
import org.cnf4j.model.PhiKernel;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.model.PhiWeights;

/**
 * CPU engine: the batch is cut into chunks of samples that are integrated (and differentiated)
 * independently, since the loss is a mean over samples. Chunks run on a pool of worker threads,
 * each with its own buffers and single-threaded BLAS, so the fused Java loops parallelise too.
 * Chunk boundaries depend only on n and d, and per-chunk results are summed in chunk order, so the
 * numbers do not depend on the thread count.
 */
public final class CpuFlowEngine implements FlowEngine {
    /** Target columns (samples x d) of the K_i J products per chunk: large enough for efficient GEMM,
     *  small enough that a chunk's Jacobians stay in cache (EngineOptions.chunkColumns, default 4096). */
    private final int chunkColumns;
    /** Per-worker memory for keeping every stage's K_i J products through the reverse pass. */
    private final long productBudget;

    private final PhiShape shape;
    private final DType dtype;
    private final int threads;
    private final ExecutorService pool;
    private final List<Map<Integer, ChunkFlow>> workspaces = new ArrayList<>();
    private final ThreadLocal<Integer> workerId;

    /** An engine with the default tuning ({@link EngineOptions#cpu}). */
    public CpuFlowEngine(PhiShape shape, DType dtype, int threads) {
        this(shape, EngineOptions.cpu(dtype, threads));
    }

    /** An engine with the precision, threads, chunk size and product budget of {@code options} (its device is ignored). */
    public CpuFlowEngine(PhiShape shape, EngineOptions options) {
        this.shape = shape;
        this.dtype = options.dtype();
        this.threads = options.threads();
        this.chunkColumns = options.chunkColumns();
        this.productBudget = options.productBudgetBytes();
        Blas.setBlasThreads(1);
        int[] next = {0};
        this.workerId = ThreadLocal.withInitial(() -> {
            synchronized (workspaces) {
                workspaces.add(new HashMap<>());
                return next[0]++;
            }
        });
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "cnf4j-worker");
            t.setDaemon(true);
            return t;
        });
    }

    @Override public PhiShape shape() { return shape; }

    public DType dtype() { return dtype; }

    public int threads() { return threads; }

    @Override public String describe() { return "cpu, " + threads + (threads == 1 ? " thread, " : " threads, ") + dtype.label(); }

    /** Chunk boundaries for n samples: at least min(n, 4) chunks, sizes differing by at most one. */
    int[] chunkStarts(int n) { return chunkStarts(n, shape.d(), chunkColumns); }

    /**
     * Columns per chunk of a loss evaluation: {@code chunkColumns}, or fewer (down to a quarter of it) when that lets a
     * recorded chunk keep its K_i J products for every stage within the product budget, so that the reverse pass reads
     * them instead of recomputing one product per layer and stage. Measured at BSDS300's size (m = 512, nt = 14, RK4,
     * 2 threads): 18.5 s per training step with the products kept against 27.6 s without. It depends on the shape,
     * nt and the tableau, never on the threads, and the loss without gradient uses it too (same chunks, same J).
     */
    static int lossColumns(PhiShape shape, DType dtype, int chunkColumns, long productBudget, int nt, int stages) {
        double perColumn = PhiKernel.productBytesPerStage(shape, dtype, 1) / shape.d() * nt * stages;
        if (perColumn <= 0) return chunkColumns;
        // the largest chunk has up to d columns more than n d / count
        double fit = Math.floor(productBudget / perColumn) - shape.d();
        if (fit >= chunkColumns || fit < chunkColumns / 4.0) return chunkColumns;
        return Math.max(1, (int) fit);
    }

    /**
     * Chunk boundaries of a loss evaluation on n samples: {@link #chunkStarts} at {@link #lossColumns}, and when those
     * are fewer than the default, the first chunk count up to twice as many that divides n, if there is one. Equal
     * chunks mean one chunk size, so a worker keeps one chunk flow and its products, not two (measured at BSDS300's
     * size: chunks of 33 and 34 samples took 1.6 GB, of 30 samples 0.9 GB).
     */
    static int[] lossChunkStarts(int n, PhiShape shape, DType dtype, int chunkColumns, long productBudget, int nt, int stages) {
        int columns = lossColumns(shape, dtype, chunkColumns, productBudget, nt, stages);
        int[] starts = chunkStarts(n, shape.d(), columns);
        if (columns == chunkColumns) return starts;
        int count = starts.length - 1;
        for (int k = count; k <= Math.min(n, 2 * count); k++) {
            if (n % k == 0) return chunkStarts(n, k);
        }
        return starts;
    }

    /** Boundaries of {@code count} chunks of n samples, sizes differing by at most one. */
    private static int[] chunkStarts(int n, int count) {
        int[] starts = new int[count + 1];
        for (int c = 0; c <= count; c++) starts[c] = (int) ((long) n * c / count);
        return starts;
    }

    private static int[] chunkStarts(int n, int d, int chunkColumns) {
        int byColumns = (int) Math.ceil((double) n * d / chunkColumns);
        int count = Math.max(1, Math.max(byColumns, Math.min(n, 4)));
        return chunkStarts(n, Math.min(count, n));
    }

    /**
     * What an engine of {@code options} holds for one kind of call on n samples (loss with or without gradient, or
     * integrate, with nt steps of a {@code stages} tableau): the chunk flows its workers keep for each chunk size
     * (a worker keeps one per size it met), one weights copy, the chunk results in flight and, for the gradient, the
     * parameter-sized vectors they carry. Estimates call it once per kind of call a run makes.
     */
    public static MemoryEstimate.Bytes memory(PhiShape shape, EngineOptions options, int n, int nt, int stages, boolean gradient) {
        // a loss with gradient cuts its chunks by lossColumns; the other calls (the loss without gradient too, whose
        // chunks are then at most as large) are counted at the default size, an upper bound for all of them
        int[] starts = gradient ? lossChunkStarts(n, shape, options.dtype(), options.chunkColumns(), options.productBudgetBytes(), nt, stages)
                : chunkStarts(n, shape.d(), options.chunkColumns());
        int chunks = starts.length - 1, lo = starts[1] - starts[0], hi = lo;
        for (int c = 0; c < chunks; c++) hi = Math.max(hi, starts[c + 1] - starts[c]);
        double heap = 0, off = 0;
        for (int cs : lo == hi ? new int[] {lo} : new int[] {lo, hi}) {
            double[] b = ChunkFlow.bytes(shape, options.dtype(), cs, nt, stages, gradient, options.productBudgetBytes());
            int workers = Math.min(options.threads(), chunks);
            heap += workers * b[0];
            off += workers * b[1];
        }
        double p = PhiParams.count(shape), w = shape.d() + 3;
        int inFlight = Math.min(chunks, 2 * options.threads());
        // per chunk in flight: its states (and adjoints) and, with the gradient, the result and a scratch vector
        heap += inFlight * 8 * (2 * hi * w + (gradient ? 2 * p + 3 : 3)) + (gradient ? 8 * p : 0);
        double weights = 2 * PhiWeights.matrixBytes(shape, options.dtype());   // this call's and the last one's, until collected
        heap += weights;
        off += weights;
        return new MemoryEstimate.Bytes(heap, off);
    }

    private ChunkFlow workspace(int cs) {
        Map<Integer, ChunkFlow> mine;
        int id = workerId.get();
        synchronized (workspaces) {
            mine = workspaces.get(id);
        }
        return mine.computeIfAbsent(cs, k -> new ChunkFlow(shape, dtype, k, productBudget));
    }

    private interface ChunkTask<T> {
        T run(ChunkFlow flow, int start, int count);
    }

    /**
     * Samples per BLAS tile for {@link #integrate}: OpenBLAS computes a sample's columns the same way in every full tile
     * of its GEMM kernels, but differently in a partial tile at a chunk's edge (measured: the last bits of log p moved
     * with n and with a sample's place in the batch). Integration chunks therefore start at multiples of this and the
     * last one is padded to a multiple of it, so a sample's end state depends on that sample alone, not on n or the
     * rows around it (a scorer that sees rows in blocks, as the Spark module does, gives cnf4j logp's numbers).
     */
    static final int SAMPLE_ALIGN = 8;

    /** {@link #chunkStarts} with every inner boundary rounded down to a multiple of {@link #SAMPLE_ALIGN} (no empty chunks). */
    int[] alignedChunkStarts(int n) {
        int[] s = chunkStarts(n);
        int[] out = new int[s.length];
        int k = 1;
        for (int c = 1; c + 1 < s.length; c++) {
            int b = s[c] / SAMPLE_ALIGN * SAMPLE_ALIGN;
            if (b > out[k - 1]) out[k++] = b;
        }
        out[k++] = n;
        return java.util.Arrays.copyOf(out, k);
    }

    static int padded(int count) { return (count + SAMPLE_ALIGN - 1) / SAMPLE_ALIGN * SAMPLE_ALIGN; }

    private <T> void forEachChunk(int n, ChunkTask<T> task, java.util.function.Consumer<T> inOrder) {
        forEachChunk(chunkStarts(n), false, task, inOrder);
    }

    /**
     * Runs {@code task} on every chunk of {@code starts} (with {@code pad}, on a workspace of the chunk's
     * {@link #padded} size) and hands the results to {@code inOrder} in chunk order (so sums over chunks do not
     * depend on the threads). At most {@link #inFlight} chunks are submitted ahead of the one consumed next: a loss
     * with gradient returns a parameter-sized vector per chunk, and at d = 5000 a batch is a thousand chunks. A
     * worker's exception or Error (an OutOfMemoryError above all) is rethrown as it is on the calling thread.
     */
    private <T> void forEachChunk(int[] starts, boolean pad, ChunkTask<T> task, java.util.function.Consumer<T> inOrder) {
        int chunks = starts.length - 1;
        java.util.ArrayDeque<Future<T>> queued = new java.util.ArrayDeque<>();
        int next = 0;
        boolean done = false;
        try {
            for (int c = 0; c < chunks; c++) {
                for (; next < chunks && next < c + inFlight(); next++) {
                    int start = starts[next], count = starts[next + 1] - starts[next];
                    queued.add(pool.submit(() -> task.run(workspace(pad ? padded(count) : count), start, count)));
                }
                inOrder.accept(queued.poll().get());
            }
            done = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) throw re;
            if (cause instanceof Error err) throw err;
            throw new IllegalStateException(cause);
        } finally {
            if (!done) for (Future<T> f : queued) f.cancel(true);
        }
    }

    /** Chunks submitted ahead: enough to keep every worker busy while the next result is consumed. */
    private int inFlight() { return 2 * threads; }

    private void checkInput(double[] x, int n, int width) {
        if (n < 1) throw new IllegalArgumentException("no samples");
        if (x.length < (long) n * width) throw new IllegalArgumentException("expected " + n + " x " + width + " values, got " + x.length);
    }

    @Override
    public PhiValues evaluatePhi(PhiParams p, double[] x, int n, double t) {
        checkInput(x, n, shape.d());
        PhiWeights wt = new PhiWeights(p, dtype);
        int d = shape.d();
        double[] phi = new double[n], grad = new double[n * (d + 1)], trH = new double[n];
        forEachChunk(n, (flow, start, count) -> {
            PhiKernel k = flow.kernel();
            k.reset(wt);
            k.evaluate(x, start * d, t, true);
            for (int i = 0; i < count; i++) {
                phi[start + i] = k.phi(i);
                trH[start + i] = k.traceHessian(i);
                for (int q = 0; q <= d; q++) grad[(start + i) * (d + 1) + q] = k.gradient(i, q);
            }
            return null;
        }, none -> {});
        return new PhiValues(phi, grad, trH);
    }

    @Override
    public double[] integrate(PhiParams p, double[] z0, int n, double t0, double t1, int nt, Tableau tab, double a0) {
        int w = shape.d() + 3;
        checkInput(z0, n, w);
        PhiWeights wt = new PhiWeights(p, dtype);
        double[] z = java.util.Arrays.copyOf(z0, n * w);
        forEachChunk(alignedChunkStarts(n), true, (flow, start, count) -> {
            flow.kernel().reset(wt);
            int full = padded(count);
            if (full == count) {
                flow.forward(wt, z, start * w, t0, t1, nt, tab, a0, false);
                return null;
            }
            // the last chunk, padded with copies of its last sample (their end states are dropped)
            double[] buf = new double[full * w];
            System.arraycopy(z, start * w, buf, 0, count * w);
            for (int i = count; i < full; i++) System.arraycopy(z, (start + count - 1) * w, buf, i * w, w);
            flow.forward(wt, buf, 0, t0, t1, nt, tab, a0, false);
            System.arraycopy(buf, 0, z, start * w, count * w);
            return null;
        }, none -> {});
        return z;
    }

    @Override
    public LossResult loss(PhiParams p, double[] x, int n, int nt, Tableau tab, Alpha alpha, boolean withGradient) {
        int d = shape.d(), w = d + 3;
        checkInput(x, n, d);
        PhiWeights wt = new PhiWeights(p, dtype);
        double logNorm = 0.5 * d * Math.log(2 * Math.PI);
        double[] sums = new double[3];
        double[] grad = withGradient ? new double[p.size()] : null;
        int[] starts = lossChunkStarts(n, shape, dtype, chunkColumns, productBudget, nt, tab.stages());
        forEachChunk(starts, false, (flow, start, count) -> {
            double[] z = new double[count * w];
            for (int i = 0; i < count; i++) System.arraycopy(x, (start + i) * d, z, i * w, d);
            flow.kernel().reset(wt);
            flow.forward(wt, z, 0, 0, 1, nt, tab, alpha.a0(), withGradient);
            double sumL = 0, sumC = 0, sumR = 0;
            double[] zBar = withGradient ? new double[count * w] : null;
            for (int i = 0; i < count; i++) {
                int o = i * w;
                double sq = 0;
                for (int q = 0; q < d; q++) sq += z[o + q] * z[o + q];
                sumC += 0.5 * sq + logNorm - z[o + d];
                sumL += z[o + d + 1];
                sumR += z[o + d + 2];
                if (withGradient) {
                    for (int q = 0; q < d; q++) zBar[o + q] = alpha.a1() * z[o + q] / n;
                    zBar[o + d] = -alpha.a1() / n;
                    zBar[o + d + 1] = alpha.a0() / n;
                    zBar[o + d + 2] = alpha.a2() / n;
                }
            }
            double[] out = new double[3 + (withGradient ? p.size() : 0)];
            out[0] = sumL;
            out[1] = sumC;
            out[2] = sumR;
            if (withGradient) {
                flow.backward(zBar, 0);
                double[] g = new double[p.size()];
                flow.kernel().addGradientTo(p, g);
                System.arraycopy(g, 0, out, 3, g.length);
            }
            return out;
        }, part -> {
            sums[0] += part[0];
            sums[1] += part[1];
            sums[2] += part[2];
            if (withGradient) for (int i = 0; i < grad.length; i++) grad[i] += part[3 + i];
        });
        double l = sums[0] / n, c = sums[1] / n, r = sums[2] / n;
        return new LossResult(alpha.a0() * l + alpha.a1() * c + alpha.a2() * r, l, c, r, grad);
    }

    @Override
    public void close() { pool.shutdownNow(); }
}
