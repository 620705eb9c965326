package org.cnf4j.data;
import org.cnf4j.format.MatrixFile;

import io.jhdf.HdfFile;
import io.jhdf.exceptions.HdfException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The MAF tabular sets (Papamakarios et al. 2017; also used by FFJORD and OT-Flow) from the data archive's layout
 * under a root folder (the unpacked {@code data.tar.gz} of zenodo record 1161203), with the reference preprocessing
 * of {@code maf/datasets/*.py} as closely as this project can reproduce it:
 *
 * <ul>
 * <li><b>POWER</b> {@code power/data.npy} (N x 8): shuffle the rows with NumPy's {@code RandomState(42)} (replicated
 *     bit for bit by {@link NumpyRandomState}), drop columns 3 then 1, add noise from the same generator drawn in the
 *     reference's order: voltage {@code 0.01 U} (column 1), then gap {@code 0.001 U} (column 0), then {@code U} for the
 *     three sub-metering columns 2..4, nothing for time (column 5); split; standardise with train+validation mean and
 *     std (ddof 0). d = 6.</li>
 * <li><b>GAS</b> {@code gas/ethylene_CO.pickle} is a pandas pickle, which Java cannot read: convert it once (the
 *     loader's error message gives the Python line) to {@code gas/ethylene_CO.npy} or {@code .csv}. Then: drop the
 *     columns Meth, Eth, Time (by header name in a CSV, with an unnamed pandas index column; the .npy of the conversion line has them dropped already);
 *     repeatedly drop the first column whose Pearson correlation exceeds 0.98 with any other column; standardise
 *     with the mean and std (ddof 1, pandas) of all rows; split (no shuffle). d = 8 on the real data.</li>
 * <li><b>HEPMASS</b> {@code hepmass/1000_train.csv} and {@code 1000_test.csv} (header {@code # label,f0,...}): keep
 *     the signal rows (label, the first column, equal to 1) and drop the label; the test file has one column too many
 *     ("because the data set is messed up", in the reference), so its last column is dropped when it is one wider
 *     than the train file; standardise both with the train mean and std (ddof 1, pandas); drop every feature in which
 *     the smallest train value occurs more than 5 times (the reference's {@code sorted(Counter(feature).items())[0]}
 *     count, which removes the discrete-valued features); validation = the last {@code int(0.1 N)} train rows; test
 *     from the test file. d = 21 on the real data.</li>
 * <li><b>MINIBOONE</b> {@code miniboone/data.npy}: split (no shuffle), standardise with train+validation mean and std
 *     (ddof 0). d = 43.</li>
 * <li><b>BSDS300</b> {@code BSDS300/BSDS300.hdf5}: the datasets {@code train}, {@code validation} and {@code test} as
 *     they are (already preprocessed 8x8 patches, d = 63); no standardisation (mean 0, std 1).</li>
 * </ul>
 *
 * Errors are one-line {@link IOException}s or {@link IllegalArgumentException}s naming the file and what to do.
 */
public final class MafData {
    /** The valid names, lower case. */
    public static final List<String> NAMES = List.of("power", "gas", "hepmass", "miniboone", "bsds300");

    private static final String ARCHIVE_HINT = "the MAF data archive (data.tar.gz, zenodo.org/record/1161203) unpacked under the root";

    static {
        // jhdf logs harmless format remarks at WARN ("buffer still has 3 bytes remaining" on h5py files); keep them
        // off the console unless the user configured jhdf's log level (slf4j-simple reads this when jhdf's loggers are made)
        if (System.getProperty("org.slf4j.simpleLogger.log.io.jhdf") == null) System.setProperty("org.slf4j.simpleLogger.log.io.jhdf", "error");
    }

    private MafData() {}

    /** Loads one of {@link #NAMES} (case-insensitive) from the archive layout under root. */
    public static Dataset load(String name, Path root) throws IOException {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
        return switch (n) {
            case "power" -> power(root);
            case "gas" -> gas(root);
            case "hepmass" -> hepmass(root);
            case "miniboone" -> miniboone(root);
            case "bsds300" -> bsds300(root);
            default -> throw new IllegalArgumentException("unknown MAF data set '" + name + "'; valid names: " + String.join(", ", NAMES));
        };
    }

    public static Dataset power(Path root) throws IOException {
        Path file = expect(root, "power/data.npy", "power");
        MatrixFile.Matrix m = MatrixFile.read(file);
        if (m.cols() != 8) throw new IllegalArgumentException(file + ": " + m.cols() + " columns, expected the archive's 8 (POWER drops columns 1 and 3 of 8)");
        int n = m.rows();
        double[] x = m.data().clone();
        NumpyRandomState rng = new NumpyRandomState(42);
        rng.shuffleRows(x, n, 8);
        x = Preprocessing.selectColumns(x, n, 8, new int[] {0, 2, 4, 5, 6, 7});
        int d = 6;
        for (int i = 0; i < n; i++) x[i * d + 1] += 0.01 * rng.rand();   // voltage noise, drawn first
        for (int i = 0; i < n; i++) x[i * d] += 0.001 * rng.rand();      // gap noise
        for (int i = 0; i < n; i++) for (int k = 2; k < 5; k++) x[i * d + k] += rng.rand(); // sub-metering noise, rand(N, 3)
        return Preprocessing.splitAndStandardise("maf:power", x, n, d, null,
                List.of("POWER: shuffled with RandomState(42), columns 1 and 3 dropped, uniform noise added as in the reference"));
    }

    public static Dataset miniboone(Path root) throws IOException {
        Path file = expect(root, "miniboone/data.npy", "miniboone");
        MatrixFile.Matrix m = MatrixFile.read(file);
        return Preprocessing.splitAndStandardise("maf:miniboone", m.data().clone(), m.rows(), m.cols(), null, List.of());
    }

    public static Dataset gas(Path root) throws IOException {
        Path npy = root.resolve("gas/ethylene_CO.npy"), csv = root.resolve("gas/ethylene_CO.csv"), pickle = root.resolve("gas/ethylene_CO.pickle");
        MatrixFile.Matrix m;
        if (Files.exists(npy)) {
            m = MatrixFile.read(npy);
        } else if (Files.exists(csv)) {
            MatrixFile.Table t = MatrixFile.readTable(csv);
            m = t.matrix();
            if (t.header() != null) {
                List<Integer> keep = new ArrayList<>();
                for (int j = 0; j < t.header().size(); j++) if (!List.of("Meth", "Eth", "Time", "").contains(t.header().get(j))) keep.add(j); // "": a pandas index column
                m = new MatrixFile.Matrix(m.rows(), keep.size(), Preprocessing.selectColumns(m.data(), m.rows(), m.cols(), keep.stream().mapToInt(Integer::intValue).toArray()));
            }
        } else if (Files.exists(pickle)) {
            throw new IllegalArgumentException(pickle + " is a pandas pickle, which cnf4j cannot read; convert it once with: python3 -c \"import numpy as np, pandas as pd; "
                    + "d = pd.read_pickle('" + pickle + "'); np.save('" + npy + "', d.drop(columns=['Meth', 'Eth', 'Time']).to_numpy('float64'))\"");
        } else {
            throw new NoSuchFileException(null, null, pickle + ": file not found (nor ethylene_CO.npy or .csv beside it); maf:gas expects " + ARCHIVE_HINT);
        }
        int n = m.rows();
        double[] x = m.data();
        int d = m.cols();
        List<Integer> dropped = new ArrayList<>();
        List<Integer> alive = new ArrayList<>();
        for (int j = 0; j < d; j++) alive.add(j);
        while (true) {
            int[] cols = alive.stream().mapToInt(Integer::intValue).toArray();
            int remove = firstHighlyCorrelated(x, n, d, cols, 0.98);
            if (remove < 0) break;
            dropped.add(alive.remove(remove));
        }
        int[] keep = alive.stream().mapToInt(Integer::intValue).toArray();
        x = Preprocessing.selectColumns(x, n, d, keep);
        d = keep.length;
        Preprocessing.Stats st = Preprocessing.columnStats(x, n, d, 1);
        List<String> notes = new ArrayList<>();
        notes.add("GAS: dropped " + dropped.size() + " column(s) correlated above 0.98" + (dropped.isEmpty() ? "" : " (" + Preprocessing.oneBased(dropped) + ")")
                + "; standardised with the mean and std (ddof 1) of all rows, as in the reference");
        addConstantNote(notes, st.std());
        Preprocessing.safeStd(st.std());
        Preprocessing.standardise(x, st.mean(), st.std());
        Preprocessing.SplitSizes s = Preprocessing.split(n);
        return new Dataset("maf:gas", d, Preprocessing.rows(x, d, 0, s.train()), s.train(),
                Preprocessing.rows(x, d, s.train(), s.train() + s.validation()), s.validation(),
                Preprocessing.rows(x, d, s.train() + s.validation(), n), s.test(), st.mean(), st.std(), null, notes);
    }

    /** Index into cols of the first column whose correlation with another column exceeds the threshold, or -1. */
    static int firstHighlyCorrelated(double[] x, int n, int d, int[] cols, double threshold) {
        int k = cols.length;
        double[] mean = new double[k], norm = new double[k];
        for (int i = 0; i < n; i++) for (int a = 0; a < k; a++) mean[a] += x[i * d + cols[a]];
        for (int a = 0; a < k; a++) mean[a] /= n;
        double[][] cov = new double[k][k];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < k; a++) {
                double ca = x[i * d + cols[a]] - mean[a];
                for (int b = a; b < k; b++) cov[a][b] += ca * (x[i * d + cols[b]] - mean[b]);
            }
        }
        for (int a = 0; a < k; a++) norm[a] = Math.sqrt(cov[a][a]);
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                if (a == b) continue;
                double c = (a < b ? cov[a][b] : cov[b][a]) / (norm[a] * norm[b]);
                if (c > threshold) return a; // NaN (a constant column) compares false, as in pandas
            }
        }
        return -1;
    }

    public static Dataset hepmass(Path root) throws IOException {
        Path trainFile = expect(root, "hepmass/1000_train.csv", "hepmass"), testFile = expect(root, "hepmass/1000_test.csv", "hepmass");
        MatrixFile.Matrix tr = MatrixFile.read(trainFile), te = MatrixFile.read(testFile);
        int d = tr.cols() - 1;
        if (d < 1) throw new IllegalArgumentException(trainFile + ": needs a label column and at least one feature");
        double[] train = signalRows(tr, d);
        int n = train.length / d;
        int teD = te.cols() - 1;
        if (teD != d && teD != d + 1) {
            throw new IllegalArgumentException(testFile + ": " + te.cols() + " columns, but " + trainFile.getFileName() + " has " + tr.cols() + "; the files must come from the same archive");
        }
        double[] test = signalRows(te, teD);
        int nTest = test.length / teD;
        if (teD == d + 1) { // the reference drops the test file's last column
            int[] first = new int[d];
            for (int j = 0; j < d; j++) first[j] = j;
            test = Preprocessing.selectColumns(test, nTest, teD, first);
        }
        if (n < 3) throw new IllegalArgumentException(trainFile + ": only " + n + " signal row(s) (label 1); need at least 3");
        if (nTest < 1) throw new IllegalArgumentException(testFile + ": no signal rows (label 1 in the first column)");
        Preprocessing.Stats st = Preprocessing.columnStats(train, n, d, 1);
        List<String> notes = new ArrayList<>();
        addConstantNote(notes, st.std());
        Preprocessing.safeStd(st.std());
        // features with "too many re-occurring values": the smallest value occurs more than 5 times in the train rows
        List<Integer> keep = new ArrayList<>(), removed = new ArrayList<>();
        for (int j = 0; j < d; j++) {
            double min = Double.POSITIVE_INFINITY;
            for (int i = 0; i < n; i++) min = Math.min(min, train[i * d + j]);
            int count = 0;
            for (int i = 0; i < n; i++) if (train[i * d + j] == min) count++;
            (count > 5 ? removed : keep).add(j);
        }
        if (keep.isEmpty()) throw new IllegalArgumentException(trainFile + ": every feature has its smallest value more than 5 times, so the reference preprocessing removes them all");
        int[] k = keep.stream().mapToInt(Integer::intValue).toArray();
        Preprocessing.standardise(train, st.mean(), st.std());
        Preprocessing.standardise(test, st.mean(), st.std());
        train = Preprocessing.selectColumns(train, n, d, k);
        test = Preprocessing.selectColumns(test, nTest, d, k);
        double[] mean = new double[k.length], std = new double[k.length];
        for (int a = 0; a < k.length; a++) {
            mean[a] = st.mean()[k[a]];
            std[a] = st.std()[k[a]];
        }
        int dk = k.length;
        int nVal = Math.max(1, (int) (n * 0.1));
        notes.add("HEPMASS: signal rows only, label dropped, standardised with train mean and std (ddof 1), " + removed.size()
                + " feature(s) with repeated values removed" + (removed.isEmpty() ? "" : " (" + Preprocessing.oneBased(removed) + ")"));
        return new Dataset("maf:hepmass", dk, Preprocessing.rows(train, dk, 0, n - nVal), n - nVal,
                Preprocessing.rows(train, dk, n - nVal, n), nVal, test, nTest, mean, std, null, notes);
    }

    private static double[] signalRows(MatrixFile.Matrix m, int d) {
        int cols = m.cols();
        double[] x = m.data();
        int count = 0;
        for (int i = 0; i < m.rows(); i++) if (x[i * cols] == 1) count++;
        double[] out = new double[count * d];
        int r = 0;
        for (int i = 0; i < m.rows(); i++) {
            if (x[i * cols] != 1) continue;
            System.arraycopy(x, i * cols + 1, out, r * d, d);
            r++;
        }
        return out;
    }

    public static Dataset bsds300(Path root) throws IOException {
        Path file = expect(root, "BSDS300/BSDS300.hdf5", "bsds300");
        Map<String, MatrixFile.Matrix> parts = new HashMap<>();
        try (HdfFile h = new HdfFile(file)) {
            for (String part : List.of("train", "validation", "test")) parts.put(part, hdfMatrix(h, part, file));
        } catch (HdfException e) {
            throw new IOException(file + ": not a readable HDF5 file (" + oneLine(e.getMessage()) + "); re-download BSDS300.hdf5 from the MAF archive");
        }
        int d = parts.get("train").cols();
        for (String part : List.of("validation", "test")) {
            if (parts.get(part).cols() != d) {
                throw new IllegalArgumentException(file + ": dataset '" + part + "' has " + parts.get(part).cols() + " columns but 'train' has " + d);
            }
        }
        double[] mean = new double[d], std = new double[d];
        java.util.Arrays.fill(std, 1);
        MatrixFile.Matrix tr = parts.get("train"), va = parts.get("validation"), te = parts.get("test");
        return new Dataset("maf:bsds300", d, tr.data(), tr.rows(), va.data(), va.rows(), te.data(), te.rows(), mean, std, null,
                List.of("BSDS300: used as stored (already preprocessed patches), not standardised"));
    }

    private static MatrixFile.Matrix hdfMatrix(HdfFile h, String part, Path file) {
        io.jhdf.api.Node node = h.getChildren().get(part);
        if (!(node instanceof io.jhdf.api.Dataset ds)) {
            throw new IllegalArgumentException(file + ": no dataset '" + part + "' (found: " + String.join(", ", h.getChildren().keySet())
                    + "); BSDS300.hdf5 must hold 'train', 'validation' and 'test'");
        }
        int[] dims = ds.getDimensions();
        if (dims.length != 2 || dims[0] < 1 || dims[1] < 1) {
            throw new IllegalArgumentException(file + ": dataset '" + part + "' has shape " + java.util.Arrays.toString(dims) + "; expected a non-empty 2-D array");
        }
        Object flat = ds.getDataFlat();
        double[] x;
        if (flat instanceof double[] a) x = a;
        else if (flat instanceof float[] a) {
            x = new double[a.length];
            for (int i = 0; i < a.length; i++) x[i] = a[i];
        } else if (flat instanceof int[] a) {
            x = new double[a.length];
            for (int i = 0; i < a.length; i++) x[i] = a[i];
        } else if (flat instanceof long[] a) {
            x = new double[a.length];
            for (int i = 0; i < a.length; i++) x[i] = a[i];
        } else {
            throw new IllegalArgumentException(file + ": dataset '" + part + "' has element type " + ds.getJavaType() + "; expected floating-point numbers");
        }
        for (int k = 0; k < x.length; k++) {
            if (!Double.isFinite(x[k])) {
                throw new IllegalArgumentException(file + ": dataset '" + part + "' row " + (k / dims[1] + 1) + ", column " + (k % dims[1] + 1) + " is not finite (first bad row)");
            }
        }
        return new MatrixFile.Matrix(dims[0], dims[1], x);
    }

    private static void addConstantNote(List<String> notes, double[] std) {
        List<Integer> c = Preprocessing.constantColumns(std);
        if (!c.isEmpty()) notes.add("column(s) " + Preprocessing.oneBased(c) + " are constant: std set to 1");
    }

    private static Path expect(Path root, String rel, String name) throws IOException {
        Path f = root.resolve(rel);
        if (!Files.exists(f)) {
            String rootNote = Files.isDirectory(root) ? "" : " (the root " + root + " does not exist)";
            throw new NoSuchFileException(null, null, f + ": file not found" + rootNote + "; maf:" + name + " expects " + ARCHIVE_HINT);
        }
        return f;
    }

    private static String oneLine(String s) {
        return s == null ? "unknown error" : s.replaceAll("\\s+", " ").trim();
    }
}
