package org.cnf4j.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.cnf4j.model.PhiParams;
import org.cnf4j.ode.Alpha;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.ode.Tableau;

/**
 * Wall-clock timing of the OT-Flow loss, with and without parameter gradients: the Java side of
 * {@code shared/bench/torch_otflow.py}. Each timing runs {@code warmup} untimed evaluations, then
 * {@code reps} timed ones, and reports median, min and max in seconds.
 */
public final class LossBenchmark {
    private LossBenchmark() {}

    /** Summary of {@code reps} timed runs; {@code last} is the result of the final run. */
    public record Timing(double medianS, double minS, double maxS, int reps, LossResult last) {
        /** Euclidean norm of the last run's parameter gradient, or NaN when none was computed. */
        public double gradNorm() {
            double[] g = last.gradient();
            if (g == null) return Double.NaN;
            double s = 0;
            for (double v : g) s += v * v;
            return Math.sqrt(s);
        }
    }

    /** Times {@code engine.loss(...)}; {@code withGradient} selects forward only or forward + all gradients. */
    public static Timing time(FlowEngine engine, PhiParams p, double[] x, int n, int nt, Tableau tab, Alpha alpha,
                              boolean withGradient, int warmup, int reps) {
        if (reps < 1) throw new IllegalArgumentException("reps must be >= 1, got " + reps);
        if (warmup < 0) throw new IllegalArgumentException("warmup must be >= 0, got " + warmup);
        double[] ts = new double[reps];
        LossResult last = null;
        for (int it = 0; it < warmup + reps; it++) {
            long t0 = System.nanoTime();
            last = engine.loss(p, x, n, nt, tab, alpha, withGradient);
            long dt = System.nanoTime() - t0;
            if (it >= warmup) ts[it - warmup] = dt * 1e-9;
        }
        return summarise(ts, last);
    }

    static Timing summarise(double[] ts, LossResult last) {
        double[] s = ts.clone();
        Arrays.sort(s);
        int k = s.length;
        double median = (k % 2 == 1) ? s[k / 2] : 0.5 * (s[k / 2 - 1] + s[k / 2]);
        return new Timing(median, s[0], s[k - 1], k, last);
    }

    /** n x d standard normal inputs, row-major, reproducible from {@code seed}. */
    public static double[] gaussianInputs(int n, int d, long seed) {
        // a stream distinct from the one PhiParams.initialise draws from the same seed
        SplittableRandom rng = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        double[] x = new double[Math.multiplyExact(n, d)];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextGaussian();
        return x;
    }

    /** Peak resident set size of the whole process (VmHWM, includes off-heap memory) in MB, or NaN if unknown. */
    public static double peakRssMb() { return procStatusMb("VmHWM:"); }

    /** Current resident set size of the whole process (VmRSS) in MB, or NaN if unknown. */
    public static double currentRssMb() { return procStatusMb("VmRSS:"); }

    private static double procStatusMb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith(key)) {
                    String[] parts = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) / 1024.0;   // reported in kB
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
