package org.cnf4j.model;

import org.cnf4j.backend.Blas;
import org.cnf4j.backend.BlasStaging;
import org.cnf4j.backend.DType;
import org.cnf4j.backend.Mat;
import org.cnf4j.backend.NativeAccumulator;

/**
 * The exact gradient and Hessian trace of Phi (ALGORITHMS.md 2.1-2.2) on a chunk of {@code cs}
 * samples, and their adjoint (section 3.1). Work buffers are allocated in the constructor; the
 * per-stage slots (see {@link Stage}) on first use, then reused for every later call.
 *
 * <p>Layout: one column per sample. Activations are m x cs; the Jacobians J_i and products K_i J_i
 * are m x (d*cs) with column {@code k*cs + n} for coordinate k and sample n, so each K_i J product
 * is one GEMM over the whole chunk, and the loops around it run over samples innermost (long, simple
 * loops that C2 unrolls; the sample-major order made them 3-5x slower at small d).
 *
 * <p>Use: {@link #reset} with the step's weights; {@link #evaluate} per RK stage (into a slot);
 * in the reverse pass {@link #restore} that slot, then {@link #vjp}; finally {@link #addGradientTo}.
 */
public final class PhiKernel {
    public final PhiShape shape;
    public final DType dtype;
    public final int cs;
    private final int d, m, nTh;
    private final double h;
    /** The element-wise passes in the engine's precision, with the per-sample trace and its adjoint. */
    private final ElementLoops loops;
    /** Native memory for the GEMM operands that live on the heap. */
    private final BlasStaging staging;

    /**
     * What one evaluation leaves for its adjoint, O(m cs) per stage: s = [x; t] ((d+1) x cs), tanh(a_i),
     * u_i, z_i (z_0 is the gradient; z_{nTh} = w is not stored), p_i = tanh(a_i) z_{i+1}, and the
     * gradient. The integrator keeps one per RK stage, so the reverse pass recomputes only the
     * Jacobians (O(m cs d)), never an activation.
     */
    private final class Stage {
        final Mat s = Mat.create(dtype, d + 1, cs), grad = Mat.create(dtype, d + 1, cs);
        final Mat[] tau = mats(nTh, m, cs), u = mats(nTh, m, cs), z = mats(nTh, m, cs), p = mats(nTh, m, cs);
        /** K_i J_{i-1} of this stage, when products are kept (see {@link #keepProducts}). */
        private Mat[] kj;

        Mat[] products() {
            if (kj == null) kj = productMats();
            return kj;
        }
    }

    private final java.util.List<Stage> stages = new java.util.ArrayList<>();
    /** The buffers of the current stage (see {@link #use}). */
    private Mat s, grad;
    private Mat[] tau, u, z, p;
    private final Mat pre;
    /** J_i for i < nTh-1, and K_i J_{i-1} for i >= 1 (index i): the stage's own or a shared scratch. */
    private final Mat[] jac, sharedKj;
    private Mat[] kj;
    private boolean keepProducts;
    private final double[] phi;
    /** Low-rank quadratic term ({@link PhiHostMath#lowRank}): A s and A gBar, r x cs; null otherwise. */
    private final boolean lowRank;
    private final Mat as, ag;

    // adjoint buffers
    private final Mat gBar, sBar, jBar, work;
    private final Mat[] tauBar, zBar;
    private final Mat uBar;
    /** w broadcast over the chunk (z_{nTh}), and dLoss/dz_{nTh} per sample. */
    private final Mat zTop, zBarTop;
    private final double[] k0xBarAcc, k0Coef;
    private final PhiGradient acc;
    /**
     * Whether K1 J_0 is formed as B tanh(a_0) with B = {@link PhiWeights#openingStack} ({@link #stackedOpening}); then
     * J_0 and dLoss/dJ_0 are never formed, and dLoss/dB, summed in native memory over every vjp since {@link #reset}
     * (a chunk's stages), is folded into dLoss/dK1 and dLoss/dK0x once, in {@link #addGradientTo}.
     */
    private final boolean stacked;
    private final NativeAccumulator bBarAcc;
    private final Mat bBar;

