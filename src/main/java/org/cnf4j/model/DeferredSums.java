package org.cnf4j.model;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.cnf4j.backend.Mat;

/**
 * Sums over a chunk's samples that feed parameter gradients, kept per sample until the chunk's backward pass ends.
 *
 * <p>Each RK stage's adjoint adds, for every gradient entry of K0, the biases and w, a sum over the chunk's samples.
 * A float sum is a serial chain that C2 does not vectorise (its order is fixed): measured here 0.35-0.55 ns per
 * element, and at the toy size these sums were the largest single item of the Java time of a training step (JFR).
 * The gradient is linear in them, so each stage instead adds its per-sample terms into a per-sample row of the entry
 * ({@code row[n] += x[n] y[n]}: a vectorised loop, 0.08 ns per element), and {@link #flush} sums each row once per
 * chunk, in double.
 *
 * <p>Rows are allocated on first use for a target and reused for every later chunk of the same kernel.
 * {@link #floats} counts what they may take, for the memory estimates.
 */
final class DeferredSums {
    private final int cs;
    /** Row-sum targets: double[] target -> its m x cs rows, one flat array (same layout as the summed matrices). */
    private final Map<double[], float[]> flat = new IdentityHashMap<>();
    /** Entry-wise targets (dot products): target -> one per-sample row per entry. */
    private final Map<Object, float[][]> rows = new IdentityHashMap<>();
    /** Targets in first-use order, so that flushing is deterministic. */
    private final List<Object> order = new ArrayList<>();
    private boolean dirty;

    DeferredSums(int cs) { this.cs = cs; }

    /**
     * The floats of the rows a kernel of this shape may defer (see {@link FloatLoops}): the row sums of the biases,
     * w and c (m per layer, m, d + 1), the K0 entries (m (d + 1)), dLoss/dK0x and its weights (m d + m) and the
     * quadratic term's d + 1 squared, each cs samples long.
     */
    static double floats(PhiShape s, int cs) {
        double m = s.m(), d1 = s.d() + 1;
        return cs * ((s.nTh() + 1) * m + d1 + m * d1 + m * s.d() + m + d1 * d1);
    }

    /** The per-sample rows of {@code target}'s row sums: m x cs, entry j's samples at [j cs, (j+1) cs). */
    float[] flatRows(double[] target) {
        dirty = true;
        float[] f = flat.get(target);   // not computeIfAbsent: its capturing lambda was allocated on every call
        if (f == null) {
            flat.put(target, f = new float[target.length * cs]);
            order.add(target);
        }
        return f;
    }

    /** The per-sample rows of {@code target}'s entries (a double[] or a {@link Mat}, entry i in row i). */
    float[][] entryRows(Object target, int entries) {
        dirty = true;
        float[][] r = rows.get(target);
        if (r == null) {
            rows.put(target, r = new float[entries][cs]);
            order.add(target);
        }
        return r;
    }

    /** Adds each row's sum (in double) to its target entry and zeroes the rows. */
    void flush() {
        if (!dirty) return;
        for (Object t : order) {
            float[] f = flat.get(t);
            if (f != null) {
                double[] target = (double[]) t;
                for (int j = 0; j < target.length; j++) target[j] += sum(f, j * cs);
                java.util.Arrays.fill(f, 0);
                continue;
            }
            float[][] r = rows.get(t);
            for (int i = 0; i < r.length; i++) {
                double v = sum(r[i], 0);
                if (t instanceof Mat mt) mt.set(i, mt.get(i) + v);
                else ((double[]) t)[i] += v;
                java.util.Arrays.fill(r[i], 0);
            }
        }
        dirty = false;
    }

    /** Drops what was deferred since the last {@link #flush} (a new accumulation starts). */
    void discard() {
        if (!dirty) return;
        for (float[] f : flat.values()) java.util.Arrays.fill(f, 0);
        for (float[][] r : rows.values()) for (float[] x : r) java.util.Arrays.fill(x, 0);
        dirty = false;
    }

    private double sum(float[] x, int off) {
        double s = 0;
        for (int n = off, end = off + cs; n < end; n++) s += x[n];
        return s;
    }
}
