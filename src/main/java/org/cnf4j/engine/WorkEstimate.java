package org.cnf4j.engine;

import java.util.Locale;
import org.cnf4j.model.PhiHostMath;
import org.cnf4j.model.PhiShape;

/**
 * How much arithmetic a loss evaluation is, so that a run that would take hours per iteration says so before it
 * starts ({@code --nt 100000} did no iteration in 2 minutes and said nothing). Counts the floating-point operations
 * of the dominant products per sample and RK stage (ALGORITHMS.md 2.1-3.1): the ResNet, the gradient recursion, the
 * quadratic term, and the Hessian trace, whose products K_l J_{l-1} cost 2 m^2 d per layer and dominate for d > 2;
 * the reverse pass costs about twice the forward. Times use a nominal {@link #FLOPS_PER_THREAD}, within a factor of
 * 2-3 of what this engine reaches on a current CPU (measured: 7 GFLOP/s at d = 5000, 15 at the toy size, float32, one
 * thread): they tell minutes from hours, no more.
 */
public final class WorkEstimate {
    /** The documented limit: more RK4 steps than this draw a warning (the recipes use 8 to 16). */
    public static final int MAX_STEPS = 1000;
    /** Seconds per training iteration (or per command) above which a warning says how long it will take. */
    public static final double SLOW_SECONDS = 60;
    /** Nominal arithmetic rate of one CPU worker thread. */
    public static final double FLOPS_PER_THREAD = 5e9;

    private WorkEstimate() {}

    /** Floating-point operations of one Phi evaluation (value, gradient and exact trace) per sample. */
    public static double phiFlops(PhiShape s) {
        double d = s.d(), m = s.m(), d1 = d + 1, layers = s.nTh() - 1;
        double quadratic = PhiHostMath.lowRank(s.r(), s.d() + 1) ? 4.0 * s.r() * d1 : 2 * d1 * d1;
        return 4 * m * d1 + 4 * layers * m * m + 2 * layers * m * m * d + 8 * s.nTh() * m * d + quadratic;
    }

    /** Operations of a loss (or integration) of n samples over nt steps of a {@code stages} tableau; the gradient triples it. */
    public static double lossFlops(PhiShape s, double n, double nt, int stages, boolean gradient) {
        return n * nt * stages * phiFlops(s) * (gradient ? 3 : 1);
    }

    /** Nominal seconds for {@code flops} on {@code threads} CPU threads. */
    public static double seconds(double flops, int threads) { return flops / (FLOPS_PER_THREAD * Math.max(1, threads)); }

    /**
     * Nominal seconds for {@code flops} of a model of {@code shape}: wider models spend their time in large GEMMs,
     * which run far above the nominal rate (measured: 86 GFLOP/s per thread at m = 256, the MINIBOONE size, against
     * 7-15 at m <= 32), so the rate grows with m / 32, up to 12 times (still below what was measured there).
     */
    public static double seconds(double flops, int threads, PhiShape shape) {
        double gemm = Math.min(12, Math.max(1, shape.m() / 32.0));
        return seconds(flops, threads) / gemm;
    }

    /** A warning for steps above {@link #MAX_STEPS} ("--nt 100000 ..."), or null. */
    public static String stepsWarning(String flag, int nt) {
        if (nt <= MAX_STEPS) return null;
        return String.format(Locale.ROOT, "%s %d is far beyond the %d RK4 steps this warning allows (the recipes use 8 to 16): "
                + "each step evaluates Phi and its trace 4 times per sample", flag, nt, MAX_STEPS);
    }

    /** A warning when {@code flops} take longer than {@link #SLOW_SECONDS} ("one training iteration ..."), or null. */
    public static String slowWarning(String what, double flops, int threads) {
        return slowWarning(what, seconds(flops, threads), flops, threads);
    }

    /** {@link #slowWarning(String, double, int)} with the rate of a model of {@code shape} ({@link #seconds(double, int, PhiShape)}). */
    public static String slowWarning(String what, double flops, int threads, PhiShape shape) {
        return slowWarning(what, seconds(flops, threads, shape), flops, threads);
    }

    private static String slowWarning(String what, double sec, double flops, int threads) {
        if (sec <= SLOW_SECONDS) return null;
        return String.format(Locale.ROOT, "%s is about %s floating-point operations: roughly %s on %d thread%s", what,
                MemoryEstimate.count(flops), duration(sec), threads, threads == 1 ? "" : "s");
    }

    /** "45 s", "12 minutes", "3.5 hours", "2.0 days". */
    public static String duration(double sec) {
        if (sec < 120) return String.format(Locale.ROOT, "%.0f s", sec);
        if (sec < 7200) return String.format(Locale.ROOT, "%.0f minutes", sec / 60);
        if (sec < 172800) return String.format(Locale.ROOT, "%.1f hours", sec / 3600);
        return String.format(Locale.ROOT, "%.1f days", sec / 86400);
    }
}