    private PhiWeights wt;
    private boolean evaluated;

    /** The product elements d m^2 of B up to which {@link #stackedOpening} holds. */
    static final long STACK_ELEMENTS = 1L << 18;

    /**
     * Whether a kernel of this shape forms K1 J_0 as B tanh(a_0): with one hidden layer after the opening one (the
     * papers' models; deeper ones carry J_0 into J_1, so they form it), and while B, d m^2 elements, stays small.
     * Measured with JMH (GemmShapesBenchmark, one thread): at d = 16, m = 64 the stacked products run 1.10-1.27 times
     * as fast as K1 J_0's (1024 x 250 x 64 against 64 x 4000 x 64), at the toy size 1.02-1.12; at MINIBOONE's
     * d = 43, m = 256 (B of 11 MB) 0.69-0.87 times, so large B keep the products of J_0 (docs/DESIGN.md).
     */
    public static boolean stackedOpening(PhiShape s) {
        return s.nTh() == 2 && (long) s.d() * s.m() * s.m() <= STACK_ELEMENTS;
    }

    public PhiKernel(PhiShape shape, DType dtype, int cs) { this(shape, dtype, cs, stackedOpening(shape)); }

    /** A kernel that forms K1 J_0 as {@code stacked} says (tests compare the two forms on one shape). */
    PhiKernel(PhiShape shape, DType dtype, int cs, boolean stacked) {
        if (stacked && shape.nTh() != 2) throw new IllegalArgumentException("the stacked opening product needs nTh = 2, got " + shape.nTh());
        this.stacked = stacked;
        this.shape = shape;
        this.dtype = dtype;
        this.cs = cs;
        d = shape.d();
        m = shape.m();
        nTh = shape.nTh();
        h = shape.h();
        loops = ElementLoops.of(dtype, cs, d, h);
        staging = new BlasStaging(dtype, stagingElements(shape, cs));
        pre = Mat.create(dtype, m, cs);
        jac = new Mat[nTh];
        if (!stacked) for (int i = 0; i < nTh - 1; i++) jac[i] = Mat.create(dtype, m, cs * d);
        sharedKj = productMats();
        kj = sharedKj;
        phi = new double[cs];
        lowRank = PhiHostMath.lowRank(shape.r(), d + 1);
        as = lowRank ? Mat.create(dtype, shape.r(), cs) : null;
        ag = lowRank ? Mat.create(dtype, shape.r(), cs) : null;
        gBar = Mat.create(dtype, d + 1, cs);
        sBar = Mat.create(dtype, d + 1, cs);
        jBar = stacked ? null : Mat.create(dtype, m, cs * d);
        work = Mat.create(dtype, m, cs);
        tauBar = mats(nTh, m, cs);
        zBar = mats(nTh, m, cs);
        uBar = Mat.create(dtype, m, cs);
        zTop = Mat.create(dtype, m, cs);
        zBarTop = Mat.create(dtype, m, cs);
        k0xBarAcc = new double[m * d];
        k0Coef = new double[m];
        acc = new PhiGradient(shape, dtype);
        bBarAcc = stacked ? new NativeAccumulator(dtype, d * m, m) : null;
        bBar = stacked ? Mat.create(dtype, d * m, m) : null;
        use(0);
    }

    /** Makes stage slot {@code slot} current, allocating it on first use. */
    private void use(int slot) {
        while (stages.size() <= slot) stages.add(new Stage());
        Stage st = stages.get(slot);
        s = st.s;
        grad = st.grad;
        tau = st.tau;
        u = st.u;
        z = st.z;
        p = st.p;
        kj = keepProducts ? st.products() : sharedKj;
    }

    private Mat[] productMats() {
        Mat[] out = new Mat[nTh];
        for (int i = 1; i < nTh; i++) out[i] = Mat.create(dtype, m, cs * d);
        return out;
    }

