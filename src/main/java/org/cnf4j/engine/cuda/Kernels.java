package org.cnf4j.engine.cuda;

import org.cnf4j.engine.cuda.Dev.Ptr;

/**
 * One typed method per kernel of {@code src/main/cuda/otflow_kernels.cu}, with the launch geometry: the
 * only place where kernel names and argument lists are written, so a call site cannot pass arguments
 * in the wrong order or of the wrong type without the compiler noticing. Parameters follow the .cu
 * signatures in name and order (layouts at the top of the .cu file; what each kernel computes is
 * defined by its Java twin in the test tree, {@code JavaKernels}); flags that the .cu takes as int 0/1
 * are booleans here, and the up-to-four RK coefficients are one array. {@code FatbinIntegrityTest}
 * checks every launch against the fatbin, the twins and the .cu parameter types.
 *
 * <p>Grids: element-wise kernels use grid-stride loops over their element count with blocks of
 * {@link #BLOCK}; the per-sample trace kernels use one block per sample; the reductions have their own.
 */
final class Kernels {
    static final int BLOCK = 256;

    private final Dev dev;

    Kernels(Dev dev) { this.dev = dev; }

    /** Blocks of BLOCK threads for a grid-stride loop over count elements (capped; the loop covers the rest). */
    private static int blocks(long count) { return (int) Math.max(1, Math.min((count + BLOCK - 1) / BLOCK, 1L << 20)); }

    private void elementwise(String name, long count, Object... args) { dev.launch(name, blocks(count), 1, BLOCK, 1, args); }

    /** Threads for one sample's m*d Jacobian entries: a multiple of 32 (block_sum needs whole warps), at most 256. */
    private static int sampleBlock(int m, int d) {
        int b = Math.max(Math.max(m * d, m), 32);
        b = (b + 31) / 32 * 32;
        return Math.min(b, 256);
    }

    private static int flag(boolean b) { return b ? 1 : 0; }

    // ---- Phi: ResNet, gradient recursion, trace ------------------------------------------------------

    /** tau = tanh(pre + b); mode 0: u = act(pre + b), 1: u = uPrev + h act(pre + b), 2: no u. */
    void actLayer(Ptr pre, Ptr b, Ptr uPrev, Ptr tau, Ptr u, int m, int cs, double h, int mode) {
        elementwise("act_layer", (long) m * cs, pre, b, uPrev, tau, u, m, cs, h, mode);
    }

    /** p = tau z_{l+1} (z_{l+1} = w broadcast when {@code top}); with copyZ also z = z_{l+1}. */
    void gradPrep(Ptr tau, Ptr zNext, Ptr w, Ptr z, Ptr p, int m, int cs, boolean top, boolean copyZ) {
        elementwise("grad_prep", (long) m * cs, tau, zNext, w, z, p, m, cs, flag(top), flag(copyZ));
    }

    /** x (rows x cols) += v broadcast over the columns. */
    void addRows(Ptr x, Ptr v, int rows, int cols) {
        elementwise("add_rows", (long) rows * cols, x, v, rows, cols);
    }

    /** J_0 (with writeJ) and trH = trace(M_xx) + the opening layer's term, one block per sample. */
    void traceInit(Ptr tau0, Ptr zNext, Ptr w, Ptr k0, Ptr g0, Ptr j0, Ptr trH, int m, int d, int cs, Ptr traceMx,
                   boolean top, boolean writeJ) {
        dev.launch("trace_init", cs, 1, sampleBlock(m, d), 1, tau0, zNext, w, k0, g0, j0, trH, m, d, cs, traceMx, flag(top),
                flag(writeJ));
    }

    /** trH += h (layer term from K_l J_{l-1}); with carry also J_l = J_{l-1} + h tau K_l J_{l-1}. One block per sample. */
    void traceLayer(Ptr kj, Ptr tau, Ptr zNext, Ptr w, Ptr jPrev, Ptr jCur, Ptr trH, int m, int d, int cs, double h,
                    boolean top, boolean carry) {
        dev.launch("trace_layer", cs, 1, sampleBlock(m, d), 1, kj, tau, zNext, w, jPrev, jCur, trH, m, d, cs, h, flag(top),
                flag(carry));
    }

    /** phi = w.u + cw.s + cb + s^T M s / 2 per sample. */
    void phiValue(Ptr u, Ptr w, Ptr sv, Ptr mm, Ptr cw, double cb, Ptr phi, int m, int d1, int cs) {
        elementwise("phi_value", cs, u, w, sv, mm, cw, cb, phi, m, d1, cs);
    }

    // ---- RK bookkeeping -----------------------------------------------------------------------------

    /** sv = [z + sum_{l < nl} c_l k_l; t] (x part), also into xrec with writeX. */
    void rkStageInput(Ptr z, Ptr kst, Ptr sv, Ptr xrec, int cs, int d, int nl, double[] c, double t, boolean writeX) {
        elementwise("rk_stage_input", (long) cs * (d + 1), z, kst, sv, xrec, cs, d, nl, c[0], c[1], c[2], c[3], t, flag(writeX));
    }

    /** sv = [xrec; t]. */
    void loadStage(Ptr xrec, Ptr sv, int cs, int d, double t) {
        elementwise("load_stage", (long) cs * (d + 1), xrec, sv, cs, d, t);
    }

