package org.cnf4j.engine.cuda;

import java.util.LinkedHashMap;
import java.util.Map;
import org.cnf4j.backend.DType;

/**
 * A {@link Dev} that passes every operation to another and synchronises after each, charging the wall time since the
 * previous operation ended to this one: a per-kernel and per-GEMM breakdown of a training step without a profiler
 * (nsys does not run on the lent machines). The synchronisation costs some microseconds per operation, so totals run a
 * little above the engine's unprofiled time. Used by {@link GpuProfile}.
 */
final class ProfilingDev implements Dev {
    private final Dev inner;
    private final Map<String, double[]> byOp = new LinkedHashMap<>();   // name -> {seconds, count}
    private long mark = System.nanoTime();

    ProfilingDev(Dev inner) { this.inner = inner; }

    /** Seconds and calls per operation since the last {@link #reset}. */
    Map<String, double[]> byOp() { return byOp; }

    void reset() {
        inner.synchronize();
        byOp.clear();
        mark = System.nanoTime();
    }

    private void charge(String name) {
        inner.synchronize();
        long now = System.nanoTime();
        double[] t = byOp.computeIfAbsent(name, k -> new double[2]);
        t[0] += (now - mark) / 1e9;
        t[1]++;
        mark = now;
    }

    private static String shape(String what, int m, int n, int k) { return what + " " + m + "x" + n + "x" + k; }

    @Override public DType dtype() { return inner.dtype(); }

    @Override public String describe() { return inner.describe() + ", profiled"; }

    @Override public Buf alloc(long elems) { return inner.alloc(elems); }

    @Override public Buf allocDouble(long elems) { return inner.allocDouble(elems); }

    @Override public void free(Buf b) { inner.free(b); }

    @Override
    public void upload(double[] src, int srcOff, Ptr dst, long count) {
        inner.upload(src, srcOff, dst, count);
        charge("upload");
    }

    @Override
    public void download(Ptr src, long count, double[] dst, int dstOff) {
        inner.download(src, count, dst, dstOff);
        charge("download");
    }

    @Override
    public void zero(Ptr p, long count) {
        inner.zero(p, count);
        charge("memset");
    }

    @Override
    public void gemm(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr a, int lda, Ptr b, int ldb, double beta, Ptr c, int ldc) {
        inner.gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        charge(shape("gemm", m, n, k));
    }

    @Override
    public void gemmStridedBatched(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr a, int lda, long sa, Ptr b, int ldb, long sb,
                                   double beta, Ptr c, int ldc, long sc, int batches) {
        inner.gemmStridedBatched(ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batches);
        charge(shape("gemmBatched", m, n, k) + " x" + batches);
    }

    @Override
    public void traceGemm(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr a, int lda, Ptr b, int ldb, double beta, Ptr c, int ldc) {
        inner.traceGemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        charge(shape("traceGemm" + (ta ? "T" : "N") + (tb ? "T" : "N"), m, n, k));
    }

    @Override
    public void traceGemmStridedBatched(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr a, int lda, long sa, Ptr b, int ldb,
                                        long sb, double beta, Ptr c, int ldc, long sc, int batches) {
        inner.traceGemmStridedBatched(ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batches);
        charge(shape("traceGemmBatched", m, n, k) + " x" + batches);
    }

    @Override
    public void launch(String name, int gx, int gy, int bx, int by, Object... args) {
        inner.launch(name, gx, gy, bx, by, args);
        charge(name);
    }

    @Override public void synchronize() { inner.synchronize(); }

    @Override public void bind() { inner.bind(); }

    @Override public void close() { inner.close(); }
}
