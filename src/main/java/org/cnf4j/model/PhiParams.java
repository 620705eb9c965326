package org.cnf4j.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * All parameters of Phi in one flat double vector (what the optimiser and checkpoints see), with
 * named row-major tensors that follow the reference's PyTorch state_dict keys, so that its .npy
 * weights load one to one:
 * {@code A} (r, d+1), {@code c.weight} (1, d+1), {@code c.bias} (1), {@code w.weight} (1, m),
 * {@code N.layers.i.weight} (m, fan_in), {@code N.layers.i.bias} (m).
 */
public final class PhiParams {
    /** One named tensor inside the flat vector. */
    public record Tensor(String name, int offset, int rows, int cols) {
        public int size() { return rows * cols; }

        /** Its shape in a PyTorch state_dict, as exported to .npy: biases are 1-D (m,), everything else (rows, cols). */
        public int[] stateDictShape() { return name.endsWith(".bias") ? new int[] {size()} : new int[] {rows, cols}; }
    }

    public final PhiShape shape;
    public final double[] data;
    private final Map<String, Tensor> tensors;

    public PhiParams(PhiShape shape) { this(shape, new double[layout(shape).values().stream().mapToInt(Tensor::size).sum()]); }

    public PhiParams(PhiShape shape, double[] data) {
        this.shape = shape;
        this.tensors = layout(shape);
        int total = tensors.values().stream().mapToInt(Tensor::size).sum();
        if (data.length != total) throw new IllegalArgumentException("expected " + total + " parameters, got " + data.length);
        this.data = data;
    }

    /**
     * How many parameters a model of shape s has, in long arithmetic (the layout's int sizes overflow for widths beyond
     * about 46000): r(d+1) + (d+1) + 1 + m + m(d+1) + m + (nTh-1)(m^2 + m).
     */
    public static long count(PhiShape s) {
        long d1 = s.d() + 1L, m = s.m();
        return s.r() * d1 + d1 + 1 + m + m * d1 + m + (s.nTh() - 1L) * (m * m + m);
    }

    private static Map<String, Tensor> layout(PhiShape s) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        int[] off = {0};
        java.util.function.BiConsumer<String, int[]> add = (name, rc) -> {
            t.put(name, new Tensor(name, off[0], rc[0], rc[1]));
            off[0] += rc[0] * rc[1];
        };
        add.accept("A", new int[] {s.r(), s.d() + 1});
        add.accept("c.weight", new int[] {1, s.d() + 1});
        add.accept("c.bias", new int[] {1, 1});
        add.accept("w.weight", new int[] {1, s.m()});
        for (int i = 0; i < s.nTh(); i++) {
            add.accept(layerWeight(i), new int[] {s.m(), s.fanIn(i)});
            add.accept(layerBias(i), new int[] {1, s.m()});
        }
        return Collections.unmodifiableMap(t);
    }

    public static String layerWeight(int i) { return "N.layers." + i + ".weight"; }

    public static String layerBias(int i) { return "N.layers." + i + ".bias"; }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("no parameter named " + name);
        return t;
    }

    public List<Tensor> tensors() { return new ArrayList<>(tensors.values()); }

    public int size() { return data.length; }

    public double get(String name, int r, int c) { Tensor t = tensor(name); return data[t.offset() + r * t.cols() + c]; }

    public double[] copyOf(String name) {
        Tensor t = tensor(name);
        return java.util.Arrays.copyOfRange(data, t.offset(), t.offset() + t.size());
    }

    public void set(String name, double[] values) {
        Tensor t = tensor(name);
        if (values.length != t.size()) {
            throw new IllegalArgumentException(name + ": expected " + t.size() + " values, got " + values.length);
        }
        System.arraycopy(values, 0, data, t.offset(), values.length);
    }

    public PhiParams copy() { return new PhiParams(shape, data.clone()); }

    /**
     * The reference initialisation (ALGORITHMS.md section 2): w = 1, c = 0, A Xavier-uniform, every
     * K_i, b_i uniform in +-1/sqrt(fan_in) (PyTorch's Linear default), layers 2.. copies of layer 1.
     */
    public static PhiParams initialise(PhiShape s, long seed) {
        PhiParams p = new PhiParams(s);
        SplittableRandom rng = new SplittableRandom(seed);
        double a = Math.sqrt(6.0 / (s.r() + s.d() + 1));
        uniform(p, "A", a, rng);
        java.util.Arrays.fill(p.data, p.tensor("w.weight").offset(), p.tensor("w.weight").offset() + s.m(), 1.0);
        for (int i = 0; i < Math.min(2, s.nTh()); i++) {
            double bound = 1.0 / Math.sqrt(s.fanIn(i));
            uniform(p, layerWeight(i), bound, rng);
            uniform(p, layerBias(i), bound, rng);
        }
        for (int i = 2; i < s.nTh(); i++) {
            p.set(layerWeight(i), p.copyOf(layerWeight(1)));
            p.set(layerBias(i), p.copyOf(layerBias(1)));
        }
        return p;
    }

    private static void uniform(PhiParams p, String name, double bound, SplittableRandom rng) {
        Tensor t = p.tensor(name);
        for (int i = 0; i < t.size(); i++) p.data[t.offset() + i] = (2 * rng.nextDouble() - 1) * bound;
    }
}