    /**
     * Whether each stage slot keeps its products K_i J_{i-1} (m x cs d per layer). Kept, the reverse
     * pass skips one of the four big GEMMs per stage; not kept, it recomputes them. The integrator
     * decides from the memory they would take.
     */
    public void keepProducts(boolean keep) { this.keepProducts = keep; }

    /** Bytes per stage slot that {@link #keepProducts} adds. */
    public long productBytesPerStage() { return (long) productBytesPerStage(shape, dtype, cs); }

    /** {@link #productBytesPerStage} of a kernel for chunks of cs samples (in double: an estimate must not overflow). */
    public static double productBytesPerStage(PhiShape s, DType dtype, int cs) {
        return (double) (s.nTh() - 1) * s.m() * cs * s.d() * elementBytes(dtype);
    }

    static int elementBytes(DType dtype) { return dtype.bytes(); }

    /**
     * The matrices (Java heap) of a kernel for chunks of cs samples once {@code slots} stage slots are in use, each
     * with its products when {@code keepProducts}: what the constructor, {@link #use} and {@link PhiGradient}
     * allocate through {@link Mat#create}. Memory estimates read it, so it must follow those allocations.
     */
    public static double matrixBytes(PhiShape s, DType dtype, int cs, int slots, boolean keepProducts) {
        double d = s.d(), m = s.m(), nTh = s.nTh(), d1 = d + 1, mc = m * cs, big = mc * d;
        boolean low = PhiHostMath.lowRank(s.r(), s.d() + 1);
        // without the stacked opening: J_0 .. J_{nTh-2} and dLoss/dJ; with it: dLoss/dB on the heap instead
        double jacobians = stackedOpening(s) ? d * m * m : (nTh - 1) * big + big;
        double work = mc + (nTh - 1) * big + jacobians + 2 * d1 * cs + mc + 2 * nTh * mc + 3 * mc + (low ? 2.0 * s.r() * cs : 0);
        double acc = m * d1 + (nTh - 1) * m * m + (low ? s.r() * d1 : d1 * d1);
        double slot = 2 * d1 * cs + 4 * nTh * mc + (keepProducts ? (nTh - 1) * big : 0);
        return (work + acc + Math.max(1, slots) * slot) * elementBytes(dtype);
    }

    /**
     * The other Java arrays of a kernel for chunks of cs samples: Phi per sample, the K0x and bias accumulators, and
     * the element-wise loops' per-sample rows ({@link ElementLoops#bytes}).
     */
    public static double heapBytes(PhiShape s, DType dtype, int cs) {
        return 8.0 * ((double) s.m() * s.d() + cs + (s.nTh() + 2.0) * s.m() + s.d() + 1) + ElementLoops.bytes(dtype, s, cs);
    }

    /** Elements of the largest GEMM operand of a kernel for chunks of cs samples: what its staging holds per buffer. */
    static long stagingElements(PhiShape s, int cs) {
        long d1 = s.d() + 1, m = s.m(), r = s.r();
        long max = Math.max(m * s.d() * cs, Math.max(m * cs, d1 * cs));
        max = Math.max(max, Math.max(m * Math.max(m, d1), d1 * d1));
        return Math.max(max, r * Math.max(d1, cs));
    }

    /** The native bytes of a kernel for chunks of cs samples: its GEMM staging, and dLoss/dB of the stacked opening. */
    public static double offHeapBytes(PhiShape s, DType dtype, int cs) {
        double stack = stackedOpening(s) ? NativeAccumulator.bytes(dtype, (long) s.d() * s.m(), s.m()) : 0;
        return BlasStaging.bytes(dtype, stagingElements(s, cs)) + stack;
    }

    private Mat[] mats(int count, int rows, int cols) {
        Mat[] out = new Mat[count];
        for (int i = 0; i < count; i++) out[i] = Mat.create(dtype, rows, cols);
        return out;
    }

