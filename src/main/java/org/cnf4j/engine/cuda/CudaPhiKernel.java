package org.cnf4j.engine.cuda;

import org.cnf4j.backend.DType;
import org.cnf4j.model.PhiHostMath;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;

/**
 * Phi on the device for chunks of samples, and its adjoint: the GPU counterpart of
 * {@code model.PhiKernel}. Holds the uploaded weights (and the derived M, trace(M_xx), G0), the
 * per-chunk workspace (allocated for the largest chunk seen, then reused), and every parameter
 * accumulator of the reverse pass; {@link #gradient} folds these into the flat gradient.
 *
 * <p>Use: {@link #upload} the step's weights; {@link #ensureCapacity}; write the stage inputs s
 * ({@link #s}) and {@link #useProducts}; {@link #evaluate}; in the reverse pass set {@link #gBar} and
 * {@link #trHBar}, then {@link #vjp}, which leaves dLoss/ds in {@link #sBar}.
 *
 * <p>The weight K_l (row-major m x fanIn in PhiParams) is uploaded as is, which cuBLAS reads as K_l^T in
 * column-major order; its gradient is accumulated in the same layout, so it folds back into the flat
 * gradient without a transpose.
 */
final class CudaPhiKernel {
    /** Most batches of a split-K accumulation. */
    static final int MAX_SPLIT = 64;

    private final Dev dev;
    private final Kernels kernels;
    private final PhiShape shape;
    private final DType dtype;
    private final int d, m, nTh, d1;
    private final double h;
    /** Called before buffers are reallocated (captured CUDA graphs refer to them). */
    private final Runnable beforeRealloc;

    // weights (T): K_l as uploaded (fanIn x m column-major), b_l, w, cw, g0 = |K0x row|^2, M = A^T A
    private final Dev.Buf[] kW, bW;
    private final Dev.Buf wW, cwW, g0W, mW, traceW;
    private double cb;
    private double[] k0Rounded;

    // accumulators: T part [Kbar_0 .. Kbar_{nTh-1} | Mbar], double part (see offsets)
    private final Dev.Buf tacc, dacc;
    /** Partial products of the split-K accumulations (C += A B^T over the samples). */
    private final Dev.Buf splitWs;
    private int splitColumns = 1024;
    private final long[] kAccOff;
    private final long mAccOff;
    private final int dCw, dTr, dW, dB, dK0x, dK0c, dSize;

    // per-chunk workspace
    private int cap = 0;
    private Dev.Buf sBuf, pre, grad, trH, phi, gBar, sBar, trHBar, uBar, work, coefTmp, jBar;
    private Dev.Buf[] tau, u, z, p, jac, kj;
    private Dev.Buf[] tauBar, zBar;

    /** Where evaluate() finds (or puts) K_l J_{l-1} for the stage at hand, and whether it is already there. */
    private final Dev.Ptr[] kjCur;
    private boolean kjReady;

