package org.cnf4j.data;

import java.util.List;

/**
 * A data set ready for training: row-major train / validation / test matrices with {@code d} columns, already
 * preprocessed (dequantised where that applies, then standardised), plus what is needed to map model samples back
 * to the units of the source.
 *
 * <p>For each column j, a standardised value z relates to the source value x by {@code z = (x' - mean[j]) / std[j]},
 * where {@code x' = x} unless {@link #dequantisation()} is set, in which case {@code x' = (x - offset + u) / scale}
 * with u ~ U(0, 1) (see {@link Dequantisation}). Sets that are not standardised (toy data, BSDS300) have mean 0, std 1.
 *
 * @param name          the source, e.g. {@code "digits.csv"}, {@code "maf:power"}, {@code "8gaussians"}
 * @param notes         one-line remarks on what was done (shuffled, dequantised, constant columns, ...), for a log
 */
public record Dataset(String name, int d,
                      double[] train, int nTrain,
                      double[] validation, int nValidation,
                      double[] test, int nTest,
                      double[] mean, double[] std,
                      Dequantisation dequantisation,
                      List<String> notes) {

    /**
     * Dequantisation of integer-valued data: {@code x' = (x - offset + u) / scale}, u ~ U(0,1), so x' lies in
     * [0, 1) when offset is the minimum and scale = max - min + 1. Inverse: {@code x = offset + floor(x' * scale)}.
     */
    public record Dequantisation(double offset, double scale) {}

    public Dataset {
        if (d < 1) throw new IllegalArgumentException("d must be >= 1");
        check("train", train, nTrain, d);
        check("validation", validation, nValidation, d);
        check("test", test, nTest, d);
        if (mean.length != d || std.length != d) throw new IllegalArgumentException("mean and std need " + d + " entries");
        notes = List.copyOf(notes);
    }

    private static void check(String what, double[] a, int n, int d) {
        if (n < 0 || (long) n * d != a.length) throw new IllegalArgumentException(what + ": " + n + " rows x " + d + " columns != " + a.length + " values");
    }

    /** Undoes the standardisation of n x d rows (a fresh array): back to the file's units, or the dequantised [0,1) scale. */
    public double[] unstandardise(double[] rows) {
        if (rows.length % d != 0) throw new IllegalArgumentException(rows.length + " values is not a whole number of rows of " + d);
        double[] out = new double[rows.length];
        for (int k = 0; k < rows.length; k++) out[k] = rows[k] * std[k % d] + mean[k % d];
        return out;
    }

    /**
     * Maps standardised rows all the way back to the source's units: unstandardise, then for dequantised data
     * {@code offset + floor(x' * scale)} (integers again, clipped to [offset, offset + scale - 1]).
     */
    public double[] toSourceUnits(double[] rows) {
        double[] out = unstandardise(rows);
        if (dequantisation != null) {
            double off = dequantisation.offset(), s = dequantisation.scale();
            for (int k = 0; k < out.length; k++) out[k] = off + Math.min(s - 1, Math.max(0, Math.floor(out[k] * s)));
        }
        return out;
    }

    /**
     * What to add to a mean negative log-likelihood (nats per point) measured on the standardised data to express
     * it in the source's units: {@code sum_j log std[j]}, plus {@code d log scale} for dequantised data (the
     * density of x - offset + u, the usual dequantised likelihood of the integers).
     */
    public double nllOffset() {
        double s = 0;
        for (double v : std) s += Math.log(v);
        if (dequantisation != null) s += d * Math.log(dequantisation.scale());
        return s;
    }
}
