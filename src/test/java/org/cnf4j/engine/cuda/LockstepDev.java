package org.cnf4j.engine.cuda;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.cnf4j.backend.DType;

/**
 * Runs every operation on two devices (the GPU and the Java twins) and, after each, compares every
 * buffer the operation was given. A mismatch is recorded with the operation's name and the buffers
 * are then re-aligned (the reference values copied to the GPU), so each failing kernel shows up on
 * its own. For the device checks on small problems only: it downloads everything after every op.
 */
final class LockstepDev implements Dev {
    private final Dev gpu;
    private final JavaDev ref;
    private final double tol;
    private final List<String> mismatches = new ArrayList<>();
    private final Map<String, Integer> opCounts = new java.util.TreeMap<>();

    static final class PairBuf extends Buf {
        final Buf g, r;

        PairBuf(Buf g, Buf r) {
            super(r.elems, r.isDouble);
            this.g = g;
            this.r = r;
        }
    }

    LockstepDev(Dev gpu, double tol) {
        this.gpu = gpu;
        this.ref = new JavaDev(gpu.dtype());
        this.tol = tol;
    }

    List<String> mismatches() { return mismatches; }

    Map<String, Integer> opCounts() { return opCounts; }

    private static Ptr g(Ptr p) { return p == null ? null : ((PairBuf) p.buf()).g.at(p.off()); }

    private static Ptr r(Ptr p) { return p == null ? null : ((PairBuf) p.buf()).r.at(p.off()); }

    @Override public DType dtype() { return gpu.dtype(); }

    @Override public String describe() { return "lockstep(" + gpu.describe() + " vs java)"; }

    @Override public Buf alloc(long elems) { return zeroed(new PairBuf(gpu.alloc(elems), ref.alloc(elems))); }

    @Override public Buf allocDouble(long elems) { return zeroed(new PairBuf(gpu.allocDouble(elems), ref.allocDouble(elems))); }

    /** Both sides start at zero, so buffers an op is handed but does not write compare equal. */
    private PairBuf zeroed(PairBuf b) {
        gpu.zero(b.g.p(), b.elems);
        return b;
    }

    @Override
    public void free(Buf b) {
        gpu.free(((PairBuf) b).g);
    }

    @Override
    public void upload(double[] src, int srcOff, Ptr dst, long count) {
        gpu.upload(src, srcOff, g(dst), count);
        ref.upload(src, srcOff, r(dst), count);
    }

    @Override
    public void download(Ptr src, long count, double[] dst, int dstOff) {
        gpu.download(g(src), count, dst, dstOff);
    }

    @Override
    public void zero(Ptr p, long count) {
        gpu.zero(g(p), count);
        ref.zero(r(p), count);
    }

    @Override
    public void gemm(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr a, int lda, Ptr b, int ldb, double beta, Ptr c, int ldc) {
        gpu.gemm(ta, tb, m, n, k, alpha, g(a), lda, g(b), ldb, beta, g(c), ldc);
        ref.gemm(ta, tb, m, n, k, alpha, r(a), lda, r(b), ldb, beta, r(c), ldc);
        compare("gemm(" + (ta ? "T" : "N") + (tb ? "T" : "N") + "," + m + "x" + n + "x" + k + ")", new Object[] {c});
    }

    @Override
    public void gemmStridedBatched(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr a, int lda, long sa,
                                   Ptr b, int ldb, long sb, double beta, Ptr c, int ldc, long sc, int batches) {
        gpu.gemmStridedBatched(ta, tb, m, n, k, alpha, g(a), lda, sa, g(b), ldb, sb, beta, g(c), ldc, sc, batches);
        ref.gemmStridedBatched(ta, tb, m, n, k, alpha, r(a), lda, sa, r(b), ldb, sb, beta, r(c), ldc, sc, batches);
        compare("gemmBatched(" + m + "x" + n + "x" + k + "x" + batches + ")", new Object[] {c});
    }

    @Override
    public void launch(String name, int gx, int gy, int bx, int by, Object... args) {
        Object[] ga = new Object[args.length], ra = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            Object o = args[i];
            if (o instanceof Buf || o instanceof Ptr) {
                ga[i] = g(Dev.ptr(o));
                ra[i] = r(Dev.ptr(o));
            } else {
                ga[i] = o;
                ra[i] = o;
            }
        }
        gpu.launch(name, gx, gy, bx, by, ga);
        ref.launch(name, gx, gy, bx, by, ra);
        compare(name, args);
    }

    private void compare(String op, Object[] args) {
        opCounts.merge(op.replaceAll("\\(.*", ""), 1, Integer::sum);
        Map<Buf, Boolean> seen = new IdentityHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!(args[i] instanceof Buf || args[i] instanceof Ptr)) continue;
            PairBuf pb = (PairBuf) Dev.ptr(args[i]).buf();
            if (seen.put(pb, true) != null) continue;
            int n = (int) pb.elems;
            double[] gv = new double[n];
            gpu.download(pb.g.p(), n, gv, 0);
            double[] rv = ((JavaDev.JBuf) pb.r).a;
            double num = 0, den = 0;
            int worst = -1;
            for (int e = 0; e < n; e++) {
                double diff = Math.abs(gv[e] - rv[e]);
                if (!(diff <= num)) {
                    num = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff;
                    worst = e;
                }
                den = Math.max(den, Math.abs(rv[e]));
            }
            double rel = den == 0 ? num : num / den;
            if (rel > tol) {
                if (mismatches.size() < 50) {
                    mismatches.add(op + " arg " + i + " (" + n + " elems): rel err " + rel + " at " + worst + " gpu " + gv[worst]
                            + " ref " + rv[worst]);
                }
                gpu.upload(rv, 0, pb.g.p(), n);
            }
        }
    }

    @Override public void synchronize() { gpu.synchronize(); }

    @Override public void close() { gpu.close(); }
}