    CudaPhiKernel(PhiShape shape, Dev dev, Kernels kernels, Runnable beforeRealloc) {
        this.shape = shape;
        this.dev = dev;
        this.kernels = kernels;
        this.dtype = dev.dtype();
        this.beforeRealloc = beforeRealloc;
        d = shape.d();
        m = shape.m();
        nTh = shape.nTh();
        d1 = d + 1;
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
        // the double accumulators: loss sums (3), cw, trace(M_xx), w, b_l, K0x, K0's opening-trace coefficient
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

    /** Columns per batch of the split-K accumulations (tests make it small to exercise the split). */
    void splitColumns(int columns) { this.splitColumns = Math.max(1, columns); }

    private double round(double v) { return dtype == DType.FLOAT32 ? (double) (float) v : v; }

    /** Uploads the parameters and the derived quantities (as the CPU's PhiWeights computes them). */
    void upload(PhiParams prm) {
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
        dev.upload(new double[] {PhiHostMath.traceX(mm, d1, d)}, 0, traceW.p(), 1);
        int k0Off = prm.tensor(PhiParams.layerWeight(0)).offset();
        k0Rounded = new double[m * d1];
        for (int i = 0; i < k0Rounded.length; i++) k0Rounded[i] = round(prm.data[k0Off + i]);
        double[] g0 = PhiHostMath.squaredRowNorms(k0Rounded, m, d, d1);
        dev.upload(g0, 0, g0W.p(), m);
    }

    /** Makes the workspace hold chunks of cs samples (reallocating only for a larger chunk than before). */
    void ensureCapacity(int cs) {
        if (cs <= cap) return;
        beforeRealloc.run();
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

    /** The stage inputs s = [x; t] ((d+1) x cs), read by evaluate. */
    Dev.Buf s() { return sBuf; }

    /** Outputs of evaluate: grad_s Phi ((d+1) x cs), the Hessian trace over x and (withPhi) Phi, per sample. */
    Dev.Buf grad() { return grad; }

    Dev.Buf trH() { return trH; }

    Dev.Buf phi() { return phi; }

    /** Inputs of vjp: dLoss/dgrad ((d+1) x cs) and dLoss/dtrH (cs). */
    Dev.Buf gBar() { return gBar; }

    Dev.Buf trHBar() { return trHBar; }

    /** Output of vjp: dLoss/ds ((d+1) x cs). */
    Dev.Buf sBar() { return sBar; }

    /** Elements of K_l J_{l-1}, l = 1..nTh-1, for one stage of cs samples (a slot of a product store). */
    long productElems(int cs) { return (long) (nTh - 1) * m * cs * d; }

    /**
     * Where the next evaluate finds K_l J_{l-1}: its own work buffers ({@code store} null), or slot
     * {@code slot} of a store of {@link #productElems} per slot; {@code ready} when that slot already
     * holds them (the reverse pass), so evaluate skips the product.
     */
    void useProducts(Dev.Buf store, int slot, int cs, boolean ready) {
        long big = (long) m * cs * d;
        for (int l = 1; l < nTh; l++) kjCur[l] = store != null ? store.at(((long) slot * (nTh - 1) + (l - 1)) * big) : kj[l].p();
        kjReady = ready;
    }

    /** The double accumulators; loss_terms adds the sums of L, C and R to elements 0, 1, 2. */
    Dev.Buf sums() { return dacc; }

    /** Clears every accumulator (start of a loss evaluation). */
    void zeroAccumulators() {
        dev.zero(dacc.p(), dSize);
        dev.zero(tacc.p(), tacc.elems);
    }

    /** Downloads the double accumulators (loss sums first); {@link #gradient} takes them. */
    double[] downloadSums() {
        double[] acc = new double[dSize];
        dev.download(dacc.p(), dSize, acc, 0);
        return acc;
    }

    // ---- split-K accumulation --------------------------------------------------------------------

    /**
     * C (rows x cols, ld = rows) += alpha A B^T with A rows x K (lda), B cols x K (ldb), K the long sample
     * dimension. cuBLAS may give so flat a product (256 x 256 x 10^6) only a handful of thread blocks,
     * so K is split into up to 64 batches whose partial products are summed by sum_partials.
     */
    private void gemmNTAcc(int rows, int cols, long k, double alpha, Dev.Ptr a, int lda, Dev.Ptr b, int ldb, Dev.Ptr c) {
        gemmNTAcc(false, rows, cols, k, alpha, a, lda, b, ldb, c);
    }

    /** As above; {@code trace}: one of the trace products, which the opt-in math modes may round (Dev.traceGemm). */
    private void gemmNTAcc(boolean trace, int rows, int cols, long k, double alpha, Dev.Ptr a, int lda, Dev.Ptr b, int ldb, Dev.Ptr c) {
        int nb = (int) Math.max(1, Math.min(MAX_SPLIT, k / splitColumns));
        if (nb == 1) {
            if (trace) dev.traceGemm(false, true, rows, cols, (int) k, alpha, a, lda, b, ldb, 1, c, rows);
            else dev.gemm(false, true, rows, cols, (int) k, alpha, a, lda, b, ldb, 1, c, rows);
            return;
        }
        long kb = k / nb, rem = k - nb * kb;
        if (trace) {
            dev.traceGemmStridedBatched(false, true, rows, cols, (int) kb, alpha, a, lda, lda * kb, b, ldb, ldb * kb, 0, splitWs.p(), rows,
                    (long) rows * cols, nb);
        } else {
            dev.gemmStridedBatched(false, true, rows, cols, (int) kb, alpha, a, lda, lda * kb, b, ldb, ldb * kb, 0, splitWs.p(), rows,
                    (long) rows * cols, nb);
        }
        if (rem > 0) {
            Dev.Ptr ar = a.plus(lda * nb * kb), br = b.plus(ldb * nb * kb);
            if (trace) dev.traceGemm(false, true, rows, cols, (int) rem, alpha, ar, lda, br, ldb, 1, c, rows);
            else dev.gemm(false, true, rows, cols, (int) rem, alpha, ar, lda, br, ldb, 1, c, rows);
        }
        kernels.sumPartials(splitWs.p(), rows * cols, nb, c);
    }

    // ---- one Phi evaluation at S (d+1 x cs, already on the device) -----------------------------

    void evaluate(int cs, boolean withPhi) {
        // forward ResNet
        dev.gemm(true, false, m, cs, d1, 1, kW[0].p(), d1, sBuf.p(), d1, 0, pre.p(), m);
        kernels.actLayer(pre.p(), bW[0].p(), null, tau[0].p(), u[0].p(), m, cs, 1.0, 0);
        for (int l = 1; l < nTh; l++) {
            dev.gemm(true, false, m, cs, m, 1, kW[l].p(), m, u[l - 1].p(), m, 0, pre.p(), m);
            boolean needU = l < nTh - 1 || withPhi;
            kernels.actLayer(pre.p(), bW[l].p(), u[l - 1].p(), tau[l].p(), u[l].p(), m, cs, h, needU ? 1 : 2);
        }
        // gradient: z_l = z_{l+1} + h K_l^T (tau_l z_{l+1}); grad = K0^T (tau_0 z_1) + M s + cw
        for (int l = nTh - 1; l >= 1; l--) {
            boolean top = l == nTh - 1;
            kernels.gradPrep(tau[l].p(), top ? null : z[l + 1].p(), wW.p(), z[l].p(), p[l].p(), m, cs, top, true);
            dev.gemm(false, false, m, cs, m, h, kW[l].p(), m, p[l].p(), m, 1, z[l].p(), m);
        }
        kernels.gradPrep(tau[0].p(), z[1].p(), wW.p(), null, p[0].p(), m, cs, false, false);
        dev.gemm(false, false, d1, cs, m, 1, kW[0].p(), d1, p[0].p(), m, 0, grad.p(), d1);
        dev.gemm(false, false, d1, cs, d1, 1, mW.p(), d1, sBuf.p(), d1, 1, grad.p(), d1);
        kernels.addRows(grad.p(), cwW.p(), d1, cs);
        // exact trace of the Hessian over x
        kernels.traceInit(tau[0].p(), z[1].p(), wW.p(), kW[0].p(), g0W.p(), jac[0].p(), trH.p(), m, d, cs, traceW.p(), false, true);
        for (int l = 1; l < nTh; l++) {
            boolean top = l == nTh - 1;
            if (!kjReady) dev.traceGemm(true, false, m, cs * d, m, 1, kW[l].p(), m, jac[l - 1].p(), m, 0, kjCur[l], m);
            // re-evaluating from stored products (reverse pass) needs J_l for deeper layers, not trH
            if (kjReady && top) continue;
            kernels.traceLayer(kjCur[l], tau[l].p(), top ? null : z[l + 1].p(), wW.p(), jac[l - 1].p(), top ? null : jac[l].p(),
                    trH.p(), m, d, cs, h, top, !top);
        }
        if (withPhi) {
            kernels.phiValue(u[nTh - 1].p(), wW.p(), sBuf.p(), mW.p(), cwW.p(), cb, phi.p(), m, d1, cs);
        }
    }

    // ---- its adjoint: gBar (d+1 x cs), trHBar (cs) -> sBar, parameter accumulators --------------

    void vjp(int cs) {
        long mc = (long) m * cs;
        for (int l = 0; l < nTh; l++) dev.zero(tauBar[l].p(), mc);
        for (int l = 1; l <= nTh; l++) dev.zero(zBar[l].p(), mc);
        // quadratic part: grad += M s + cw, trH += trace(M_xx)
        kernels.colsum(gBar.p(), d1, cs, dacc.at(dCw), 1);
        gemmNTAcc(d1, d1, cs, 1, gBar.p(), d1, sBuf.p(), d1, tacc.at(mAccOff));
        kernels.colsum(trHBar.p(), 1, cs, dacc.at(dTr), 1);
        dev.gemm(false, false, d1, cs, d1, 1, mW.p(), d1, gBar.p(), d1, 0, sBar.p(), d1);
        // trace, top layer down
        for (int l = nTh - 1; l >= 1; l--) {
            boolean top = l == nTh - 1;
            boolean carry = !top;
            kernels.traceLayerAdj(kjCur[l], tau[l].p(), top ? null : z[l + 1].p(), wW.p(), carry ? jBar.p() : null, tauBar[l].p(),
                    zBar[l + 1].p(), trHBar.p(), m, d, cs, h, top, carry);
            gemmNTAcc(true, m, m, (long) cs * d, 1, jac[l - 1].p(), m, kjCur[l], m, tacc.at(kAccOff[l]));
            dev.traceGemm(false, false, m, cs * d, m, 1, kW[l].p(), m, kjCur[l], m, carry ? 1 : 0, jBar.p(), m);
        }
        kernels.traceFirstAdj(jBar.p(), tau[0].p(), z[1].p(), wW.p(), kW[0].p(), g0W.p(), trHBar.p(), tauBar[0].p(), zBar[1].p(),
                coefTmp.p(), m, d, cs, false);
        kernels.colsum(jBar.p(), m * d, cs, dacc.at(dK0x), 1);
        kernels.colsum(coefTmp.p(), m, cs, dacc.at(dK0c), 1);
        // gradient recursion
        dev.gemm(true, false, m, cs, d1, 1, kW[0].p(), d1, gBar.p(), d1, 0, work.p(), m);
        gemmNTAcc(d1, m, cs, 1, gBar.p(), d1, p[0].p(), m, tacc.at(kAccOff[0]));
        kernels.spreadAdj(work.p(), tau[0].p(), z[1].p(), wW.p(), tauBar[0].p(), zBar[1].p(), null, m, cs, false, false);
        for (int l = 1; l < nTh; l++) {
            boolean top = l == nTh - 1;
            dev.gemm(true, false, m, cs, m, h, kW[l].p(), m, zBar[l].p(), m, 0, work.p(), m);
            gemmNTAcc(m, m, cs, h, zBar[l].p(), m, p[l].p(), m, tacc.at(kAccOff[l]));
            kernels.spreadAdj(work.p(), tau[l].p(), top ? null : z[l + 1].p(), wW.p(), tauBar[l].p(), zBar[l + 1].p(), zBar[l].p(),
                    m, cs, top, true);
        }
        kernels.colsum(zBar[nTh].p(), m, cs, dacc.at(dW), 1);
        // ResNet forward
        dev.zero(uBar.p(), mc);
        for (int l = nTh - 1; l >= 0; l--) {
            kernels.resnetAdj(tau[l].p(), tauBar[l].p(), uBar.p(), work.p(), m, cs, l == 0 ? 1.0 : h);
            kernels.colsum(work.p(), m, cs, dacc.at(dB + l * m), 1);
            if (l > 0) {
                gemmNTAcc(m, m, cs, 1, u[l - 1].p(), m, work.p(), m, tacc.at(kAccOff[l]));
                dev.gemm(false, false, m, cs, m, 1, kW[l].p(), m, work.p(), m, 1, uBar.p(), m);
            } else {
                gemmNTAcc(d1, m, cs, 1, sBuf.p(), d1, work.p(), m, tacc.at(kAccOff[0]));
                dev.gemm(false, false, d1, cs, m, 1, kW[0].p(), d1, work.p(), m, 1, sBar.p(), d1);
            }
        }
    }

    /**
     * Folds the accumulators (the double ones as {@link #downloadSums} returned them; the T ones are
     * downloaded here) into dJ/dparameters in the flat layout of PhiParams.
     */
    double[] gradient(PhiParams prm, double[] acc) {
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
}
