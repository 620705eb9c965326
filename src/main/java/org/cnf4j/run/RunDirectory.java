package org.cnf4j.run;
import org.cnf4j.data.DataTransform;
import org.cnf4j.format.AtomicWrite;
import org.cnf4j.format.Npy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import org.cnf4j.model.PhiParams;
import org.cnf4j.train.TrainConfig;

/**
 * A training run's folder: {@code config.json} (the reference's keys d, m, nTh, alph, nt plus the data
 * source and the full training configuration), {@code weights/KEY.npy} (the best model, in the
 * reference layout, so the same loader reads PyTorch exports and our models), {@code checkpoint.bin}
 * (see TrainState) and {@code log.csv}. A JKO-Flow run ({@code "method": "jko"}) keeps map k in {@code maps/k/KEY.npy}
 * instead of weights/. Every file is written under a temporary name and
 * renamed into place ({@link AtomicWrite}), so an interrupted run never leaves a half-written file; the temporaries
 * have fixed names ({@code .config.json.tmp}, {@code .checkpoint.bin.tmp}, {@code .log.csv.tmp}, {@code .weights.tmp},
 * {@code .weights.old}, the same in maps/), so that the next training start removes those a {@code kill -9} left
 * ({@link #removeStaleTemporaries}).
 */
public final class RunDirectory {
    /** Values of config.json's {@code "method"}: one OT-Flow map in weights/, or JKO-Flow maps in maps/1..K. */
    public static final String OTFLOW = "otflow", JKO = "jko";

    private final Path dir;

    private RunDirectory(Path dir) { this.dir = dir; }

    public Path path() { return dir; }

