package org.cnf4j.train;

import java.util.SplittableRandom;
import org.cnf4j.data.DataShard;

/**
 * Minibatches from a fixed training matrix (n x d, row-major), the reference's tabular loop: the rows are
 * shuffled once per epoch and cut into {@code floor(n / batch)} batches (the incomplete remainder is skipped).
 * The permutation of epoch e depends only on (seed, e), so {@code batch(size, draw)} is a pure function of
 * (seed, draw) and a resumed run sees exactly the batches of an uninterrupted one.
 *
 * <p><b>Shards</b> ({@link #of(DataShard, long)}, {@code --batch-shards S}): the training rows are cut into S fixed
 * blocks ({@link DataShard}), each shuffled once per epoch by itself, and a batch of b rows is block r's next
 * {@code hi(b, r, S) - lo(b, r, S)} rows, for r = 0..S-1 in order; an epoch has as many batches as the block that
 * runs out first allows. A data-parallel task of S that holds only block r draws only its part, the same rows a single
 * process holding all S blocks puts at that place in the batch. With S = 1 this is the plain loop above, bit for bit.
 */
public final class DatasetBatchSource implements BatchSource {
    private final double[] rows;   // the held blocks' rows, block after block
    private final int d;
    private final long seed;
    private final int[] sizes;     // rows of every block, held or not
    private final int first, held;
    private final int[] offset;    // first row of each held block in rows
    private int cachedEpoch = -1;
    private int[][] perm;

    public DatasetBatchSource(double[] rows, int n, int d, long seed) {
        this(rows, d, seed, new int[] {n}, 0, 1);
        if (n < 1) throw new IllegalArgumentException("the training set is empty");
    }

    private DatasetBatchSource(double[] rows, int d, long seed, int[] sizes, int first, int held) {
        if (d < 1) throw new IllegalArgumentException("dimension must be >= 1, got " + d);
        this.rows = rows;
        this.d = d;
        this.seed = seed;
        this.sizes = sizes.clone();
        this.first = first;
        this.held = held;
        this.offset = new int[held];
        long n = 0;
        for (int h = 0; h < held; h++) {
            offset[h] = (int) n;
            n += sizes[first + h];
        }
        if (n * d != rows.length) throw new IllegalArgumentException(n + " x " + d + " does not match " + rows.length + " values");
    }

    /** The batches of a shard's (or the whole sharded data set's) training rows, seeded by {@code seed}. */
    public static DatasetBatchSource of(DataShard shard, long seed) {
        return over(shard, shard.rows().train(), seed);
    }

    /** Like {@link #of(DataShard, long)} over other rows of the same layout (the training rows pushed through maps). */
    public static DatasetBatchSource over(DataShard shard, double[] rows, long seed) {
        return new DatasetBatchSource(rows, shard.rows().d(), seed, shard.trainSizes(), shard.first(), shard.held());
    }

    @Override public int dimension() { return d; }

    /** The training rows held. */
    public int rows() { return rows.length / d; }

    /**
     * Batches per epoch for a batch size, or an error when the training set (or a shard of it) holds fewer rows than
     * its part of one batch.
     */
    public int batchesPerEpoch(int size) {
        if (size < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + size);
        int s = sizes.length;
        if (s == 1) {
            if (size > sizes[0]) {
                throw new IllegalArgumentException("the training split has " + sizes[0] + " rows, fewer than one batch of " + size + "; lower --batch");
            }
            return sizes[0] / size;
        }
        if (size < s) throw new IllegalArgumentException("a batch of " + size + " rows cannot be cut into " + s + " shards; raise --batch or lower --batch-shards");
        int per = Integer.MAX_VALUE;
        for (int r = 0; r < s; r++) {
            int part = DataShard.hi(size, r, s) - DataShard.lo(size, r, s);
            if (sizes[r] < part) {
                throw new IllegalArgumentException("shard " + (r + 1) + " of " + s + " has " + sizes[r] + " training rows, fewer than its " + part
                        + " rows of a batch of " + size + "; lower --batch");
            }
            per = Math.min(per, sizes[r] / part);
        }
        return per;
    }

    @Override
    public synchronized double[] batch(int size, int draw) {
        if (draw < 0) throw new IllegalArgumentException("draw must be >= 0");
        int per = batchesPerEpoch(size);
        int epoch = draw / per, k = draw % per;
        int s = sizes.length;
        if (epoch != cachedEpoch) {
            perm = new int[held][];
            for (int h = 0; h < held; h++) perm[h] = permutation(epoch, first + h);
            cachedEpoch = epoch;
        }
        double[] out = new double[(DataShard.hi(size, first + held - 1, s) - DataShard.lo(size, first, s)) * d];
        int at = 0;
        for (int h = 0; h < held; h++) {
            int r = first + h, part = DataShard.hi(size, r, s) - DataShard.lo(size, r, s);
            for (int i = 0; i < part; i++, at++) System.arraycopy(rows, (offset[h] + perm[h][k * part + i]) * d, out, at * d, d);
        }
        return out;
    }

    /** Block r's permutation in epoch e; block 0's is the unsharded loop's. */
    private int[] permutation(int epoch, int r) {
        int n = sizes[r];
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L * (epoch + 1L) + 0xD1B54A32D192ED03L * r);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
