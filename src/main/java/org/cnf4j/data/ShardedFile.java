package org.cnf4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.cnf4j.format.MatrixFile;

/**
 * One shard of a .npy or CSV file ({@link DataShard}), read without holding the whole file: the same rows, after the
 * same shuffle, dequantisation, split and standardisation as {@link DataSets#load} gives a single process, but only
 * this shard's rows are kept (memory: its rows plus 4 bytes per file row for the shuffle). The file is streamed
 * four times: {@link #open} counts the rows and finds the range and whether they are integers; {@link #load} then
 * finds each column's range and constancy, its mean, and its spread while keeping the shard's rows.
 *
 * <p>The rows kept are bit for bit those of the in-memory path (the shuffle is replayed on row numbers, and the
 * dequantisation noise of row position p, column j is draw {@code p * d + j} of the same generator, reached directly).
 * The mean and standard deviation are summed in file order instead of shuffled order, so they can differ from the
 * in-memory ones in the last bits; the standardised rows then differ by round-off, not more.
 */
public final class ShardedFile {
    private final Path file;
    private final String name;
    private final DataSets.Options options;
    private final int n, d;
    private final int[] position;   // file row -> row position after the shuffle
    private final Dataset.Dequantisation deq;
    private final long noiseSeed;
    private final Preprocessing.SplitSizes split;
    private final List<String> notes = new ArrayList<>();

    private ShardedFile(Path file, String name, DataSets.Options o, int n, int d, int[] position, Dataset.Dequantisation deq, long noiseSeed) {
        this.file = file;
        this.name = name;
        this.options = o;
        this.n = n;
        this.d = d;
        this.position = position;
        this.deq = deq;
        this.noiseSeed = noiseSeed;
        this.split = Preprocessing.split(n);
    }

