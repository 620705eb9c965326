package org.cnf4j.engine.cuda;

import org.cnf4j.backend.DType;

/**
 * A {@link Dev} on the CPU: buffers are Java arrays (float32 values are rounded on every store),
 * GEMM is a plain loop and the kernels are their Java twins in {@link JavaKernels}. Slow; meant for
 * the unit tests of the engine's orchestration on machines without a GPU, and as the reference
 * side of {@link LockstepDev}.
 */
final class JavaDev implements Dev {
    private final DType dtype;
    /** Mantissa bits the trace products' operands keep (23: all of float32's; tf32 keeps 10), in float32 only. */
    private final int operandBits;

    JavaDev(DType dtype) { this(dtype, "default"); }

    /**
     * With cuBLAS math mode {@code tf32} (EngineOptions.cudaMath), the twin of what the tensor cores do in float32 to
     * the trace products ({@link #traceGemm}): each operand rounded to nearest-even to 10 mantissa bits (the H200
     * matched this to 0.5-2 % of the rounding's own effect), the products summed exactly (cuBLAS sums in float32: the
     * difference is float32 rounding, far below the operands'). Every other GEMM stays exact, as on the GPU.
     */
    JavaDev(DType dtype, String math) {
        this.dtype = dtype;
        this.operandBits = dtype == DType.FLOAT32 && math.equals("tf32") ? 10 : 23;
    }

    /** v as float32 rounded to nearest-even to {@code bits} mantissa bits (finite values; bits = 23 leaves it). */
    static double roundMantissa(double v, int bits) {
        float f = (float) v;
        if (bits >= 23 || Float.isNaN(f) || Float.isInfinite(f)) return f;
        int drop = 23 - bits, raw = Float.floatToRawIntBits(f);
        int half = (1 << (drop - 1)) - 1 + ((raw >>> drop) & 1);
        return Float.intBitsToFloat((raw + half) & -(1 << drop));
    }

    /** A buffer backed by a double array. */
    static final class JBuf extends Buf {
        final double[] a;
        final boolean f32;

        JBuf(long elems, boolean isDouble, boolean f32) {
            super(elems, isDouble);
            if (elems > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("JavaDev buffer too large: " + elems);
            this.a = new double[(int) Math.max(1, elems)];
            this.f32 = f32;
        }
    }

    /** Element access through a pointer, rounding stores to float32 where the buffer holds T = float. */
    static final class R {
        final double[] a;
        final int off;
        final boolean f32;

        R(Ptr p) {
            JBuf b = (JBuf) p.buf();
            this.a = b.a;
            this.off = (int) p.off();
            this.f32 = b.f32;
        }

        double get(long i) { return a[off + (int) i]; }

        void set(long i, double v) { a[off + (int) i] = f32 ? (double) (float) v : v; }

        void add(long i, double v) { set(i, get(i) + v); }
    }

    static R r(Object o) {
        Ptr p = Dev.ptr(o);
        return p == null ? null : new R(p);
    }

    @Override public DType dtype() { return dtype; }

    @Override public String describe() {
        return "java (CPU emulation of the CUDA kernels" + (operandBits < 23 ? ", GEMM operands rounded to " + operandBits + " mantissa bits" : "") + ")";
    }

    @Override public Buf alloc(long elems) { return new JBuf(elems, false, dtype == DType.FLOAT32); }

    @Override public Buf allocDouble(long elems) { return new JBuf(elems, true, false); }

    @Override public void free(Buf b) {}

    @Override
    public void upload(double[] src, int srcOff, Ptr dst, long count) {
        R d = new R(dst);
        for (int i = 0; i < count; i++) d.set(i, src[srcOff + i]);
    }

    @Override
    public void download(Ptr src, long count, double[] dst, int dstOff) {
        R s = new R(src);
        for (int i = 0; i < count; i++) dst[dstOff + i] = s.get(i);
    }

    @Override
    public void zero(Ptr p, long count) {
        R d = new R(p);
        for (int i = 0; i < count; i++) d.set(i, 0);
    }

    @Override
    public void gemm(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr pa, int lda, Ptr pb, int ldb,
                     double beta, Ptr pc, int ldc) {
        gemm(23, ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    @Override
    public void traceGemm(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr pa, int lda, Ptr pb, int ldb,
                          double beta, Ptr pc, int ldc) {
        gemm(operandBits, ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    @Override
    public void traceGemmStridedBatched(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr a, int lda, long sa,
                                        Ptr b, int ldb, long sb, double beta, Ptr c, int ldc, long sc, int batches) {
        for (int i = 0; i < batches; i++) traceGemm(ta, tb, m, n, k, alpha, a.plus(i * sa), lda, b.plus(i * sb), ldb, beta, c.plus(i * sc), ldc);
    }

    /** C = alpha op(A) op(B) + beta C with the operands rounded to {@code operandBits} mantissa bits (23: as they are). */
    private void gemm(int operandBits, boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr pa, int lda, Ptr pb, int ldb,
                      double beta, Ptr pc, int ldc) {
        R a = new R(pa), b = new R(pb), c = new R(pc);
        boolean round = operandBits < 23;
        // op(A) rounded once (m x k, column-major), not once per column of C
        double[] ar = null;
        if (round) {
            ar = new double[m * k];
            for (int q = 0; q < k; q++) {
                for (int im = 0; im < m; im++) ar[im + m * q] = roundMantissa(ta ? a.get(q + (long) lda * im) : a.get(im + (long) lda * q), operandBits);
            }
        }
        double[] col = new double[m];
        for (int jn = 0; jn < n; jn++) {
            java.util.Arrays.fill(col, 0);
            for (int q = 0; q < k; q++) {
                double bv = tb ? b.get(jn + (long) ldb * q) : b.get(q + (long) ldb * jn);
                if (bv == 0) continue;
                if (round) {
                    bv = roundMantissa(bv, operandBits);
                    for (int im = 0; im < m; im++) col[im] += ar[im + m * q] * bv;
                    continue;
                }
                for (int im = 0; im < m; im++) {
                    double av = ta ? a.get(q + (long) lda * im) : a.get(im + (long) lda * q);
                    col[im] += av * bv;
                }
            }
            for (int im = 0; im < m; im++) {
                long ic = im + (long) ldc * jn;
                double old = beta == 0 ? 0 : beta * c.get(ic);
                c.set(ic, alpha * col[im] + old);
            }
        }
    }

    @Override
    public void gemmStridedBatched(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr a, int lda, long sa,
                                   Ptr b, int ldb, long sb, double beta, Ptr c, int ldc, long sc, int batches) {
        for (int i = 0; i < batches; i++) gemm(ta, tb, m, n, k, alpha, a.plus(i * sa), lda, b.plus(i * sb), ldb, beta, c.plus(i * sc), ldc);
    }

    @Override
    public void launch(String name, int gx, int gy, int bx, int by, Object... args) {
        JavaKernels.run(name, args);
    }

    @Override public void synchronize() {}

    @Override public void close() {}
}
