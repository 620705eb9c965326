package org.cnf4j.run;
import org.cnf4j.format.Npy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;

/**
 * A model exported from the PyTorch OT-Flow reference: {@code config.json} (d, m, nTh, alph, nt) and
 * {@code weights/KEY.npy}, one file per state_dict key (see shared/reference/otflow/README.md).
 */
public record ReferenceModel(PhiParams params, Alpha alpha, int nt) {

    public static ReferenceModel load(Path dir) throws IOException {
        return load(dir.resolve("weights"), dir.resolve("config.json"));
    }

    public static ReferenceModel load(Path weightsDir, Path configFile) throws IOException {
        if (!Files.isRegularFile(configFile)) throw new IOException("no config file at " + configFile);
        JsonNode cfg = new ObjectMapper().readTree(configFile.toFile());
        PhiShape shape = new PhiShape(need(cfg, "d", configFile).asInt(), need(cfg, "m", configFile).asInt(), need(cfg, "nTh", configFile).asInt());
        JsonNode al = need(cfg, "alph", configFile);
        if (!al.isArray() || al.size() != 3) throw new IOException(configFile + ": 'alph' must hold three numbers");
        Alpha alpha = new Alpha(al.get(0).asDouble(), al.get(1).asDouble(), al.get(2).asDouble());
        int nt = cfg.has("nt") ? cfg.get("nt").asInt() : 8;
        return new ReferenceModel(loadWeights(weightsDir, shape), alpha, nt);
    }

    /** Loads every tensor of the shape's layout from weightsDir/KEY.npy, checking its size. */
    public static PhiParams loadWeights(Path weightsDir, PhiShape shape) throws IOException {
        PhiParams p = new PhiParams(shape);
        for (PhiParams.Tensor t : p.tensors()) {
            Path f = weightsDir.resolve(t.name() + ".npy");
            if (!Files.isRegularFile(f)) throw new IOException("missing weight file " + f);
            Npy.Array a = Npy.read(f);
            if (a.data().length != t.size()) {
                throw new IOException(f + " holds " + a.data().length + " values, expected " + t.size()
                        + " (" + t.rows() + "x" + t.cols() + ") for d=" + shape.d() + ", m=" + shape.m());
            }
            p.set(t.name(), a.data());
        }
        return p;
    }

    private static JsonNode need(JsonNode cfg, String key, Path file) throws IOException {
        JsonNode v = cfg.get(key);
        if (v == null) throw new IOException(file + " has no '" + key + "'");
        return v;
    }
}
