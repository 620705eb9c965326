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
        PhiShape shape;
        Alpha alpha;
        try {
            shape = new PhiShape(need(cfg, "d", configFile).asInt(), need(cfg, "m", configFile).asInt(), need(cfg, "nTh", configFile).asInt());
            JsonNode al = need(cfg, "alph", configFile);
            if (!al.isArray() || al.size() != 3) throw new IOException(configFile + ": 'alph' must hold three numbers");
            alpha = new Alpha(al.get(0).asDouble(), al.get(1).asDouble(), al.get(2).asDouble());
        } catch (IllegalArgumentException e) {
            // the values are in the config file: name it, so that the caller can pass the message on as it is
            throw new IllegalArgumentException(configFile + ": " + e.getMessage(), e);
        }
        int nt = cfg.has("nt") ? cfg.get("nt").asInt() : 8;
        return new ReferenceModel(loadWeights(weightsDir, shape), alpha, nt);
    }

    /**
     * Loads every tensor of the shape's layout from weightsDir/KEY.npy. Each file's shape must be the state_dict
     * tensor's ({@link PhiParams.Tensor#stateDictShape}): checking only the number of values would take a transposed
     * (m, d+1) weight for a (d+1, m) one and give a different model without a word.
     *
     * @throws IllegalArgumentException a file of the wrong shape (or an unsupported dtype), naming the file, the shape
     *                                  found and the shape expected
     * @throws IOException              a missing or damaged file
     */
    public static PhiParams loadWeights(Path weightsDir, PhiShape shape) throws IOException {
        PhiParams p = new PhiParams(shape);
        for (PhiParams.Tensor t : p.tensors()) {
            Path f = weightsDir.resolve(t.name() + ".npy");
            if (!Files.isRegularFile(f)) throw new IOException("missing weight file " + f);
            Npy.Array a = Npy.read(f);
            int[] want = t.stateDictShape();
            if (!java.util.Arrays.equals(a.shape(), want)) {
                throw new IllegalArgumentException(f + ": shape " + shapeText(a.shape()) + ", expected " + shapeText(want) + " for " + t.name()
                        + " of a model with d=" + shape.d() + ", m=" + shape.m() + ", nTh=" + shape.nTh()
                        + "; export each state_dict tensor as it is (tensor.detach().numpy(), not transposed or reshaped)");
            }
            p.set(t.name(), a.data());
        }
        return p;
    }

    /** A shape as NumPy prints it: (3, 32), (32,), (). */
    static String shapeText(int[] shape) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) b.append(i > 0 ? ", " : "").append(shape[i]);
        return b.append(shape.length == 1 ? ",)" : ")").toString();
    }

    private static JsonNode need(JsonNode cfg, String key, Path file) throws IOException {
        JsonNode v = cfg.get(key);
        if (v == null) throw new IOException(file + " has no '" + key + "'");
        return v;
    }
}