    /**
     * Creates the folder; refuses one that already holds files, except what a training start leaves before its first
     * checkpoint (config.json, log.csv and cnf4j's temporaries, no checkpoint.bin): nothing in it can be resumed or
     * used, so it is cleared and the folder reused. A folder with any other file is never touched.
     */
    public static RunDirectory create(Path dir) throws IOException {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) throw new IOException(dir + " exists and is not a directory: choose another --out");
            List<Path> entries;
            try (var s = Files.list(dir)) {
                entries = s.toList();
            }
            if (!entries.isEmpty()) {
                if (Files.exists(dir.resolve("checkpoint.bin")) && Files.isRegularFile(dir.resolve("config.json"))) {
                    throw new IOException(dir + " holds a cnf4j training run: continue it with --resume, or choose another --out or remove it");
                }
                for (Path e : entries) {
                    if (!LEFTOVERS.contains(e.getFileName().toString())) throw new IOException(dir + " is not empty: choose another --out or remove it");
                }
                for (Path e : entries) AtomicWrite.deleteRecursively(e);
            }
        }
        Files.createDirectories(dir);
        return new RunDirectory(dir);
    }

    /** What a training start writes before its first checkpoint: a folder holding only these is not a run yet. */
    private static final Set<String> LEFTOVERS = Set.of("config.json", "log.csv", ".config.json.tmp", ".log.csv.tmp", ".checkpoint.bin.tmp",
            ".weights.tmp", ".weights.old");

    /**
     * Removes the temporaries an interrupted write left (kill -9 runs no shutdown hook) and finishes an interrupted
     * replacement of weights/ or maps/k: the old folder is moved aside before the new one takes its place, so when the
     * process died in between, {@code .weights.old} is the complete previous model and becomes weights/ again (the
     * checkpoint on disk was written after it). Only a training start calls this: a reader must not touch a run that
     * another process may be training.
     */
    public void removeStaleTemporaries() throws IOException {
        for (String name : List.of(".config.json.tmp", ".log.csv.tmp", ".checkpoint.bin.tmp")) Files.deleteIfExists(dir.resolve(name));
        repairFolder(dir.resolve("weights"));
        Path maps = dir.resolve("maps");
        if (Files.isDirectory(maps)) {
            try (var s = Files.list(maps)) {
                for (Path p : s.toList()) {
                    String n = p.getFileName().toString();
                    if (n.startsWith(".") && (n.endsWith(".tmp") || n.endsWith(".old"))) {
                        repairFolder(maps.resolve(n.substring(1, n.length() - 4)));
                    }
                }
            }
        }
    }

    private static void repairFolder(Path folder) throws IOException {
        AtomicWrite.deleteRecursively(temporary(folder, ".tmp"));
        Path old = temporary(folder, ".old");
        if (!Files.exists(old)) return;
        if (Files.exists(folder)) AtomicWrite.deleteRecursively(old);
        else Files.move(old, folder, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Path temporary(Path folder, String suffix) { return folder.resolveSibling("." + folder.getFileName() + suffix); }

    /** Opens an existing run (for --resume); it must hold config.json. */
    public static RunDirectory open(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IOException(dir + " is not a cnf4j run directory (no config.json): check --out");
        }
        return new RunDirectory(dir);
    }

    public Path checkpointFile() { return dir.resolve("checkpoint.bin"); }

    public Path logFile() { return dir.resolve("log.csv"); }

    /** The training configuration saved by {@link #saveConfig}. */
    public TrainConfig loadConfig() throws IOException {
        ObjectMapper om = new ObjectMapper();
        var node = om.readTree(dir.resolve("config.json").toFile());
        if (node == null || !node.has("train")) throw new IOException(dir.resolve("config.json") + " has no training configuration");
        try {
            return om.treeToValue(node.get("train"), TrainConfig.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(dir.resolve("config.json") + " holds an invalid training configuration: " + e.getMessage());
        }
    }

    /** The number of JKO-Flow subproblems K saved in config.json; 0 for an OT-Flow run. */
    public int loadJkoSteps() throws IOException {
        var node = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        if (node == null || !JKO.equals(node.path("method").asText(OTFLOW))) return 0;
        int k = node.path("jko").path("steps").asInt(0);
        if (k < 1) throw new IOException(dir.resolve("config.json") + " is a JKO-Flow run without a valid jko.steps");
        return k;
    }

    /** The data source saved by {@link #saveConfig}. */
    public String loadDataSource() throws IOException {
        var node = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        if (node == null || !node.hasNonNull("data")) throw new IOException(dir.resolve("config.json") + " names no data source");
        return node.get("data").asText();
    }

    /** Writes config.json: the reference's keys (d, m, nTh, alph, nt, nt_val, r), the data source and the full configuration. */
    public void saveConfig(TrainConfig cfg, String data) throws IOException {
        saveConfig(cfg, data, DataTransform.identity(cfg.shape().d()), null);
    }

    /**
     * Writes config.json: the reference's keys (d, m, nTh, alph, nt, nt_val, r), the data source, the data's
     * standardisation and dequantisation ({@code "preprocessing"}, see {@link DataTransform}), the full training
     * configuration ({@code "train"}) and, if given, the resolved command-line options ({@code "options"}).
     */
    public void saveConfig(TrainConfig cfg, String data, DataTransform transform, java.util.Map<String, Object> options) throws IOException {
        saveConfig(cfg, data, transform, options, 0);
    }

    /**
     * As {@link #saveConfig(TrainConfig, String, DataTransform, java.util.Map)}, plus {@code "method"}: "jko" with
     * {@code "jko": {"steps": K}} when {@code jkoSteps > 0} (cfg is then each subproblem's configuration), else "otflow".
     */
    public void saveConfig(TrainConfig cfg, String data, DataTransform transform, java.util.Map<String, Object> options, int jkoSteps) throws IOException {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode c = modelConfig(om, cfg.shape(), cfg.alpha(), cfg.nt(), cfg.ntVal(), data, transform);
        c.put("method", jkoSteps > 0 ? JKO : OTFLOW);
        if (jkoSteps > 0) c.putObject("jko").put("steps", jkoSteps);
        c.set("train", om.valueToTree(cfg));
        if (options != null) c.set("options", om.valueToTree(options));
        writeConfig(om, c);
    }

    private void writeConfig(ObjectMapper om, ObjectNode c) throws IOException {
        AtomicWrite.file(dir.resolve("config.json"), tempFile("config.json"), tmp -> om.writeValue(tmp.toFile(), c));
    }

    /** Writes config.json for a model that was not trained here (an import): the reference keys, data and preprocessing. */
    public void saveModelConfig(org.cnf4j.model.PhiShape shape, org.cnf4j.ode.Alpha alpha, int nt, int ntVal, String data,
                                DataTransform transform, com.fasterxml.jackson.databind.JsonNode extra) throws IOException {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode c = modelConfig(om, shape, alpha, nt, ntVal, data, transform);
        if (extra != null) c.set("imported", extra);
        writeConfig(om, c);
    }

    private static ObjectNode modelConfig(ObjectMapper om, org.cnf4j.model.PhiShape shape, org.cnf4j.ode.Alpha alpha, int nt, int ntVal,
                                          String data, DataTransform transform) {
        if (transform.d() != shape.d()) throw new IllegalArgumentException("preprocessing has " + transform.d() + " columns, the model d=" + shape.d());
        ObjectNode c = om.createObjectNode();
        c.put("d", shape.d()).put("m", shape.m()).put("nTh", shape.nTh());
        c.putArray("alph").add(alpha.a0()).add(alpha.a1()).add(alpha.a2());
        c.put("nt", nt).put("nt_val", ntVal).put("r", shape.r());
        if (data == null) c.putNull("data");
        else c.put("data", data);
        c.set("preprocessing", transform.toJson(om));
        return c;
    }

    /** The data preprocessing saved in config.json; the identity for runs that saved none. */
    public DataTransform loadTransform(int d) throws IOException {
        var node = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        if (node == null || !node.hasNonNull("preprocessing")) return DataTransform.identity(d);
        return DataTransform.fromJson(node.get("preprocessing"), d, dir.resolve("config.json").toString());
    }

    /** The fixed temporary name of file {@code name} in this run (see {@link #removeStaleTemporaries}). */
    public Path tempFile(String name) { return dir.resolve("." + name + ".tmp"); }

    /** Writes weights/KEY.npy (float64, the reference layout), replacing the folder atomically. */
    public void saveWeights(PhiParams p) throws IOException {
        saveWeights(p, dir.resolve("weights"));
    }

    /** The folder of JKO-Flow map k (1-based) in run {@code dir}. */
    public static Path mapFolder(Path dir, int k) { return dir.resolve("maps").resolve(Integer.toString(k)); }

    /** Writes maps/k/KEY.npy, replacing the folder atomically. */
    public void saveMap(int k, PhiParams p) throws IOException {
        Files.createDirectories(dir.resolve("maps"));
        saveWeights(p, mapFolder(dir, k));
    }

    /** Removes maps/k for k > keep (maps a resumed run is about to train again). */
    public void dropMapsAfter(int keep) throws IOException {
        for (int k = keep + 1; Files.isDirectory(mapFolder(dir, k)); k++) AtomicWrite.deleteRecursively(mapFolder(dir, k));
    }

    private static void saveWeights(PhiParams p, Path weights) throws IOException {
        // a folder cannot replace a non-empty one in one rename: the old one is moved aside (.old) first
        try (AtomicWrite.Held tmp = AtomicWrite.hold(temporary(weights, ".tmp"))) {
            AtomicWrite.deleteRecursively(tmp.path());
            Files.createDirectories(tmp.path());
            for (PhiParams.Tensor t : p.tensors()) {
                int[] shape = t.name().endsWith(".bias") ? new int[] {t.size()} : new int[] {t.rows(), t.cols()};
                Npy.write(tmp.path().resolve(t.name() + ".npy"), p.copyOf(t.name()), shape, false);
            }
            Path old = temporary(weights, ".old");
            AtomicWrite.deleteRecursively(old);
            if (Files.exists(weights)) Files.move(weights, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp.path(), weights, StandardCopyOption.ATOMIC_MOVE);
            AtomicWrite.deleteRecursively(old);
        }
    }

}
