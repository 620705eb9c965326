package org.cnf4j.model;

import org.cnf4j.backend.DType;
import org.cnf4j.backend.Mat;

/**
 * The element-wise passes of {@link PhiKernel} (everything between its GEMMs), in the engine's precision:
 * {@link DoubleLoops} on {@code double[]} with exact activations, {@link FloatLoops} on {@code float[]} in float
 * arithmetic with float-accurate ones. Two precisions of the same loops, as BLAS has s and d routines: each is
 * written on its own primitive arrays so that C2 vectorises it (a loop that widens float to double is not vectorised
 * by JDK 17), and the consistency tests hold the float one to the double one.
 *
 * <p>Layout as in {@link PhiKernel}: activations are m x cs, Jacobian-sized matrices m x (d cs) with column
 * {@code k*cs + n}, so every inner loop runs over the cs samples of one row. Per-sample vectors (the Hessian trace
 * and its adjoint) are kept here in the loops' precision.
 */
abstract class ElementLoops {
    final int cs, d;

    ElementLoops(int cs, int d) {
        this.cs = cs;
        this.d = d;
    }

    static ElementLoops of(DType dtype, int cs, int d, double h) {
        return dtype == DType.FLOAT32 ? new FloatLoops(cs, d, h, defers(d)) : new DoubleLoops(cs, d, h);
    }

    /**
     * Whether the float loops defer their sums over samples ({@link DeferredSums}): at d + 1 <= {@link #NARROW},
     * where those sums are a large part of the element-wise work and their per-sample rows are small.
     */
    static boolean defers(int d) { return d + 1 <= NARROW; }

    /** The Java arrays of the loops for chunks of cs samples, in bytes (what the constructors allocate, and the deferred rows). */
    static double bytes(DType dtype, PhiShape s, int cs) {
        if (dtype != DType.FLOAT32) return 8 * DoubleLoops.doubles(cs);
        return 4 * (FloatLoops.floats(cs) + (defers(s.d()) ? DeferredSums.floats(s, cs) : 0));
    }

    /**
     * The sums over samples that went into gradient accumulators since the last call ({@link #addRowSums},
     * {@link #openingTraceAdjoint}, {@link #accumulateOuter}) land in them now. Loops that sum at once do nothing.
     */
    void flush() {}

    /** Drops deferred sums not yet flushed: a new gradient accumulation starts. */
    void discard() {}

    /**
     * target += a b^T for a gradient accumulator, a (r x cs) and b (q x cs) a chunk wide, q at most {@link #NARROW};
     * returns false (nothing done) when these loops leave it to a product. Deferring loops add it at {@link #flush}.
     */
    boolean accumulateOuter(Mat a, Mat b, Mat target) { return false; }

    /** Opening layer: tau = tanh(a), u = act(a) with a = pre + b (row j gets b_j). */
    abstract void opening(Mat pre, double[] b, Mat tau, Mat u);

    /** Residual layer: tau = tanh(a), a = pre + b; when uOut is given, uOut = uPrev + h act(a). */
    abstract void residual(Mat pre, double[] b, Mat tau, Mat uPrev, Mat uOut);

    /** out = a * b element-wise. */
    abstract void multiply(Mat a, Mat b, Mat out);

    /** dst += src element-wise. */
    abstract void addInto(Mat dst, Mat src);

    /** Starts the Hessian trace of every sample at {@code base}. */
    abstract void traceStart(double base);

    /** The Hessian trace of sample n. */
    abstract double trace(int n);

    /** t_0: trH_n += sum_j (1 - tau_jn^2) z1_jn G0_j. */
    abstract void openingTrace(Mat tau, Mat z1, double[] g0);

    /** J_0 = diag(tanh a_0) K0x: J_0[j, k cs + n] = tau_jn K0x[j, k]. */
    abstract void openingJacobian(Mat tau, double[] k0x, Mat j0);

    /** t_l: trH_n += h sum_j (1 - tau_jn^2) z_jn sum_k (K_l J_{l-1})[j, k cs + n]^2. */
    abstract void layerTrace(Mat tau, Mat zAbove, Mat kj);

    /** J_l = J_{l-1} + h diag(tanh a_l) K_l J_{l-1}. */
    abstract void carryJacobian(Mat jPrev, Mat tau, Mat kj, Mat jOut);

    /** Takes dLoss/dtrH per sample for the adjoint passes below. */
    abstract void traceBar(double[] trHBar);

    /**
     * Adjoint of t_l: overwrites KJ = K_l J_{l-1} with dLoss/dKJ and adds to dLoss/dtanh(a_l) and dLoss/dz_{l+1}.
     * {@code jBar} is dLoss/dJ_l when J_l feeds the next layer, null for the last layer (J_l unused).
     */
    abstract void layerTraceAdjoint(Mat tau, Mat zAbove, Mat kj, Mat jBar, Mat tauBar, Mat zBarAbove);

    /**
     * Adjoint of J_0 = diag(tanh a_0) K0x and of t_0; adds dLoss/dK0x to k0xBar (m x d) and the G0 weights to coef
     * (dLoss/dK0x = ... + 2 coef_j K0x[j, :]). Both are accumulators: deferring loops add to them at {@link #flush}.
     * A null jBar means that J_0 was never formed (the stacked opening product): only t_0's adjoint is taken.
     */
    abstract void openingTraceAdjoint(Mat tau, Mat z1, Mat jBar, Mat tauBar, Mat z1Bar, double[] k0x, double[] g0,
                                      double[] k0xBar, double[] coef);

    /** Given pBar = dLoss/dp with p = tau z: tauBar += pBar z, zBar += pBar tau. */
    abstract void productAdjoint(Mat pBar, Mat tau, Mat z, Mat tauBar, Mat zBar);

    /** aBar = tauBar (1 - tau^2) + hl uBar tau (act' = tanh); bBar_j += sum_n aBar_jn. */
    abstract void activationAdjoint(Mat tau, Mat tauBar, Mat uBar, double hl, Mat aBar, double[] bBar);

    /**
     * acc_j += sum_n x_jn (row sums of an m x cs matrix, in double). acc is a gradient accumulator: deferring loops
     * add to it at {@link #flush}.
     */
    abstract void addRowSums(Mat x, double[] acc);

    /** The widest inner or outer dimension that {@link #narrowProduct} takes. */
    static final int NARROW = 8;

    /**
     * C = alpha op(A) op(B) + beta C when one of its dimensions is at most {@link #NARROW} (the products with
     * K0 = [K0x, k0t] and with s at small d) and the rows it reads are a chunk long; returns false, leaving it to BLAS,
     * otherwise. Such products run at 7-9 GFLOP/s through OpenBLAS (one pass over the data per few multiply-adds,
     * plus the staging copies), where the loops keep the data in cache.
     */
    boolean narrowProduct(boolean transA, boolean transB, double alpha, Mat a, Mat b, double beta, Mat c) { return false; }
}