    /**
     * Streams the file once: its size, whether it is integer-valued (then dequantised, as {@link DataSets#load} does)
     * and the shuffle. Only a regular file can be read the several times this takes.
     */
    public static ShardedFile open(Path file, String name, long seed, DataSets.Options o) throws IOException {
        if (Files.exists(file) && !Files.isDirectory(file) && !Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": reading one shard streams the file several times, so it must be a regular file, not a pipe or device; "
                    + "save the data to a file first");
        }
        double[] range = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        boolean[] integer = {true};
        MatrixFile.Shape shape = MatrixFile.scan(file, (row, i) -> {
            for (double v : row) {
                range[0] = Math.min(range[0], v);
                range[1] = Math.max(range[1], v);
                if (!(Math.abs(v) < Preprocessing.INTEGER_LIMIT) || v != Math.rint(v)) integer[0] = false;
            }
        });
        String where = file.toString();
        if (shape.rows() < 3) throw new IllegalArgumentException(where + ": only " + shape.rows() + " data row(s); need at least 3 to split into train, validation and test");
        if (shape.rows() > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(where + ": more than 2^31 rows; split the file");
        int n = (int) shape.rows(), d = shape.cols();
        SplittableRandom seeds = new SplittableRandom(seed);
        long shuffleSeed = seeds.nextLong(), noiseSeed = seeds.nextLong();
        int[] position = new int[n];
        List<String> notes = new ArrayList<>();
        notes.add("read " + n + " x " + d + " from " + where);
        if (o.shuffle()) {
            // Preprocessing.shuffleRows replayed on row numbers: at[p] is the file row that ends at position p
            int[] at = new int[n];
            for (int i = 0; i < n; i++) at[i] = i;
            SplittableRandom rng = new SplittableRandom(shuffleSeed);
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = at[i];
                at[i] = at[j];
                at[j] = t;
            }
            for (int p = 0; p < n; p++) position[at[p]] = p;
            notes.add("rows shuffled before the split (seed " + seed + ")");
        } else {
            for (int i = 0; i < n; i++) position[i] = i;
        }
        if (o.dequantise() == DataSets.Dequantise.ON && !integer[0]) {
            throw new IllegalArgumentException(where + ": dequantisation was asked for but the data are not all whole numbers below 2^53 in magnitude; turn it off (or AUTO) for continuous data");
        }
        Dataset.Dequantisation deq = null;
        if (integer[0] && o.dequantise() != DataSets.Dequantise.OFF) {
            deq = new Dataset.Dequantisation(range[0], range[1] - range[0] + 1);
            notes.add("integer-valued data dequantised: x' = (x - " + DataSets.fmt(deq.offset()) + " + u) / " + DataSets.fmt(deq.scale()) + ", u ~ U(0,1)");
        }
        ShardedFile f = new ShardedFile(file, name, o, n, d, position, deq, noiseSeed);
        f.notes.addAll(notes);
        return f;
    }

    /** Rows and columns of the file. */
    public int rows() { return n; }

    public int cols() { return d; }

    /** The whole data set's split. */
    public Preprocessing.SplitSizes split() { return split; }

    /**
     * Shard r of S (see {@link DataShard}), validating on the first {@code validationBatch} validation rows: three more
     * passes over the file. A constant column, or a value that overflows when standardised, is refused as
     * {@link DataSets#load} refuses it, whichever shard is asked for.
     */
    public DataShard load(int r, int shards, int validationBatch) throws IOException {
        DataShard.requireShards(split.train(), split.validation(), shards);
        if (r < 0 || r >= shards) throw new IllegalArgumentException("shard " + r + " is not among 0.." + (shards - 1));
        int nTrain = split.train(), nVal = split.validation(), fit = nTrain + nVal;
        // pass 2: each column's largest magnitude and constancy over train + validation (order-free, as columnStats)
        double[] scale = new double[d], firstValue = new double[d];
        boolean[] constant = new boolean[d], seen = {false};
        Arrays.fill(constant, true);
        double[] x = new double[d];
        scan((row, p) -> {
            if (p >= fit) return;
            for (int j = 0; j < d; j++) {
                scale[j] = Math.max(scale[j], Math.abs(row[j]));
                if (!seen[0]) firstValue[j] = row[j];
                else if (row[j] != firstValue[j]) constant[j] = false;
            }
            seen[0] = true;
        }, x);
        int[] shift = new int[d];
        for (int j = 0; j < d; j++) shift[j] = scale[j] > 0 ? -Preprocessing.exponent(scale[j]) : 0;
        // pass 3: the mean, summed in file order
        double[] sum = new double[d];
        scan((row, p) -> {
            if (p >= fit) return;
            for (int j = 0; j < d; j++) sum[j] += Math.scalb(row[j], shift[j]);
        }, x);
        double[] scaledMean = new double[d], mean = new double[d];
        for (int j = 0; j < d; j++) {
            scaledMean[j] = sum[j] / fit;
            mean[j] = constant[j] ? firstValue[j] : Math.scalb(scaledMean[j], -shift[j]);
        }
        List<Integer> flat = new ArrayList<>();
        for (int j = 0; j < d; j++) if (constant[j]) flat.add(j);
        if (!flat.isEmpty()) throw new IllegalArgumentException(name + ": " + Preprocessing.constantMessage(flat, mean));
        // pass 4: the spread, the largest distance from the mean (for the overflow check) and the shard's rows
        int tl = DataShard.lo(nTrain, r, shards), th = DataShard.hi(nTrain, r, shards);
        int vl = nTrain + DataShard.lo(validationBatch, r, shards), vh = nTrain + DataShard.hi(validationBatch, r, shards);
        int sl = fit + DataShard.lo(split.test(), r, shards), sh = fit + DataShard.hi(split.test(), r, shards);
        double[] train = new double[(th - tl) * d], val = new double[(vh - vl) * d], test = new double[(sh - sl) * d];
        double[] squares = new double[d], far = new double[d], farRaw = new double[d], sums = new double[d * d], centred = new double[d];
        scan((row, p) -> {
            for (int j = 0; j < d; j++) {
                double dev = Math.abs(row[j] - mean[j]);
                if (!(dev <= far[j])) {
                    far[j] = dev;
                    farRaw[j] = row[j];
                }
            }
            if (p < fit) {
                for (int j = 0; j < d; j++) {
                    double c = Math.scalb(row[j], shift[j]) - scaledMean[j];
                    squares[j] += c * c;
                    centred[j] = c;
                }
                Preprocessing.addOuter(sums, centred, 0, d);
            }
            if (p >= tl && p < th) System.arraycopy(row, 0, train, (p - tl) * d, d);
            else if (p >= vl && p < vh) System.arraycopy(row, 0, val, (p - vl) * d, d);
            else if (p >= sl && p < sh) System.arraycopy(row, 0, test, (p - sl) * d, d);
        }, x);
        double[] std = new double[d];
        for (int j = 0; j < d; j++) std[j] = Math.scalb(Math.sqrt(squares[j] / fit), -shift[j]);
        for (int j = 0; j < d; j++) {
            // |x - mean| / std is largest at the row farthest from the mean: if it is finite, every row's is
            if (!Double.isFinite(far[j] / std[j])) {
                throw new IllegalArgumentException(name + ": the value " + raw(farRaw[j]) + " in column " + (j + 1)
                        + " overflows when standardised (|x - mean| / std is beyond the double range); rescale that column");
            }
        }
        Preprocessing.requireIndependentColumns(name, sums, d, fit);
        Preprocessing.standardise(train, mean, std);
        Preprocessing.standardise(val, mean, std);
        Preprocessing.standardise(test, mean, std);
        List<String> all = new ArrayList<>(notes);
        all.add("split " + nTrain + " / " + nVal + " / " + split.test() + " rows (train / validation / test); standardised with train+validation mean and std");
        Dataset part = new Dataset(name, d, train, th - tl, val, vh - vl, test, sh - sl, mean, std, deq,
                DataShard.withNote(all, r, shards, th - tl, vh - vl, sh - sl));
        return new DataShard(part, r, 1, shards, split, validationBatch);
    }

    /** The file's value behind a dequantised one, for messages. */
    private double raw(double v) {
        return deq == null ? v : Math.floor(v * deq.scale()) + deq.offset();
    }

    /** Receives a preprocessed row with its position after the shuffle. */
    private interface PositionedRow {
        void accept(double[] row, int position);
    }

    /** Streams the file's rows dequantised (where that applies) into {@code sink}, in file order. */
    private void scan(PositionedRow sink, double[] buf) throws IOException {
        MatrixFile.Shape shape = MatrixFile.scan(file, (row, i) -> {
            if (i >= n || row.length != d) throw new IllegalArgumentException(file + ": the file changed while it was read; read it again");
            int p = position[(int) i];
            if (deq == null) {
                System.arraycopy(row, 0, buf, 0, d);
            } else {
                double off = deq.offset(), s = deq.scale();
                for (int j = 0; j < d; j++) buf[j] = (row[j] - off + noise(noiseSeed, (long) p * d + j)) / s;
            }
            sink.accept(buf, p);
        });
        if (shape.rows() != n) throw new IllegalArgumentException(file + ": the file changed while it was read; read it again");
    }

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    /**
     * Draw k (0-based) of {@code new SplittableRandom(seed).nextDouble()}, without the k draws before it: the generator
     * is a counter (seed + (k + 1) * gamma) passed through a fixed mixing function (the JDK's SplitMix64, specified in
     * SplittableRandom's documentation; {@code ShardedFileTest} checks that the two agree).
     */
    static double noise(long seed, long k) {
        long z = seed + (k + 1) * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }
}
