package org.cnf4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Some of the S fixed shards of a data set, for batches drawn shard by shard (see {@code train.DatasetBatchSource}).
 * Shard r holds block r of the training rows and of the test rows ({@link #lo lo(n, r, S)} to {@link #hi hi(n, r,
 * S)} of each, in the data set's shuffled order, so the S blocks of a split are its rows in order), and block r of
 * the validation batch (the first {@code validationBatch} validation rows, the rows every training run validates
 * on). A data-parallel task of S tasks holds its own shard only ({@link ShardedFile} reads it without holding the
 * rest); a single process holds all S ({@link #whole}) and reproduces the tasks' batches. With S = 1 the one shard
 * is the data set, and its batches are the usual ones.
 *
 * @param rows            the held shards' rows, block after block; mean, std and dequantisation are the whole data set's
 * @param first           the first held shard (0-based)
 * @param held            how many consecutive shards are held
 * @param count           S, the number of shards
 * @param total           the row counts of the whole data set's splits
 * @param validationBatch the validation rows that are cut into blocks (all of the split for {@link #whole})
 */
public record DataShard(Dataset rows, int first, int held, int count, Preprocessing.SplitSizes total, int validationBatch) {
    public DataShard {
        if (count < 1) throw new IllegalArgumentException("the number of shards must be >= 1, got " + count);
        if (first < 0 || held < 1 || first + held > count) throw new IllegalArgumentException("shards " + first + ".." + (first + held - 1) + " are not among 0.." + (count - 1));
        if (validationBatch < count || validationBatch > total.validation()) {
            throw new IllegalArgumentException("a validation batch of " + validationBatch + " rows cannot be cut into " + count + " shards of "
                    + total.validation() + " validation rows");
        }
        if (rows.nTrain() != span(total.train(), first, held, count) || rows.nValidation() != span(validationBatch, first, held, count)
                || rows.nTest() != span(total.test(), first, held, count)) {
            throw new IllegalArgumentException("the rows held do not match shards " + first + ".." + (first + held - 1) + " of " + count);
        }
    }

    /** First row of block r of n rows cut into s blocks (the blocks differ in length by at most one). */
    public static int lo(int n, int r, int s) { return (int) ((long) n * r / s); }

    /** One past the last row of block r. */
    public static int hi(int n, int r, int s) { return (int) ((long) n * (r + 1) / s); }

    /** The lengths of the s blocks of n rows. */
    public static int[] sizes(int n, int s) {
        int[] out = new int[s];
        for (int r = 0; r < s; r++) out[r] = hi(n, r, s) - lo(n, r, s);
        return out;
    }

    /** Rows in blocks first..first+held-1 of n rows. */
    static int span(int n, int first, int held, int s) { return hi(n, first + held - 1, s) - lo(n, first, s); }

    /** The whole data set as S shards, all held: what a single process trains on to reproduce S data-parallel tasks. */
    public static DataShard whole(Dataset ds, int shards) {
        requireShards(ds.nTrain(), ds.nValidation(), shards);
        return new DataShard(ds, 0, shards, shards, new Preprocessing.SplitSizes(ds.nTrain(), ds.nValidation(), ds.nTest()), ds.nValidation());
    }

    /** Shard r of S of a data set in memory (a copy of its blocks), validating on the first {@code validationBatch} rows. */
    public static DataShard cut(Dataset ds, int r, int shards, int validationBatch) {
        requireShards(ds.nTrain(), ds.nValidation(), shards);
        if (r < 0 || r >= shards) throw new IllegalArgumentException("shard " + r + " is not among 0.." + (shards - 1));
        int d = ds.d();
        int tl = lo(ds.nTrain(), r, shards), th = hi(ds.nTrain(), r, shards);
        int vl = lo(validationBatch, r, shards), vh = hi(validationBatch, r, shards);
        int sl = lo(ds.nTest(), r, shards), sh = hi(ds.nTest(), r, shards);
        Dataset part = new Dataset(ds.name(), d, Arrays.copyOfRange(ds.train(), tl * d, th * d), th - tl,
                Arrays.copyOfRange(ds.validation(), vl * d, vh * d), vh - vl, Arrays.copyOfRange(ds.test(), sl * d, sh * d), sh - sl,
                ds.mean(), ds.std(), ds.dequantisation(), withNote(ds.notes(), r, shards, th - tl, vh - vl, sh - sl));
        return new DataShard(part, r, 1, shards, new Preprocessing.SplitSizes(ds.nTrain(), ds.nValidation(), ds.nTest()), validationBatch);
    }

    static List<String> withNote(List<String> notes, int r, int shards, int train, int val, int test) {
        List<String> out = new ArrayList<>(notes);
        out.add("shard " + (r + 1) + " of " + shards + ": " + train + " / " + val + " / " + test + " rows held (train / validation batch / test)");
        return out;
    }

    /** Every shard needs training and validation rows. */
    static void requireShards(int nTrain, int nValidation, int shards) {
        if (shards < 1) throw new IllegalArgumentException("--batch-shards must be >= 1, got " + shards);
        if (shards > Math.min(nTrain, nValidation)) {
            throw new IllegalArgumentException("--batch-shards " + shards + " is more than the " + Math.min(nTrain, nValidation)
                    + " rows of the " + (nTrain <= nValidation ? "training" : "validation") + " split; use fewer shards");
        }
    }

    /** The training rows of each of the S shards (all of them, held or not). */
    public int[] trainSizes() { return sizes(total.train(), count); }

    /**
     * The held part of the validation batch of {@code n} rows (the first n rows of the validation split, cut into S
     * blocks). A shard read for one batch size answers only that one.
     */
    public double[] validationBatch(int n) {
        if (n == validationBatch) return rows.validation().clone();
        if (!isWhole() || n < count || n > total.validation()) {
            throw new IllegalArgumentException("this shard holds a validation batch of " + validationBatch + " rows, not " + n);
        }
        return Arrays.copyOf(rows.validation(), n * rows.d());
    }

    /** The held shards' rows of a batch of n rows (n when all are held). */
    public int rowsOf(int n) { return span(n, first, held, count); }

    /** Which rows are held, in one line: "all 2430 training, ..." or "shard 2 of 4: 608 of 2430 training rows, ...". */
    public String describe() {
        String of = " of " + count + " shards";
        if (isWhole()) {
            return "all " + total.train() + " training, " + total.validation() + " validation and " + total.test() + " test rows"
                    + (count > 1 ? " (batches drawn from " + count + " shards)" : "");
        }
        return (held == 1 ? "shard " + (first + 1) : "shards " + (first + 1) + "-" + (first + held)) + of + ": " + rows.nTrain() + " of "
                + total.train() + " training rows, " + rows.nValidation() + " of " + validationBatch + " validation rows, " + rows.nTest() + " of "
                + total.test() + " test rows";
    }

    /** Whether this holds the whole data set. */
    public boolean isWhole() { return first == 0 && held == count; }
}
