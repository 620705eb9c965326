package org.cnf4j.run;
import org.cnf4j.data.DataSets;
import org.cnf4j.data.DataTransform;
import org.cnf4j.format.AtomicFile;
import org.cnf4j.format.Npy;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.cnf4j.model.PhiShape;
import org.cnf4j.train.TrainConfig;

/**
 * A training run's folder: {@code config.json} (the reference's keys d, m, nTh, alph, nt plus the data
 * source and the full training configuration), {@code weights/KEY.npy} (the best model, in the
 * reference layout, so the same loader reads PyTorch exports and our models), {@code checkpoint.bin}
 * (see TrainState) and {@code log.csv}. A JKO-Flow run ({@code "method": "jko"}) keeps map k in {@code maps/k/KEY.npy}
 * instead of weights/. Every file is written under a temporary name and
 * renamed into place ({@link AtomicFile}), so an interrupted run never leaves a half-written file; the temporaries
 * have fixed names ({@code .config.json.tmp}, {@code .checkpoint.bin.tmp}, {@code .log.csv.tmp}, {@code .weights.tmp},
 * {@code .weights.old}, the same in maps/), so that the next training start removes those a {@code kill -9} left
 * ({@link #removeStaleTemporaries}).
 */
public final class RunDirectory implements AutoCloseable {
    /** Values of config.json's {@code "method"}: one OT-Flow map in weights/, or JKO-Flow maps in maps/1..K. */
    public static final String OTFLOW = "otflow", JKO = "jko";

    private final Path dir;
    /** The one-writer lock, held from {@link #create} or {@link #openForWriting} until {@link #close}; null for a reader. */
    private final RunLock lock;

    private RunDirectory(Path dir, RunLock lock) {
        this.dir = dir;
        this.lock = lock;
    }

    public Path path() { return dir; }