    /** f = the OT-Flow right-hand side (dx, dl, dv, dr) from grad Phi and the trace. */
    void rkRhs(Ptr grad, Ptr trH, Ptr f, int cs, int d, double a0) {
        elementwise("rk_rhs", cs, grad, trH, f, cs, d, a0);
    }

    /** z += sum_{l < ns} b_l k_l. */
    void rkUpdate(Ptr z, Ptr kst, int cs, int w, int ns, double[] b) {
        elementwise("rk_update", (long) cs * w, z, kst, cs, w, ns, b[0], b[1], b[2], b[3]);
    }

    /** Adds the sums of L, C and R to acc[0..2]; withGrad: zbar = dLoss/dz at the end. */
    void lossTerms(Ptr z, Ptr zbar, Ptr acc, int cs, int d, double invN, double a0, double a1, double a2, double logNorm,
                   boolean withGrad) {
        dev.launch("loss_terms", (cs + BLOCK - 1) / BLOCK, 1, BLOCK, 1, z, zbar, acc, cs, d, invN, a0, a1, a2, logNorm,
                flag(withGrad));
    }

    /** kbar_l = hb_l zbar for l < ns. */
    void kbarInit(Ptr zbar, Ptr kbar, int cs, int w, int ns, double[] hb) {
        elementwise("kbar_init", (long) cs * w, zbar, kbar, cs, w, ns, hb[0], hb[1], hb[2], hb[3]);
    }

    /** The adjoint of rk_rhs: fbar -> gbar (dLoss/dgrad) and trHbar. */
    void rhsAdjoint(Ptr grad, Ptr fbar, Ptr gbar, Ptr trHbar, int cs, int d, double a0) {
        elementwise("rhs_adjoint", cs, grad, fbar, gbar, trHbar, cs, d, a0);
    }

    /** The adjoint of rk_stage_input: zbar += sbar (x part), kbar_l += c_l sbar for l < nl. */
    void rkXbar(Ptr sbar, Ptr zbar, Ptr kbar, int cs, int d, int nl, double[] c) {
        elementwise("rk_xbar", (long) cs * d, sbar, zbar, kbar, cs, d, nl, c[0], c[1], c[2], c[3]);
    }

    // ---- the adjoint of Phi ---------------------------------------------------------------------------

    /** The adjoint of trace_layer: kj becomes dLoss/d(K_l J_{l-1}); taubar and zbarNext accumulate. */
    void traceLayerAdj(Ptr kj, Ptr tau, Ptr zNext, Ptr w, Ptr jbar, Ptr taubar, Ptr zbarNext, Ptr trHbar, int m, int d, int cs,
                       double h, boolean top, boolean carry) {
        elementwise("trace_layer_adj", (long) m * cs, kj, tau, zNext, w, jbar, taubar, zbarNext, trHbar, m, d, cs, h, flag(top),
                flag(carry));
    }

    /** The adjoint of trace_init: jbar becomes the K0x part, coefTmp the G0 coefficient; taubar0 and zbar1 accumulate. */
    void traceFirstAdj(Ptr jbar, Ptr tau0, Ptr zNext, Ptr w, Ptr k0, Ptr g0, Ptr trHbar, Ptr taubar0, Ptr zbar1, Ptr coefTmp,
                       int m, int d, int cs, boolean top) {
        elementwise("trace_first_adj", (long) m * cs, jbar, tau0, zNext, w, k0, g0, trHbar, taubar0, zbar1, coefTmp, m, d, cs,
                flag(top));
    }

    /** The adjoint of grad_prep: taubar += work z_{l+1}, zbarNext += work tau (+ zbarCur with addCur). */
    void spreadAdj(Ptr work, Ptr tau, Ptr zNext, Ptr w, Ptr taubar, Ptr zbarNext, Ptr zbarCur, int m, int cs, boolean top,
                   boolean addCur) {
        elementwise("spread_adj", (long) m * cs, work, tau, zNext, w, taubar, zbarNext, zbarCur, m, cs, flag(top), flag(addCur));
    }

    /** The adjoint of act_layer: work = dLoss/d(pre + b) = taubar (1 - tau^2) + hl ubar tau. */
    void resnetAdj(Ptr tau, Ptr taubar, Ptr ubar, Ptr work, int m, int cs, double hl) {
        elementwise("resnet_adj", (long) m * cs, tau, taubar, ubar, work, m, cs, hl);
    }

    // ---- reductions -----------------------------------------------------------------------------------

    /** acc[r] += scale sum_c x[r + rows c], in double (atomics across the column blocks). */
    void colsum(Ptr x, int rows, int cols, Ptr acc, double scale) {
        int gx = (rows + 31) / 32;
        int gy = (int) Math.max(1, Math.min((cols + 63L) / 64, Math.max(1, 2048 / gx)));
        dev.launch("colsum", gx, gy, 32, 8, x, rows, cols, acc, scale);
    }

    /** out[r] += sum_b parts[r + rows b]: the partial products of a split-K GEMM. */
    void sumPartials(Ptr parts, int rows, int batches, Ptr out) {
        elementwise("sum_partials", rows, parts, rows, batches, out);
    }
}
