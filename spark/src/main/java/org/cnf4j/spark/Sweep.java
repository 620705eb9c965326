package org.cnf4j.spark;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.SparkSession;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.run.RunResult;
import org.cnf4j.run.TrainingOptions;
import org.cnf4j.run.TrainingRun;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A grid of {@code cnf4j train} runs as one Spark job: the cross product of a grid file's option lists, one task per
 * cell, each trained by {@link TrainingRun#start} with exactly the options {@code cnf4j train} would get (so a cell's
 * model is the command line's, bit for bit). A cell trains into a private temporary folder on its executor and sends
 * its run directory back as bytes; only the driver writes {@code DIR/cells/ID}, once per cell, so a retried or
 * speculative task can leave no duplicate or half-written cell. A cell whose training fails is recorded (status
 * failed, the one-line reason) and the others go on. {@code DIR/results.csv} and {@code results.md} list every cell.
 *
 * <p>The grid file (YAML or JSON): top-level keys are options every cell gets, {@code grid:} maps option names to
 * lists of values; names as {@code cnf4j train --config} takes them ({@code width}, {@code nt-val}, {@code nt_val},
 * {@code alpha: [1, 100, 5]}). For example:
 * <pre>
 * data: 8gaussians
 * iters: 200
 * grid:
 *   alpha: [[1, 10, 0.5], [1, 100, 5]]
 *   width: [16, 32]
 *   seed: [1, 2]
 * </pre>
 * File data must be readable at the same path on every executor (a relative path is made absolute on the driver).
 */
public final class Sweep {
    /** The train options a grid may set (the command's own out, resume, config and engine flags are not among them). */
    static final Map<String, Class<?>> OPTIONS = new LinkedHashMap<>();

    static {
        for (String k : List.of("data", "method", "alpha", "budget", "adam")) OPTIONS.put(k, String.class);
        for (String k : List.of("steps", "iters", "epochs", "batch", "val-batch", "nt", "nt-val", "width", "layers", "drop-every",
                "early-stopping", "resample-every", "val-every", "checkpoint-every", "batch-shards", "toy-samples")) OPTIONS.put(k, Integer.class);
        for (String k : List.of("grad-tol", "lr", "lr-drop", "clamp")) OPTIONS.put(k, Double.class);
        OPTIONS.put("seed", Long.class);
        OPTIONS.put("no-plot", Boolean.class);
    }

    private Sweep() {}

    /** The names of the train options a grid may set, as {@code cnf4j train} spells them without the dashes. */
    public static List<String> trainOptionNames() { return List.copyOf(OPTIONS.keySet()); }

    /** One cell: its id, the grid's values for it (in the grid's order) and all its options (fixed and grid). */
    public record Cell(String id, Map<String, String> values, Map<String, String> options) implements Serializable {}

    /** What a cell's task sends back: its metrics, or why it failed, and its run directory zipped. */
    public record CellResult(String id, boolean ok, double validationNll, int bestIteration, int maps, double seconds, String error,
                             byte[] run) implements Serializable {}

    /** Trains one cell; the default is {@link TrainingRun#start} without a listener. Tests inject faults here. */
    @FunctionalInterface
    public interface Trainer extends Serializable {
        RunResult train(TrainingOptions options, EngineOptions engine) throws IOException;
    }

    /** {@link TrainingRun#start} without a listener: what cnf4j train runs. */
    public static Trainer defaultTrainer() { return (o, e) -> TrainingRun.start(o, e, null); }

    /** The grid's cells, from a YAML or JSON file. */
    public static List<Cell> readGrid(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(null, null, file + ": grid file not found; check --grid");
        Object root;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage().replaceAll("\\s+", " ").trim();
            throw new IllegalArgumentException(file + ": not valid YAML or JSON (" + m + ")");
        }
        if (!(root instanceof Map<?, ?> map)) throw new IllegalArgumentException(file + ": expected a mapping of option names to values and a 'grid:'");
        Map<String, String> fixed = new LinkedHashMap<>();
        Map<String, List<String>> axes = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (key.equals("grid")) {
                if (!(e.getValue() instanceof Map<?, ?> g) || g.isEmpty()) throw new IllegalArgumentException(file + ": 'grid' must map option names to lists of values");
                for (Map.Entry<?, ?> a : g.entrySet()) {
                    String k = option(String.valueOf(a.getKey()), file);
                    if (!(a.getValue() instanceof List<?> l) || l.isEmpty()) throw new IllegalArgumentException(file + ": grid option '" + k + "' needs a non-empty list of values");
                    List<String> vs = new ArrayList<>();
                    for (Object v : l) {
                        String one = value(v, k, file);
                        // a value twice makes two cells that train the same model
                        if (vs.contains(one)) throw new IllegalArgumentException(file + ": grid option '" + k + "' lists " + one + " twice; give each value once");
                        vs.add(one);
                    }
                    if (fixed.containsKey(k)) throw new IllegalArgumentException(file + ": option '" + k + "' is both fixed and in the grid");
                    axes.put(k, vs);
                }
            } else {
                String k = option(key, file);
                if (axes.containsKey(k)) throw new IllegalArgumentException(file + ": option '" + k + "' is both fixed and in the grid");
                fixed.put(k, value(e.getValue(), k, file));
            }
        }
        if (axes.isEmpty()) throw new IllegalArgumentException(file + ": no 'grid:' of option lists; a single run is cnf4j train");
        if (fixed.containsKey("data")) fixed.put("data", absoluteData(fixed.get("data")));
        if (axes.containsKey("data")) axes.put("data", axes.get("data").stream().map(Sweep::absoluteData).toList());
        List<Cell> cells = new ArrayList<>();
        List<String> keys = new ArrayList<>(axes.keySet());
        int[] at = new int[keys.size()];
        int total = 1;
        for (String k : keys) total = Math.multiplyExact(total, axes.get(k).size());
        for (int c = 0; c < total; c++) {
            Map<String, String> values = new LinkedHashMap<>(), options = new LinkedHashMap<>(fixed);
            for (int j = 0; j < keys.size(); j++) values.put(keys.get(j), axes.get(keys.get(j)).get(at[j]));
            options.putAll(values);
            cells.add(new Cell(String.format(Locale.ROOT, "cell-%03d", c), values, options));
            for (int j = keys.size() - 1; j >= 0 && ++at[j] == axes.get(keys.get(j)).size(); j--) at[j] = 0;
        }
        return cells;
    }

    private static String option(String raw, Path file) {
        String k = raw.trim();
        while (k.startsWith("-")) k = k.substring(1);
        StringBuilder b = new StringBuilder();
        for (char c : k.toCharArray()) {
            if (Character.isUpperCase(c)) b.append('-').append(Character.toLowerCase(c));
            else b.append(c == '_' ? '-' : c);
        }
        String key = b.toString().toLowerCase(Locale.ROOT);
        if (!OPTIONS.containsKey(key)) {
            throw new IllegalArgumentException(file + ": unknown option '" + raw + "'; use one of " + String.join(", ", OPTIONS.keySet()));
        }
        return key;
    }

    private static String value(Object v, String key, Path file) {
        if (v == null) throw new IllegalArgumentException(file + ": option '" + key + "' has no value");
        if (v instanceof List<?> l) {
            if (OPTIONS.get(key) != String.class) throw new IllegalArgumentException(file + ": option '" + key + "' takes one value, not a list");
            return l.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        if (v instanceof Map<?, ?>) throw new IllegalArgumentException(file + ": option '" + key + "' takes a value, not a mapping");
        String s = String.valueOf(v).trim();
        try {
            convert(key, s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": option '" + key + "': '" + s + "' is not a valid " + OPTIONS.get(key).getSimpleName().toLowerCase(Locale.ROOT));
        }
        return s;
    }

    private static Object convert(String key, String s) {
        Class<?> t = OPTIONS.get(key);
        if (t == Integer.class) return Integer.valueOf(s.endsWith(".0") ? s.substring(0, s.length() - 2) : s);
        if (t == Long.class) return Long.valueOf(s.endsWith(".0") ? s.substring(0, s.length() - 2) : s);
        if (t == Double.class) return Double.valueOf(s);
        if (t == Boolean.class) {
            if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) throw new IllegalArgumentException(s);
            return Boolean.valueOf(s);
        }
        return s;
    }

    /** A data file named relative to the driver's folder, made absolute (toy names and maf: sources stay). */
    static String absoluteData(String data) {
        if (data.contains(":")) return data;
        Path p = Path.of(data);
        return Files.exists(p) ? p.toAbsolutePath().normalize().toString() : data;
    }

    /** The options of cnf4j train for a cell, as TrainCommand hands them to the training-run service. */
    static TrainingOptions trainingOptions(Map<String, String> options, Path out) {
        TrainingOptions o = new TrainingOptions().out(out);
        for (Map.Entry<String, String> e : options.entrySet()) {
            Object v = convert(e.getKey(), e.getValue());
            switch (e.getKey()) {
                case "data" -> o.data((String) v);
                case "method" -> o.method((String) v);
                case "alpha" -> o.alpha((String) v);
                case "steps" -> o.steps((Integer) v);
                case "iters" -> o.iters((Integer) v);
                case "epochs" -> o.epochs((Integer) v);
                case "batch" -> o.batch((Integer) v);
                case "val-batch" -> o.valBatch((Integer) v);
                case "nt" -> o.nt((Integer) v);
                case "nt-val" -> o.ntVal((Integer) v);
                case "width" -> o.width((Integer) v);
                case "layers" -> o.layers((Integer) v);
                case "drop-every" -> o.dropEvery((Integer) v);
                case "early-stopping" -> o.earlyStopping((Integer) v);
                case "resample-every" -> o.resampleEvery((Integer) v);
                case "val-every" -> o.valEvery((Integer) v);
                case "checkpoint-every" -> o.checkpointEvery((Integer) v);
                case "batch-shards" -> o.batchShards((Integer) v);
                case "budget" -> o.budget((String) v);
                case "adam" -> o.adam((String) v);
                case "toy-samples" -> o.toySamples((Integer) v);
                case "grad-tol" -> o.gradTol((Double) v);
                case "lr" -> o.lr((Double) v);
                case "lr-drop" -> o.lrDrop((Double) v);
                case "clamp" -> o.clamp((Double) v);
                case "seed" -> o.seed((Long) v);
                case "no-plot" -> o.plot(!(Boolean) v);
                default -> throw new IllegalArgumentException("unknown option '" + e.getKey() + "'");
            }
        }
        if (o.method() == null) o.method(TrainingOptions.OTFLOW);
        return o;
    }

    /** The executor side: one cell in a private folder, sent back as bytes; a failed training is a result too. */
    static final class TrainCell implements Function<Cell, CellResult> {
        private static final long serialVersionUID = 1L;
        private final Trainer trainer;
        private final EngineSpec engine;

        TrainCell(Trainer trainer, EngineSpec engine) {
            this.trainer = trainer;
            this.engine = engine;
        }

        @Override
        public CellResult call(Cell cell) throws IOException {
            Path tmp = Files.createTempDirectory("cnf4j-" + cell.id() + "-");
            long t0 = System.nanoTime();
            try {
                Path run = tmp.resolve("run");
                RunResult r;
                try {
                    r = trainer.train(trainingOptions(cell.options(), run), engine.options());
                } catch (Exception e) {
                    String m = e.getMessage() == null ? e.toString() : e.getMessage();
                    return new CellResult(cell.id(), false, Double.NaN, -1, 0, (System.nanoTime() - t0) / 1e9,
                            m.strip().lines().findFirst().orElse(""), null);
                }
                return new CellResult(cell.id(), true, r.validationNll(), r.bestIteration(), r.model().maps().size(), (System.nanoTime() - t0) / 1e9,
                        null, Zips.zip(run, Zips.files(run)));
            } finally {
                Zips.deleteTree(tmp);
            }
        }
    }

    /** What {@link #run} did. */
    public record Summary(int cells, int ok, List<CellResult> results) {}

    /**
     * Trains every cell, one Spark task each, and writes {@code out} (which must not exist): {@code cells/ID/} (run
     * directories), {@code results.csv}, {@code results.md} and {@code grid.yaml} (the grid file), into a hidden
     * temporary sibling renamed into place at the end.
     */
    public static Summary run(SparkSession spark, Path grid, Path out, EngineSpec engine, Trainer trainer) throws IOException {
        List<Cell> cells = readGrid(grid);
        Path abs = out.toAbsolutePath().normalize();
        if (Files.exists(abs)) throw new IllegalArgumentException("--out " + out + " exists; remove it or choose another folder");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<CellResult> results = jsc.parallelize(cells, cells.size()).map(new TrainCell(trainer, engine)).collect();
        Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp-" + UUID.randomUUID());
        boolean done = false;
        try {
            Files.createDirectories(tmp.resolve("cells"));
            for (CellResult r : results) if (r.ok()) Zips.unzip(r.run(), tmp.resolve("cells").resolve(r.id()), r.id());
            Files.copy(grid, tmp.resolve("grid.yaml"));
            writeResults(tmp, cells, results);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } finally {
            if (!done) Zips.deleteTree(tmp);
        }
        int ok = (int) results.stream().filter(CellResult::ok).count();
        return new Summary(cells.size(), ok, results);
    }

    private static void writeResults(Path dir, List<Cell> cells, List<CellResult> results) throws IOException {
        List<String> keys = new ArrayList<>(cells.get(0).values().keySet());
        StringBuilder csv = new StringBuilder("cell,status");
        StringBuilder md = new StringBuilder("| cell | status");
        for (String k : keys) {
            csv.append(',').append(k);
            md.append(" | ").append(k);
        }
        csv.append(",validation_nll,best_iteration,maps,seconds,error\n");
        md.append(" | validation NLL | best iteration | maps | seconds | error |\n|");
        for (int j = 0; j < keys.size() + 7; j++) md.append("---|");
        md.append('\n');
        for (int i = 0; i < cells.size(); i++) {
            Cell c = cells.get(i);
            CellResult r = results.get(i);
            csv.append(c.id()).append(',').append(r.ok() ? "ok" : "failed");
            md.append("| ").append(c.id()).append(" | ").append(r.ok() ? "ok" : "failed");
            for (String k : keys) {
                csv.append(',').append(quote(c.values().get(k)));
                md.append(" | ").append(c.values().get(k));
            }
            csv.append(',').append(r.ok() ? Double.toString(r.validationNll()) : "").append(',').append(r.ok() ? r.bestIteration() : "")
                    .append(',').append(r.ok() ? r.maps() : "").append(',').append(String.format(Locale.ROOT, "%.1f", r.seconds()))
                    .append(',').append(r.error() == null ? "" : quote(r.error())).append('\n');
            md.append(" | ").append(r.ok() ? String.format(Locale.ROOT, "%.4f", r.validationNll()) : "").append(" | ")
                    .append(r.ok() ? r.bestIteration() : "").append(" | ").append(r.ok() ? r.maps() : "").append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f", r.seconds())).append(" | ")
                    .append(r.error() == null ? "" : r.error().replace("|", "\\|")).append(" |\n");
        }
        Files.writeString(dir.resolve("results.csv"), csv);
        Files.writeString(dir.resolve("results.md"), md);
    }

    private static String quote(String s) {
        if (s == null) return "";
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