    /**
     * Creates the folder and takes its lock (see {@link RunLock}) until {@link #close}. Refuses a folder that another
     * writer holds ({@link RunLock.InUseException}), one that holds a training run (continue it with --resume) and one
     * with files of its own, writing nothing into either; reuses, after clearing it, a folder that holds only what a
     * training start leaves before its first checkpoint (config.json, log.csv and cnf4j's temporaries).
     */
    public static RunDirectory create(Path dir) throws IOException {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) throw new IOException(dir + " exists and is not a directory: choose another --out");
            if (hasContent(dir)) {
                RunLock.checkFree(dir);   // a run still writing here is the better answer than "not empty"
                refuseUnlessLeftovers(dir);
            }
        }
        Files.createDirectories(dir);
        return locked(dir, true);
    }

    /**
     * Takes the folder's lock and writes this process's PID into it. Lock first, look second ({@code fresh}: the folder
     * must hold nothing else but leftovers of a start that never checkpointed, which are cleared under the lock): of two
     * fresh runs on one folder exactly one gets the lock, and if that one has already finished and released it, its
     * files are there and the other stops.
     */
    private static RunDirectory locked(Path dir, boolean fresh) throws IOException {
        RunLock l = RunLock.acquire(dir);
        try {
            if (fresh && hasContent(dir)) {
                refuseUnlessLeftovers(dir);
                try (var s = Files.list(dir)) {
                    for (Path e : s.toList()) if (!e.getFileName().toString().equals(RunLock.FILE)) AtomicFile.deleteRecursively(e);
                }
            }
            l.stamp();
        } catch (IOException | RuntimeException e) {
            l.close();
            throw e;
        }
        return new RunDirectory(dir, l);
    }

    /** Whether the folder holds anything but a lock file (a fresh run's own, or one a killed writer left). */
    private static boolean hasContent(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.anyMatch(f -> !f.getFileName().toString().equals(RunLock.FILE));
        }
    }

    /** Throws unless the folder holds only {@link #LEFTOVERS} (and a lock file). */
    private static void refuseUnlessLeftovers(Path dir) throws IOException {
        if (Files.exists(dir.resolve("checkpoint.bin")) && Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IOException(dir + " holds a cnf4j training run: continue it with --resume, or choose another --out or remove it");
        }
        try (var s = Files.list(dir)) {
            for (Path e : s.toList()) {
                String n = e.getFileName().toString();
                if (!n.equals(RunLock.FILE) && !LEFTOVERS.contains(n)) throw notEmpty(dir);
            }
        }
    }

    private static IOException notEmpty(Path dir) {
        return new IOException(dir + " is not empty: choose another --out or remove it");
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
        AtomicFile.deleteRecursively(temporary(folder, ".tmp"));
        Path old = temporary(folder, ".old");
        if (!Files.exists(old)) return;
        if (Files.exists(folder)) AtomicFile.deleteRecursively(old);
        else Files.move(old, folder, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Path temporary(Path folder, String suffix) { return folder.resolveSibling("." + folder.getFileName() + suffix); }

    /** Opens an existing run to read it; it must hold config.json. */
    public static RunDirectory open(Path dir) throws IOException {
        requireConfig(dir);
        return new RunDirectory(dir, null);
    }

    /** Opens an existing run to write into it (for --resume), holding its lock until {@link #close}. */
    public static RunDirectory openForWriting(Path dir) throws IOException {
        requireConfig(dir);
        return locked(dir, false);
    }

    private static void requireConfig(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IOException(dir + " is not a cnf4j run directory (no config.json): check --out");
        }
    }

    /** Releases the lock, if this is a writer's; a reader's close does nothing. */
    @Override
    public void close() throws IOException {
        if (lock != null) lock.close();
    }

    public Path checkpointFile() { return dir.resolve("checkpoint.bin"); }

    public Path logFile() { return dir.resolve("log.csv"); }

    /**
     * The training configuration saved by {@link #saveConfig}. Its model shape must agree with config.json's top-level
     * d, m and nTh, which eval, logp, sample and plot read: a file edited by hand in one place would otherwise train
     * one model and score another.
     */
    public TrainConfig loadConfig() throws IOException {
        ObjectMapper om = new ObjectMapper();
        JsonNode node = readConfig();
        if (node == null || !node.has("train")) throw new IOException(dir.resolve("config.json") + " has no training configuration");
        TrainConfig cfg;
        try {
            cfg = om.treeToValue(node.get("train"), TrainConfig.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(dir.resolve("config.json") + " holds an invalid training configuration: " + e.getMessage());
        }
        PhiShape s = cfg.shape();
        sameAsTrained(node, "d", s.d());
        sameAsTrained(node, "m", s.m());
        sameAsTrained(node, "nTh", s.nTh());
        return cfg;
    }

    private void sameAsTrained(JsonNode node, String key, int trained) throws IOException {
        int top = node.path(key).asInt(trained);
        if (top != trained) {
            throw new IOException(dir.resolve("config.json") + " says " + key + "=" + top + " but its training configuration has "
                    + key + "=" + trained + ": the file was edited; restore it");
        }
    }

    /** config.json as a tree; a file that is not JSON is named in the one line that says so. */
    private JsonNode readConfig() throws IOException {
        Path file = dir.resolve("config.json");
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(file + " is not valid JSON: " + e.getOriginalMessage() + "; restore it or start a new run");
        }
    }

    /** What config.json's "options" recorded for {@code key} (a missing node when nothing, e.g. in older runs). */
    public JsonNode loadOption(String key) throws IOException {
        JsonNode node = readConfig();
        return node == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : node.path("options").path(key);
    }

    /**
     * Null when the run's data file is as it was when the run started, or when there is nothing to compare (toy and
     * MAF data, runs saved before fingerprints, a file that is gone: reading it says so); else one line saying that
     * the file changed and how.
     */
    public String dataFileChange() throws IOException {
        JsonNode node = readConfig();
        if (node == null) return null;
        DataFile saved = DataFile.fromJson(node.get(DataFile.KEY));
        Path file = DataSets.file(node.path("data").asText(null));
        if (saved == null || file == null || !Files.isRegularFile(file)) return null;
        String what = saved.change(DataFile.of(file));
        return what == null ? null : file + " has changed since the run was trained (" + what + ")";
    }

    /** The number of JKO-Flow subproblems K saved in config.json; 0 for an OT-Flow run. */
    public int loadJkoSteps() throws IOException {
        var node = readConfig();
        if (node == null || !JKO.equals(node.path("method").asText(OTFLOW))) return 0;
        int k = node.path("jko").path("steps").asInt(0);
        if (k < 1) throw new IOException(dir.resolve("config.json") + " is a JKO-Flow run without a valid jko.steps");
        return k;
    }

    /** The data source saved by {@link #saveConfig}. */
    public String loadDataSource() throws IOException {
        var node = readConfig();
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
        Path file = DataSets.file(data);
        if (file != null && Files.isRegularFile(file)) c.set(DataFile.KEY, DataFile.of(file).toJson(om));
        c.set("train", om.valueToTree(cfg));
        if (options != null) c.set("options", om.valueToTree(options));
        writeConfig(om, c);
    }

    /** Writes config.json for a model that was not trained here (an import): the reference keys, data and preprocessing. */
    public void saveModelConfig(org.cnf4j.model.PhiShape shape, org.cnf4j.ode.Alpha alpha, int nt, int ntVal, String data,
                                DataTransform transform, com.fasterxml.jackson.databind.JsonNode extra) throws IOException {
        saveModelConfig(shape, alpha, nt, ntVal, data, transform, extra, 0);
    }

    /**
     * As {@link #saveModelConfig(PhiShape, org.cnf4j.ode.Alpha, int, int, String, DataTransform, JsonNode)}, plus
     * {@code "method"}: "jko" with {@code "jko": {"steps": K}} when {@code jkoSteps > 0} (the maps are in maps/1..K),
     * else "otflow".
     */
    public void saveModelConfig(PhiShape shape, org.cnf4j.ode.Alpha alpha, int nt, int ntVal, String data, DataTransform transform,
                                JsonNode extra, int jkoSteps) throws IOException {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode c = modelConfig(om, shape, alpha, nt, ntVal, data, transform);
        c.put("method", jkoSteps > 0 ? JKO : OTFLOW);
        if (jkoSteps > 0) c.putObject("jko").put("steps", jkoSteps);
        if (extra != null) c.set("imported", extra);
        writeConfig(om, c);
    }

    private void writeConfig(ObjectMapper om, ObjectNode c) throws IOException {
        AtomicFile.write(dir.resolve("config.json"), tempFile("config.json"), out -> out.write(om.writeValueAsBytes(c)));
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
        var node = readConfig();
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
        for (int k = keep + 1; Files.isDirectory(mapFolder(dir, k)); k++) AtomicFile.deleteRecursively(mapFolder(dir, k));
    }

    private static void saveWeights(PhiParams p, Path weights) throws IOException {
        // a folder cannot replace a non-empty one in one rename: the old one is moved aside (.old) first
        Path tmpPath = temporary(weights, ".tmp");
        try (AtomicFile.Held tmp = AtomicFile.hold(tmpPath)) {
            AtomicFile.deleteRecursively(tmp.path());
            Files.createDirectories(tmp.path());
            for (PhiParams.Tensor t : p.tensors()) Npy.write(tmp.path().resolve(t.name() + ".npy"), p.copyOf(t.name()), t.stateDictShape(), false);
            Path old = temporary(weights, ".old");
            AtomicFile.deleteRecursively(old);
            if (Files.exists(weights)) Files.move(weights, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp.path(), weights, StandardCopyOption.ATOMIC_MOVE);
            AtomicFile.deleteRecursively(old);
        } catch (IOException e) {
            // the folder's files are written plainly (new files get the umask's permissions); only the message needs care
            throw AtomicFile.failure(weights, tmpPath, e);
        }
    }

}
