package org.cnf4j.data;
import org.cnf4j.format.MatrixFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One entry point for the {@code --data SOURCE} strings of the command line.
 *
 * <p>SOURCE syntax (checked in this order):
 * <ul>
 * <li>a toy name: {@code swissroll, 8gaussians, pinwheel, circles, moons, 2spirals, checkerboard, rings}
 *     (case-insensitive). Train, validation and test are independent seeded draws of
 *     {@link Options#toyTrain()}, {@link Options#toyValidation()}, {@link Options#toyTest()} points; not
 *     standardised (the reference trains on the raw toy coordinates).</li>
 * <li>{@code maf:NAME} or {@code maf:NAME:ROOT}: a MAF tabular set, NAME one of {@code power, gas, hepmass, miniboone,
 *     bsds300} (case-insensitive), in the archive layout under ROOT (everything after the second colon, so it may
 *     itself contain colons). Without ROOT: {@link Options#mafRoot()}, else the environment variable
 *     {@code CNF4J_MAF_ROOT}, else {@code data} (where the archive's data.tar.gz unpacks). See {@link MafData}.</li>
 * <li>anything else is a path to a .npy or CSV file (see {@link MatrixFile}): optionally shuffled
 *     ({@link Options#shuffle()}, on by default), dequantised when integer-valued ({@link Options#dequantise()}),
 *     split and standardised as in {@link Preprocessing}. A word without a folder or extension that is not an
 *     existing file is reported as an unknown data set with the list of valid forms.</li>
 * </ul>
 *
 * Seeds: the toy draws, the shuffle and the dequantisation noise all derive from the one {@code seed}; the MAF sets
 * ignore it (POWER's noise uses the reference's fixed RandomState(42)).
 */
public final class DataSets {
    private DataSets() {}

    /** Dequantisation of integer-valued file data: AUTO detects it, ON requires it, OFF never dequantises. */
    public enum Dequantise { AUTO, ON, OFF }

    /**
     * Loading options.
     *
     * @param mafRoot the default MAF root for {@code maf:NAME}; null for CNF4J_MAF_ROOT or {@code data}
     */
    public record Options(int toyTrain, int toyValidation, int toyTest, boolean shuffle, Dequantise dequantise, Path mafRoot) {
        public Options {
            if (toyTrain < 1 || toyValidation < 1 || toyTest < 1) {
                throw new IllegalArgumentException("toy set sizes must be >= 1, got " + toyTrain + " / " + toyValidation + " / " + toyTest);
            }
            if (dequantise == null) throw new IllegalArgumentException("dequantise must be AUTO, ON or OFF");
        }

        /** 100,000 / 10,000 / 10,000 toy points, shuffle on, dequantise AUTO, default MAF root. */
        public static Options defaults() { return new Options(100_000, 10_000, 10_000, true, Dequantise.AUTO, null); }

        public Options withToySizes(int train, int validation, int test) { return new Options(train, validation, test, shuffle, dequantise, mafRoot); }
        public Options withShuffle(boolean s) { return new Options(toyTrain, toyValidation, toyTest, s, dequantise, mafRoot); }
        public Options withDequantise(Dequantise q) { return new Options(toyTrain, toyValidation, toyTest, shuffle, q, mafRoot); }
        public Options withMafRoot(Path root) { return new Options(toyTrain, toyValidation, toyTest, shuffle, dequantise, root); }
    }

    /** Whether {@code source} names a toy density (an endless sampler rather than a finite data set). */
    public static boolean isToy(String source) {
        return source != null && ToyData.names().contains(source.trim().toLowerCase(Locale.ROOT));
    }

    /**
     * The SOURCE as a run directory saves it, so that it means the same from any working directory: a toy name in
     * lower case, a file as its absolute normalised path, {@code maf:NAME:ROOT} with ROOT absolute; {@code maf:NAME}
     * as it is (its root is the environment's, see the class comment). Null stays null.
     */
    public static String canonical(String source) {
        if (source == null || source.isBlank()) return source;
        String s = source.trim();
        if (isToy(s)) return s.toLowerCase(Locale.ROOT);
        if (s.toLowerCase(Locale.ROOT).startsWith("maf:")) {
            String[] parts = s.split(":", 3);
            return parts.length == 3 && !parts[2].isEmpty() ? parts[0] + ":" + parts[1] + ":" + absolute(Path.of(parts[2])) : s;
        }
        return absolute(Path.of(s)).toString();
    }

    /** The file a SOURCE reads (as given, relative paths against the working directory); null for toy and MAF sources. */
    public static Path file(String source) {
        if (source == null || source.isBlank() || isToy(source) || source.trim().toLowerCase(Locale.ROOT).startsWith("maf:")) return null;
        return Path.of(source.trim());
    }

    private static Path absolute(Path p) { return p.toAbsolutePath().normalize(); }

    /** A one-line description of the valid SOURCE forms, for help texts and error messages. */
    public static String validForms() {
        return "a toy name (" + String.join(", ", ToyData.names()) + "), a path to a .npy or .csv file, or maf:NAME[:ROOT] with NAME one of "
                + String.join(", ", MafData.NAMES);
    }

    /** {@link #load(String, long, Options)} with {@link Options#defaults()}. */
    public static Dataset load(String source, long seed) throws IOException {
        return load(source, seed, Options.defaults());
    }

    /**
     * Loads and preprocesses a data source (syntax in the class comment).
     *
     * @throws IOException              a file is missing, unreadable or not in its format
     * @throws IllegalArgumentException an unknown source, or contents that cannot be used (one-line message)
     */
    public static Dataset load(String source, long seed, Options options) throws IOException {
        if (source == null || source.isBlank()) throw new IllegalArgumentException("no data source given; use " + validForms());
        String s = source.trim();
        String lower = s.toLowerCase(Locale.ROOT);
        if (ToyData.names().contains(lower)) return toy(lower, seed, options);
        if (lower.startsWith("maf:")) {
            String[] parts = s.split(":", 3);
            String name = parts[1];
            if (!MafData.NAMES.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("unknown MAF data set '" + name + "' in '" + s + "'; use maf:NAME[:ROOT] with NAME one of " + String.join(", ", MafData.NAMES));
            }
            Path root = parts.length == 3 && !parts[2].isEmpty() ? Path.of(parts[2]) : defaultMafRoot(options);
            return MafData.load(name, root);
        }
        return file(dataFile(s), s, seed, options);
    }

    /** The file a SOURCE that is neither a toy nor a MAF set names; a bare word that is no file is an unknown source. */
    private static Path dataFile(String s) {
        Path file = Path.of(s);
        String ext = MatrixFile.extension(file);
        boolean pathLike = s.contains("/") || s.contains("\\") || !ext.isEmpty();
        // NOFOLLOW_LINKS: a bare word naming a broken or looping link is a file the user meant, reported as such by the reader
        if (!pathLike && !Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) throw new IllegalArgumentException("unknown data source '" + s + "'; use " + validForms());
        return file;
    }

    /**
     * A file SOURCE opened for reading one shard at a time ({@link ShardedFile}: streamed, never held whole), with the
     * preprocessing {@link #load} applies; null for a toy or MAF source, which is read whole and then cut
     * ({@link DataShard#cut}).
     */
    public static ShardedFile openShards(String source, long seed) throws IOException {
        if (source == null || isToy(source) || source.trim().toLowerCase(Locale.ROOT).startsWith("maf:")) return null;
        return ShardedFile.open(dataFile(source.trim()), source.trim(), seed, Options.defaults());
    }

    private static Path defaultMafRoot(Options options) {
        if (options.mafRoot() != null) return options.mafRoot();
        String env = System.getenv("CNF4J_MAF_ROOT");
        return Path.of(env != null && !env.isBlank() ? env : "data");
    }

    /** Three independent seeded draws of a toy density; mean 0, std 1 (no standardisation). */
    static Dataset toy(String name, long seed, Options o) {
        SplittableRandom seeds = new SplittableRandom(seed);
        double[] train = ToyData.sample(name, o.toyTrain(), seeds.nextLong());
        double[] val = ToyData.sample(name, o.toyValidation(), seeds.nextLong());
        double[] test = ToyData.sample(name, o.toyTest(), seeds.nextLong());
        return new Dataset(name, 2, train, o.toyTrain(), val, o.toyValidation(), test, o.toyTest(), new double[2], new double[] {1, 1}, null,
                List.of("toy " + name + ": independent draws of " + o.toyTrain() + " / " + o.toyValidation() + " / " + o.toyTest() + " points, not standardised"));
    }

    /** A user file: read, shuffle (optional), dequantise (integer data), split, standardise. */
    static Dataset file(Path file, String name, long seed, Options o) throws IOException {
        return matrix(MatrixFile.read(file), name, file.toString(), seed, o);
    }

    /**
     * Every row of a user file, in file order and in its own units, to evaluate a model on: nothing is shuffled, split
     * or standardised, so a file of two rows, or one with a column that is constant in it, is evaluated like any other.
     * Where {@code dequantise} holds (the model was trained on dequantised integers) and the file is integer-valued,
     * each value gets the noise u ~ U(0,1) that {@link #file} draws for this seed: the rows are the continuous points
     * x + u that training saw for such data, not the integers themselves.
     */
    public static MatrixFile.Matrix wholeFile(Path file, long seed, boolean dequantise) throws IOException {
        MatrixFile.Matrix m = MatrixFile.read(file);
        double[] x = m.data().clone();
        if (dequantise && Preprocessing.isIntegerValued(x)) {
            SplittableRandom noise = new SplittableRandom(noiseSeed(seed));
            for (int k = 0; k < x.length; k++) x[k] += noise.nextDouble();
        }
        return new MatrixFile.Matrix(m.rows(), m.cols(), x);
    }

    /** The seed of the dequantisation noise of a file loaded with {@code seed}: the second draw, after the shuffle's. */
    private static long noiseSeed(long seed) {
        SplittableRandom seeds = new SplittableRandom(seed);
        seeds.nextLong();
        return seeds.nextLong();
    }

    /**
     * Rows already in memory, treated exactly as a file with the same values: shuffled (optional), dequantised when
     * integer-valued, split and standardised. {@code where} names them in messages.
     */
    public static Dataset matrix(MatrixFile.Matrix m, String name, String where, long seed, Options o) {
        int n = m.rows(), d = m.cols();
        if (n < 3) throw new IllegalArgumentException(where + ": only " + n + " data row(s); need at least 3 to split into train, validation and test");
        double[] x = m.data().clone();
        long shuffleSeed = new SplittableRandom(seed).nextLong(), noiseSeed = noiseSeed(seed);
        List<String> notes = new ArrayList<>();
        notes.add("read " + n + " x " + d + " from " + where);
        if (o.shuffle()) {
            Preprocessing.shuffleRows(x, n, d, shuffleSeed);
            notes.add("rows shuffled before the split (seed " + seed + ")");
        }
        boolean integer = Preprocessing.isIntegerValued(x);
        Dataset.Dequantisation deq = null;
        if (o.dequantise() == Dequantise.ON && !integer) {
            throw new IllegalArgumentException(where + ": dequantisation was asked for but the data are not all whole numbers below 2^53 in magnitude; turn it off (or AUTO) for continuous data");
        }
        if (integer && o.dequantise() != Dequantise.OFF) {
            deq = Preprocessing.dequantise(x, noiseSeed);
            notes.add("integer-valued data dequantised: x' = (x - " + fmt(deq.offset()) + " + u) / " + fmt(deq.scale()) + ", u ~ U(0,1)");
        }
        return Preprocessing.splitAndStandardise(name, x, n, d, deq, notes);
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
