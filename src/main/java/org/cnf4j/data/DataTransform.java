package org.cnf4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.cnf4j.data.Dataset;

/**
 * The map between a data source's units and the space the model was trained in, as saved in a run's
 * config.json under {@code "preprocessing"}: per column {@code z = (x' - mean) / std}, where
 * {@code x' = (x - offset) / scale} for dequantised (integer-valued) data and {@code x' = x} otherwise.
 * Toy data and imported reference models use the identity (mean 0, std 1, no dequantisation), for which
 * every map here is exact in floating point.
 *
 * @param offset dequantisation offset, NaN when the data were not dequantised
 * @param scale  dequantisation scale, NaN when the data were not dequantised
 */
public record DataTransform(double[] mean, double[] std, double offset, double scale) {
    public DataTransform {
        if (mean.length != std.length || mean.length < 1) throw new IllegalArgumentException("mean and std need the same, positive length");
        for (int j = 0; j < std.length; j++) {
            if (!Double.isFinite(mean[j]) || !(std[j] > 0) || !Double.isFinite(std[j])) {
                throw new IllegalArgumentException("invalid standardisation in column " + j + ": mean " + mean[j] + ", std " + std[j]);
            }
        }
        if (Double.isNaN(offset) != Double.isNaN(scale)) throw new IllegalArgumentException("dequantisation needs both offset and scale");
        if (!Double.isNaN(scale) && !(scale > 0)) throw new IllegalArgumentException("dequantisation scale must be > 0, got " + scale);
    }

    public static DataTransform identity(int d) {
        double[] std = new double[d];
        java.util.Arrays.fill(std, 1);
        return new DataTransform(new double[d], std, Double.NaN, Double.NaN);
    }

    public static DataTransform of(Dataset ds) {
        Dataset.Dequantisation q = ds.dequantisation();
        return new DataTransform(ds.mean().clone(), ds.std().clone(), q == null ? Double.NaN : q.offset(), q == null ? Double.NaN : q.scale());
    }

    public int d() { return mean.length; }

    public boolean dequantised() { return !Double.isNaN(scale); }

    public boolean isIdentity() {
        if (dequantised()) return false;
        for (int j = 0; j < mean.length; j++) if (mean[j] != 0 || std[j] != 1) return false;
        return true;
    }

    /** Source units to model space (a fresh array). */
    public double[] toModel(double[] x) {
        int d = d();
        double[] z = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            double v = x[k];
            if (dequantised()) v = (v - offset) / scale;
            z[k] = (v - mean[k % d]) / std[k % d];
        }
        return z;
    }

    /**
     * Whether row {@code i} of {@code x} (source units) has a finite value that {@link #toModel} takes to infinity:
     * a point so far from the training data, relative to its std, that the standardised value leaves the double
     * range. The model then cannot score it, and callers should say so rather than pass on a NaN.
     */
    public boolean overflows(double[] x, int i) {
        int d = d();
        double[] z = toModel(java.util.Arrays.copyOfRange(x, i * d, (i + 1) * d));
        for (int j = 0; j < d; j++) if (Double.isFinite(x[i * d + j]) && !Double.isFinite(z[j])) return true;
        return false;
    }

    /** Model space to source units (continuous; a fresh array). */
    public double[] fromModel(double[] z) {
        int d = d();
        double[] x = new double[z.length];
        for (int k = 0; k < z.length; k++) {
            double v = z[k] * std[k % d] + mean[k % d];
            if (dequantised()) v = offset + v * scale;
            x[k] = v;
        }
        return x;
    }

    /**
     * Model space to the source's integers, for dequantised data: {@code offset + floor(x' * scale)}, clipped to
     * [offset, offset + scale - 1] (a fresh array).
     */
    public double[] fromModelRounded(double[] z) {
        if (!dequantised()) throw new IllegalArgumentException("the model was not trained on integer-valued (dequantised) data: nothing to round to");
        int d = d();
        double[] x = new double[z.length];
        for (int k = 0; k < z.length; k++) {
            double v = z[k] * std[k % d] + mean[k % d];
            x[k] = offset + Math.min(scale - 1, Math.max(0, Math.floor(v * scale)));
        }
        return x;
    }

    /** log p_source(x) = log p_model(z) + this (minus the log-determinant of the map x -> z). */
    public double logDensityOffset() {
        double s = 0;
        for (double v : std) s += Math.log(v);
        if (dequantised()) s += d() * Math.log(scale);
        return -s;
    }

    public ObjectNode toJson(ObjectMapper om) {
        ObjectNode n = om.createObjectNode();
        var m = n.putArray("mean");
        for (double v : mean) m.add(v);
        var s = n.putArray("std");
        for (double v : std) s.add(v);
        if (dequantised()) n.putObject("dequantisation").put("offset", offset).put("scale", scale);
        else n.putNull("dequantisation");
        return n;
    }

    public static DataTransform fromJson(JsonNode n, int d, String where) throws IOException {
        try {
            JsonNode m = n.get("mean"), s = n.get("std");
            if (m == null || s == null || !m.isArray() || !s.isArray() || m.size() != d || s.size() != d) {
                throw new IOException(where + ": 'preprocessing' needs mean and std arrays of " + d + " numbers");
            }
            double[] mean = new double[d], std = new double[d];
            for (int j = 0; j < d; j++) {
                mean[j] = m.get(j).asDouble(Double.NaN);
                std[j] = s.get(j).asDouble(Double.NaN);
            }
            JsonNode q = n.get("dequantisation");
            double off = Double.NaN, sc = Double.NaN;
            if (q != null && !q.isNull()) {
                off = q.path("offset").asDouble(Double.NaN);
                sc = q.path("scale").asDouble(Double.NaN);
            }
            return new DataTransform(mean, std, off, sc);
        } catch (IllegalArgumentException e) {
            throw new IOException(where + ": " + e.getMessage());
        }
    }
}