    /** Starts a new accumulation of parameter gradients against these weights. */
    public void reset(PhiWeights weights) {
        if (!weights.shape.equals(shape) || weights.dtype != dtype) throw new IllegalArgumentException("weights do not fit kernel");
        this.wt = weights;
        for (int j = 0; j < m; j++) {
            for (int i = j * cs, end = i + cs; i < end; i++) zTop.set(i, weights.w[j]);
        }
        acc.clear();
        if (stacked) bBarAcc.clear();
        loops.discard();
        java.util.Arrays.fill(k0xBarAcc, 0);
        java.util.Arrays.fill(k0Coef, 0);
        evaluated = false;
    }

    /** Adds the gradients accumulated since {@link #reset} to {@code out} (flat layout of p). */
    public void addGradientTo(PhiParams params, double[] out) {
        if (wt == null) throw new IllegalStateException("addGradientTo before reset");
        loops.flush();
        if (stacked) foldOpeningStack();
        // dLoss/dK0x from the opening layer's trace adjoint (summed over every vjp since reset: it is linear in
        // k0xBar and in the weights of K0x, which stay fixed for the step)
        Mat k0b = acc.k[0];
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < d; k++) {
                int i = j * (d + 1) + k;
                k0b.set(i, k0b.get(i) + k0xBarAcc[j * d + k] + 2 * k0Coef[j] * wt.k0x[j * d + k]);
            }
        }
        java.util.Arrays.fill(k0xBarAcc, 0);
        java.util.Arrays.fill(k0Coef, 0);
        acc.addTo(params, out);
    }

    /**
     * dLoss/dB into dLoss/dK1 and dLoss/dK0x: B[i d + k, a] = K1[i, a] K0x[a, k], so dK1[i, a] += sum_k dB[i d + k, a]
     * K0x[a, k] and dK0x[a, k] += sum_i dB[i d + k, a] K1[i, a] (d m^2 each, once per chunk).
     */
    private void foldOpeningStack() {
        bBarAcc.moveTo(bBar);
        Mat k1 = wt.k[1], k1Bar = acc.k[1];
        for (int i = 0; i < m; i++) {
            for (int a = 0; a < m; a++) {
                double k1ia = k1.get(i * m + a), sum = 0;
                for (int q = 0; q < d; q++) {
                    double bb = bBar.get((i * d + q) * m + a);
                    sum += bb * wt.k0x[a * d + q];
                    k0xBarAcc[a * d + q] += bb * k1ia;
                }
                k1Bar.add(i * m + a, sum);
            }
        }
    }

    /**
     * Evaluates at s = [x_n, t] for the cs samples in {@code x} (row-major cs x d, starting at xOff).
     * Afterwards {@link #gradient} and {@link #traceHessian} hold the results.
     */
    public void evaluate(double[] x, int xOff, double t, boolean withPhi) { evaluate(x, xOff, t, withPhi, 0); }

    /** As {@link #evaluate(double[], int, double, boolean)}, keeping the results in stage slot {@code slot}. */
    public void evaluate(double[] x, int xOff, double t, boolean withPhi, int slot) {
        use(slot);
        for (int n = 0; n < cs; n++) {
            for (int k = 0; k < d; k++) s.set(k * cs + n, x[xOff + n * d + k]);
            s.set(d * cs + n, t);
        }
        forwardResNet(withPhi);
        gradientRecursion();
        trace();
        if (withPhi) phiValue();
        evaluated = true;
    }

    /**
     * Makes the evaluation kept in {@code slot} current again for {@link #vjp}. The Jacobians J_i are
     * rebuilt element-wise; the products K_i J_{i-1} come from the slot when kept, else by GEMM.
     */
    public void restore(int slot) {
        if (slot >= stages.size()) throw new IllegalStateException("stage slot " + slot + " was never evaluated");
        use(slot);
        if (keepProducts) {
            if (!stacked) { // stacked: nTh = 2, and J_0 is never formed
                loops.openingJacobian(tau[0], wt.k0x, jac[0]);
                for (int l = 1; l < nTh - 1; l++) loops.carryJacobian(jac[l - 1], tau[l], kj[l], jac[l]);
            }
        } else {
            trace(false);
        }
        evaluated = true;
    }

    /** d Phi / d s_k at sample n (k = d is the time derivative). */
    public double gradient(int n, int k) { return grad.get(k * cs + n); }

    public double traceHessian(int n) { return loops.trace(n); }

    public double phi(int n) { return phi[n]; }

    // ---- forward ---------------------------------------------------------------------------

    /** a_0 = K0 s + b0, u_0 = act(a_0); u_i = u_{i-1} + h act(K_i u_{i-1} + b_i). */
    private void forwardResNet(boolean withPhi) {
        gemm(false, false, 1, wt.k[0], s, 0, pre);
        loops.opening(pre, wt.b[0], tau[0], u[0]);
        for (int l = 1; l < nTh; l++) {
            gemm(false, false, 1, wt.k[l], u[l - 1], 0, pre);
            boolean needU = l < nTh - 1 || withPhi; // u_{nTh-1} only enters Phi itself
            loops.residual(pre, wt.b[l], tau[l], u[l - 1], needU ? u[l] : null);
        }
    }

    /** z_i = z_{i+1} + h K_i^T (tanh(a_i) z_{i+1}), z_0 = K0^T (tanh(a_0) z_1); grad = z_0 + M s + c. */
    private void gradientRecursion() {
        for (int l = nTh - 1; l >= 0; l--) {
            Mat above = zAbove(l);
            loops.multiply(tau[l], above, p[l]);
            if (l > 0) {
                z[l].copyFrom(above);
                gemm(true, false, h, wt.k[l], p[l], 1, z[l]);
            }
        }
        gemm(true, false, 1, wt.k[0], p[0], 0, grad);
        if (lowRank) {
            // M s = A^T (A s): 2 r (d+1) per sample instead of (d+1)^2; A s is kept for Phi's value
            gemm(false, false, 1, wt.aMat, s, 0, as);
            gemm(true, false, 1, wt.aMat, as, 1, grad);
        } else {
            gemm(false, false, 1, wt.mMat, s, 1, grad);
        }
        addToRows(grad, wt.cw, cs);
    }

    /** z_{l+1}: the stored z above layer l, or w broadcast over the chunk above the last layer. */
    private Mat zAbove(int l) { return l == nTh - 1 ? zTop : z[l + 1]; }

    /** dLoss/dz_{l+1}; above the last layer it collects dLoss/dw per sample. */
    private Mat zBarAbove(int l) { return l == nTh - 1 ? zBarTop : zBar[l + 1]; }

    /** trH = t_0 + h sum_i t_i + trace(M[:d,:d]) with the Jacobians J_i carried exactly. */
    private void trace() { trace(true); }

    /** Without {@code value}, only the Jacobians (what the adjoint needs) are computed. */
    private void trace(boolean value) {
        if (value) {
            loops.traceStart(wt.traceMx);
            loops.openingTrace(tau[0], zAbove(0), wt.g0);
        }
        if (stacked) {
            // K1 J_0 = B tanh(a_0): (d m) x cs, rows i d + k, the layout of m x (d cs)
            gemm(false, false, 1, wt.openingStack(), tau[0], 0, kj[1].reshaped(d * m, cs));
            if (value) loops.layerTrace(tau[1], zAbove(1), kj[1]);
            return;
        }
        loops.openingJacobian(tau[0], wt.k0x, jac[0]);
        for (int l = 1; l < nTh; l++) {
            gemm(false, false, 1, wt.k[l], jac[l - 1], 0, kj[l]);
            if (value) loops.layerTrace(tau[l], zAbove(l), kj[l]);
            if (l < nTh - 1) loops.carryJacobian(jac[l - 1], tau[l], kj[l], jac[l]);
        }
    }

    /** Adds c_k to row k ((d+1) x cs: not worth a loop per precision). */
    private static void addToRows(Mat x, double[] c, int cs) {
        for (int k = 0; k < c.length; k++) {
            double ck = c[k];
            for (int i = k * cs, end = i + cs; i < end; i++) x.set(i, x.get(i) + ck);
        }
    }

    /** C = alpha op(A) op(B) + beta C: narrow products in the loops (in float32), the rest through BLAS. */
    private void gemm(boolean transA, boolean transB, double alpha, Mat a, Mat b, double beta, Mat c) {
        if (!loops.narrowProduct(transA, transB, alpha, a, b, beta, c)) Blas.gemm(staging, transA, transB, alpha, a, b, beta, c);
    }

    /** target += a b^T into a gradient accumulator: in the loops when they take it (deferred sums), else a product. */
    private void accumulate(Mat a, Mat b, Mat target) {
        if (!loops.accumulateOuter(a, b, target)) gemm(false, true, 1, a, b, 1, target);
    }

    /** Phi = w^T u_{nTh-1} + 1/2 s^T M s + c^T s + cb. */
    private void phiValue() {
        int d1 = d + 1;
        Mat top = u[nTh - 1];
        for (int n = 0; n < cs; n++) {
            double v = wt.cb;
            for (int j = 0; j < m; j++) v += wt.w[j] * top.get(j * cs + n);
            for (int a = 0; a < d1; a++) {
                double sa = s.get(a * cs + n);
                v += wt.cw[a] * sa;
                if (lowRank) continue;
                double ms = 0;
                for (int c = 0; c < d1; c++) ms += wt.m[a * d1 + c] * s.get(c * cs + n);
                v += 0.5 * sa * ms;
            }
            if (lowRank) {
                // 1/2 s^T A^T A s = 1/2 |A s|^2, with A s from gradientRecursion
                for (int q = 0, r = as.rows; q < r; q++) {
                    double a = as.get(q * cs + n);
                    v += 0.5 * a * a;
                }
            }
            phi[n] = v;
        }
    }

    // ---- adjoint ---------------------------------------------------------------------------

    /**
     * Vector-Jacobian product of the last {@link #evaluate}: given dLoss/dgrad ({@code gradBar},
     * row-major cs x (d+1)) and dLoss/dtrH per sample, accumulates dLoss/dparameters and writes
     * dLoss/dx (cs x d, row-major) into {@code xBar} at xBarOff.
     */
    public void vjp(double[] gradBar, double[] trHBar, double[] xBar, int xBarOff) {
        if (!evaluated) throw new IllegalStateException("vjp before evaluate");
        int d1 = d + 1;
        for (int n = 0; n < cs; n++) {
            for (int k = 0; k < d1; k++) gBar.set(k * cs + n, gradBar[n * d1 + k]);
        }
        loops.traceBar(trHBar);
        for (Mat x : tauBar) x.fill(0);
        for (Mat x : zBar) x.fill(0);
        zBarTop.fill(0);
        quadraticAdjoint(trHBar);
        traceAdjoint(trHBar);
        gradientAdjoint();
        resNetAdjoint();
        for (int n = 0; n < cs; n++) {
            for (int k = 0; k < d; k++) xBar[xBarOff + n * d + k] = sBar.get(k * cs + n);
        }
        evaluated = false;
    }

    /** grad = ... + M s + c, trH = ... + trace(M[:d,:d]). */
    private void quadraticAdjoint(double[] trHBar) {
        loops.addRowSums(gBar, acc.cw);
        double tb = 0;
        for (int n = 0; n < cs; n++) tb += trHBar[n];
        if (lowRank) {
            // dLoss/dA of s^T A^T A gBar is (A gBar) s^T + (A s) gBar^T; sBar = A^T (A gBar). The slot's s is
            // current but A s was overwritten by later evaluations, so it is formed again (r (d+1) per sample).
            gemm(false, false, 1, wt.aMat, s, 0, as);
            gemm(false, false, 1, wt.aMat, gBar, 0, ag);
            gemm(false, true, 1, ag, s, 1, acc.aBar);
            gemm(false, true, 1, as, gBar, 1, acc.aBar);
            acc.traceBar += tb;
            gemm(true, false, 1, wt.aMat, ag, 0, sBar);
            return;
        }
        accumulate(gBar, s, acc.mBar);
        for (int k = 0; k < d; k++) acc.mBar.set(k, k, acc.mBar.get(k, k) + tb);
        gemm(false, false, 1, wt.mMat, gBar, 0, sBar);
    }

    /** Adjoint of section 2.2, top layer down; leaves dLoss/dJ_0 in jBar. */
    private void traceAdjoint(double[] trHBar) {
        if (stacked) {
            loops.layerTraceAdjoint(tau[1], zAbove(1), kj[1], null, tauBar[1], zBarAbove(1));
            Mat kjBar = kj[1].reshaped(d * m, cs);
            Blas.gemmAccumulate(staging, false, true, 1, kjBar, tau[0], bBarAcc); // dB += dKJ tanh(a_0)^T
            gemm(true, false, 1, wt.openingStack(), kjBar, 1, tauBar[0]);         // dtanh(a_0) += B^T dKJ
            loops.openingTraceAdjoint(tau[0], zAbove(0), null, tauBar[0], zBarAbove(0), wt.k0x, wt.g0, k0xBarAcc, k0Coef);
            return;
        }
        for (int l = nTh - 1; l >= 1; l--) {
            boolean carry = l < nTh - 1; // J_l feeds the next layer, so jBar holds dLoss/dJ_l
            loops.layerTraceAdjoint(tau[l], zAbove(l), kj[l], carry ? jBar : null, tauBar[l], zBarAbove(l));
            // kj[l] now holds dLoss/d(K_l J_{l-1})
            gemm(false, true, 1, kj[l], jac[l - 1], 1, acc.k[l]);
            gemm(true, false, 1, wt.k[l], kj[l], carry ? 1 : 0, jBar);
        }
        loops.openingTraceAdjoint(tau[0], zAbove(0), jBar, tauBar[0], zBarAbove(0), wt.k0x, wt.g0, k0xBarAcc, k0Coef);
    }

    /** Adjoint of section 2.1, from z_0 (= grad part) up to z_{nTh} = w. */
    private void gradientAdjoint() {
        // z_0 = K0^T p_0, p_0 = tanh(a_0) z_1
        gemm(false, false, 1, wt.k[0], gBar, 0, work);
        accumulate(p[0], gBar, acc.k[0]);
        loops.productAdjoint(work, tau[0], zAbove(0), tauBar[0], zBarAbove(0));
        for (int l = 1; l < nTh; l++) {
            // z_l = z_{l+1} + h K_l^T p_l
            Mat zb = zBar[l];
            loops.addInto(zBarAbove(l), zb);
            gemm(false, false, h, wt.k[l], zb, 0, work);
            gemm(false, true, h, p[l], zb, 1, acc.k[l]);
            loops.productAdjoint(work, tau[l], zAbove(l), tauBar[l], zBarAbove(l));
        }
        loops.addRowSums(zBarTop, acc.w);
    }

    /** Adjoint of the ResNet forward: tanh(a_l) and u_l back to K_l, b_l and s. */
    private void resNetAdjoint() {
        uBar.fill(0);
        for (int l = nTh - 1; l >= 0; l--) {
            double hl = l == 0 ? 1 : h; // u_0 = act(a_0); u_l = u_{l-1} + h act(a_l)
            loops.activationAdjoint(tau[l], tauBar[l], uBar, hl, work, acc.b[l]);
            if (l > 0) {
                gemm(false, true, 1, work, u[l - 1], 1, acc.k[l]);
                gemm(true, false, 1, wt.k[l], work, 1, uBar);
            } else {
                accumulate(work, s, acc.k[0]);
                gemm(true, false, 1, wt.k[0], work, 1, sBar);
            }
        }
    }
}
