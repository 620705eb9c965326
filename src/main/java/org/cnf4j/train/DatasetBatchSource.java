package org.cnf4j.train;

import java.util.SplittableRandom;

/**
 * Minibatches from a fixed training matrix (n x d, row-major), the reference's tabular loop: the rows are
 * shuffled once per epoch and cut into {@code floor(n / batch)} batches (the incomplete remainder is skipped).
 * The permutation of epoch e depends only on (seed, e), so {@code batch(size, draw)} is a pure function of
 * (seed, draw) and a resumed run sees exactly the batches of an uninterrupted one.
 */
public final class DatasetBatchSource implements BatchSource {
    private final double[] rows;
    private final int n, d;
    private final long seed;
    private int cachedEpoch = -1;
    private int[] perm;

    public DatasetBatchSource(double[] rows, int n, int d, long seed) {
        if (d < 1) throw new IllegalArgumentException("dimension must be >= 1, got " + d);
        if (n < 1) throw new IllegalArgumentException("the training set is empty");
        if ((long) n * d != rows.length) throw new IllegalArgumentException(n + " x " + d + " does not match " + rows.length + " values");
        this.rows = rows;
        this.n = n;
        this.d = d;
        this.seed = seed;
    }

    @Override public int dimension() { return d; }

    public int rows() { return n; }

    /** Batches per epoch for a batch size, or an error when the training set holds fewer rows than one batch. */
    public int batchesPerEpoch(int size) {
        if (size < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + size);
        if (size > n) {
            throw new IllegalArgumentException("the training split has " + n + " rows, fewer than one batch of " + size + "; lower --batch");
        }
        return n / size;
    }

    @Override
    public synchronized double[] batch(int size, int draw) {
        if (draw < 0) throw new IllegalArgumentException("draw must be >= 0");
        int per = batchesPerEpoch(size);
        int epoch = draw / per, k = draw % per;
        if (epoch != cachedEpoch) {
            perm = permutation(epoch);
            cachedEpoch = epoch;
        }
        double[] out = new double[size * d];
        for (int i = 0; i < size; i++) System.arraycopy(rows, perm[k * size + i] * d, out, i * d, d);
        return out;
    }

    private int[] permutation(int epoch) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L * (epoch + 1L));
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
