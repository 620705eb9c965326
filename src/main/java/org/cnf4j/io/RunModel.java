package org.cnf4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cnf4j.model.PhiParams;
import org.cnf4j.ode.Alpha;

/**
 * A model as the eval, logp, sample and plot commands see it: a run directory (trained here or written by
 * import-otflow) with config.json and weights/KEY.npy.
 *
 * @param data the data source it was trained on (null if unknown)
 * @param seed the training seed (the data split of file sources depends on it); 0 if unknown
 */
public record RunModel(Path dir, PhiParams params, Alpha alpha, int nt, DataTransform transform, String data, long seed) {

    public int d() { return params.shape.d(); }

    public static RunModel load(Path dir) throws IOException {
        if (dir == null) throw new IllegalArgumentException("--model is required");
        if (!Files.isDirectory(dir)) throw new java.nio.file.NoSuchFileException(null, null, dir + ": no such run directory; check --model");
        Path cfgFile = dir.resolve("config.json");
        if (!Files.isRegularFile(cfgFile)) throw new IOException(dir + " is not a cnf4j run directory (no config.json); check --model");
        JsonNode cfg;
        try {
            cfg = new ObjectMapper().readTree(cfgFile.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(cfgFile + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (cfg == null || !cfg.isObject()) throw new IOException(cfgFile + " is empty or not a JSON object");
        ReferenceModel ref;
        try {
            ref = ReferenceModel.load(dir.resolve("weights"), cfgFile);
        } catch (IllegalArgumentException e) {
            throw new IOException(cfgFile + ": " + e.getMessage());
        }
        RunDirectory run = RunDirectory.open(dir);
        DataTransform t = run.loadTransform(ref.params().shape.d());
        String data = cfg.hasNonNull("data") ? cfg.get("data").asText() : null;
        long seed = cfg.path("train").path("seed").asLong(0);
        int nt = cfg.has("nt_val") ? cfg.get("nt_val").asInt(ref.nt()) : ref.nt();
        return new RunModel(dir, ref.params(), ref.alpha(), nt, t, data, seed);
    }
}
