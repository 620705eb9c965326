package org.cnf4j.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnf4j.data.DataTransform;
import org.cnf4j.format.AtomicFile;
import org.cnf4j.format.MissingFile;
import org.cnf4j.format.TorchCheckpoint;
import org.cnf4j.format.TorchCheckpoint.Tensor;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;

/**
 * OT-Flow models in PyTorch checkpoints (.pth, read and written by {@link TorchCheckpoint}): the reference's
 * {@code {'state_dict', 'args'}} files, JKO-Flow's {@code {'model_state_dict'}} maps and bare state_dicts read into
 * run directories, and a run's maps written back as files {@code torch.load} reads (docs/PTH.md).
 *
 * <p>A map's shape comes from its tensors (d from A's (r, d+1), m from N.layers.0.weight, nTh from the number of
 * layers); alpha, nt and nt_val from the file's {@code args} ({@code alph}, {@code nt}, {@code nt_val}), or from the
 * caller where a file has none. Values given by the caller replace the args' (and {@link Settings#notes} says so).
 */
public final class OtflowPth {
    private OtflowPth() {}

    /** Where a checkpoint keeps its state_dict, in the order they are looked for: the reference's, JKO-Flow's. */
    static final List<String> STATE_DICT_KEYS = List.of("state_dict", "model_state_dict");

    /** One map read from a .pth file: its parameters and, as JSON, the training arguments it carries (null when none). */
    public record Checkpoint(Path file, PhiParams params, ObjectNode args) {}

    /**
     * What a run made from checkpoints is configured with. {@code notes} says which of the caller's values replaced
     * a checkpoint's own ("--nt 16 replaces nt=12 of ...").
     */
    public record Settings(Alpha alpha, int nt, int ntVal, String data, DataTransform transform, List<String> notes) {}

    // ---------------------------------------------------------------------------------------------------------- import

    /**
     * The checkpoint files {@code paths} name: files as given, or the {@code .pth} files of one folder in natural
     * order (map_2.pth before map_10.pth).
     *
     * @throws IllegalArgumentException a folder given with other paths, or a folder without .pth files
     * @throws IOException              a path that does not exist
     */
    public static List<Path> files(List<Path> paths) throws IOException {
        if (paths.isEmpty()) throw new IllegalArgumentException("no checkpoint given");
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (!Files.exists(p)) throw MissingFile.explain(p, "checkpoint");
            if (!Files.isDirectory(p)) {
                files.add(p);
                continue;
            }
            if (paths.size() > 1) throw new IllegalArgumentException("--checkpoint " + p + " is a folder: give either one folder of maps or the map files, not both");
            try (var s = Files.list(p)) {
                s.filter(f -> f.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".pth") && Files.isRegularFile(f))
                        .sorted(Comparator.comparing(f -> f.getFileName().toString(), OtflowPth::natural)).forEach(files::add);
            }
            if (files.isEmpty()) throw new IllegalArgumentException("--checkpoint " + p + " holds no .pth files");
        }
        return files;
    }

    /** Names compared with their runs of digits as numbers: map_2 before map_10. */
    static int natural(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i), y = b.charAt(j);
            if (Character.isDigit(x) && Character.isDigit(y)) {
                int ei = i, ej = j;
                while (ei < a.length() && Character.isDigit(a.charAt(ei))) ei++;
                while (ej < b.length() && Character.isDigit(b.charAt(ej))) ej++;
                int c = new BigInteger(a.substring(i, ei)).compareTo(new BigInteger(b.substring(j, ej)));
                if (c != 0) return c;
                i = ei;
                j = ej;
            } else {
                if (x != y) return Character.compare(x, y);
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /**
     * Reads one OT-Flow map from a checkpoint.
     *
     * @throws IllegalArgumentException not a torch checkpoint, or one without an OT-Flow state_dict (naming what it holds),
     *                                  a tensor of the wrong shape or dtype, non-finite weights
     * @throws IOException              a missing, truncated or damaged file
     */
    public static Checkpoint read(Path file) throws IOException {
        Object root = TorchCheckpoint.read(file);
        PhiParams p = params(file, stateDict(file, root));
        ObjectNode args = null;
        if (root instanceof Map<?, ?> m && m.get("args") instanceof Map<?, ?> a) args = (ObjectNode) json(a);
        return new Checkpoint(file, p, args);
    }

    private static Map<?, ?> stateDict(Path file, Object root) {
        String expected = "expected a dict with 'state_dict' (the OT-Flow reference's layout) or 'model_state_dict' (JKO-Flow's), "
                + "or a bare state_dict, mapping A, c.weight, c.bias, w.weight, N.layers.i.weight and N.layers.i.bias to tensors";
        if (!(root instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(file + " holds " + what(root) + ", not an OT-Flow model: " + expected);
        }
        for (String k : STATE_DICT_KEYS) if (m.get(k) instanceof Map<?, ?> sd) return sd;
        if (m.get("A") instanceof Tensor) return m;
        throw new IllegalArgumentException(file + " holds a dict with keys " + keys(m) + " but no OT-Flow state_dict: " + expected);
    }

    private static String what(Object o) {
        if (o == null) return "None";
        if (o instanceof Tensor t) return "a single " + t;
        if (o instanceof List<?> || o instanceof Object[]) return "a list or tuple";
        if (o instanceof TorchCheckpoint.PythonObject p) return "a " + p.className() + " object (save the model's state_dict(), not the model)";
        return "a " + o.getClass().getSimpleName();
    }

    private static String keys(Map<?, ?> m) {
        List<String> k = new ArrayList<>();
        for (Object o : m.keySet()) k.add(String.valueOf(o));
        k.sort(null);
        String s = String.join(", ", k.subList(0, Math.min(8, k.size())));
        return "[" + s + (k.size() > 8 ? ", ... (" + k.size() + " in all)" : "") + "]";
    }

    /** The state_dict's tensors as Phi parameters, of the shape they say: d from A, m from N.layers.0.weight, nTh from the layers. */
    static PhiParams params(Path file, Map<?, ?> sd) {
        Tensor a = tensor(file, sd, "A"), l0 = tensor(file, sd, PhiParams.layerWeight(0));
        if (a.shape().length != 2 || l0.shape().length != 2) {
            throw new IllegalArgumentException(file + ": A is " + a.shapeText() + " and " + PhiParams.layerWeight(0) + " " + l0.shapeText()
                    + ", not matrices: not an OT-Flow state_dict");
        }
        int nTh = 0;
        while (sd.containsKey(PhiParams.layerWeight(nTh))) nTh++;
        PhiShape shape;
        try {
            shape = new PhiShape(a.shape()[1] - 1, l0.shape()[0], nTh);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": its state_dict gives " + e.getMessage() + " (A " + a.shapeText() + ", " + nTh + " layers)", e);
        }
        PhiParams p = new PhiParams(shape);
        for (PhiParams.Tensor t : p.tensors()) {
            Tensor x = tensor(file, sd, t.name());
            if (!Arrays.equals(x.shape(), t.stateDictShape())) {
                throw new IllegalArgumentException(file + ": " + t.name() + " has shape " + x.shapeText() + ", expected " + ReferenceModel.shapeText(t.stateDictShape())
                        + " in a model with d=" + shape.d() + ", m=" + shape.m() + ", nTh=" + shape.nTh());
            }
            for (double v : x.values()) {
                if (!Double.isFinite(v)) throw new IllegalArgumentException(file + " holds non-finite weights (in " + t.name() + ")");
            }
            p.set(t.name(), x.values());
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (PhiParams.Tensor t : p.tensors()) names.add(t.name());
        for (Object k : sd.keySet()) {
            if (!names.contains(String.valueOf(k))) {
                throw new IllegalArgumentException(file + ": state_dict key '" + k + "' is not a parameter of an OT-Flow Phi (d=" + shape.d() + ", m="
                        + shape.m() + ", nTh=" + shape.nTh() + "); cnf4j imports OT-Flow's Phi as the reference saves it");
            }
        }
        return p;
    }

    private static Tensor tensor(Path file, Map<?, ?> sd, String key) {
        Object v = sd.get(key);
        if (v == null) throw new IllegalArgumentException(file + ": its state_dict has no '" + key + "' (it has " + keys(sd) + "): not an OT-Flow state_dict");
        if (!(v instanceof Tensor t)) throw new IllegalArgumentException(file + ": state_dict entry '" + key + "' is " + what(v) + ", not a tensor");
        if (t.values() == null) {
            throw new IllegalArgumentException(file + ": " + key + " is a " + t.dtype() + " tensor; cnf4j reads float32 and float64 ones "
                    + "(convert in PyTorch: {k: v.double() for k, v in state_dict.items()})");
        }
        return t;
    }

    /** A pickled value as JSON: dicts and objects as objects, lists and tuples as arrays, a tensor or other value as its description. */
    static JsonNode json(Object o) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (o == null) return f.nullNode();
        if (o instanceof Map<?, ?> m) {
            ObjectNode n = f.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) n.set(String.valueOf(e.getKey()), json(e.getValue()));
            return n;
        }
        if (o instanceof List<?> || o instanceof Object[]) {
            ArrayNode n = f.arrayNode();
            for (Object x : o instanceof List<?> l ? l : Arrays.asList((Object[]) o)) n.add(json(x));
            return n;
        }
        if (o instanceof String s) return f.textNode(s);
        if (o instanceof Boolean b) return f.booleanNode(b);
        if (o instanceof Integer i) return f.numberNode(i);
        if (o instanceof Long l) return f.numberNode(l);
        if (o instanceof BigInteger b) return f.numberNode(b);
        if (o instanceof Double d) return Double.isFinite(d) ? f.numberNode(d) : f.textNode(d.toString());
        return f.textNode(o.toString());
    }

    /**
     * alpha, nt and nt_val for a run of {@code maps}: the caller's where given (null: not given), else the maps' args,
     * which must agree; nt_val defaults to nt. Also checks that the args' m, nTh and d are the tensors'.
     *
     * @throws IllegalArgumentException a map without args and no {@code alpha} or {@code nt}, maps whose args disagree,
     *                                  args that contradict the tensors
     */
    public static Settings settings(List<Checkpoint> maps, Alpha alpha, Integer nt, Integer ntVal) throws IOException {
        List<String> notes = new ArrayList<>();
        for (Checkpoint c : maps) {
            PhiShape s = c.params().shape;
            for (Object[] k : new Object[][] {{"d", s.d()}, {"m", s.m()}, {"nTh", s.nTh()}}) {
                JsonNode v = c.args() == null ? null : c.args().get((String) k[0]);
                if (v != null && !v.isNull() && (!v.canConvertToInt() || v.asInt() != (Integer) k[1])) {
                    throw new IllegalArgumentException(c.file() + ": its args say " + k[0] + "=" + v + " but its tensors have " + k[0] + "=" + k[1]
                            + ": the file is inconsistent");
                }
            }
        }
        JsonNode alph = agreed(maps, "alph", alpha != null), ntArg = agreed(maps, "nt", nt != null), ntValArg = agreed(maps, "nt_val", ntVal != null);
        Checkpoint bare = maps.stream().filter(c -> c.args() == null).findFirst().orElse(null);
        java.util.function.UnaryOperator<String> missing = key -> bare != null
                ? bare.file() + " carries no training arguments ('args'), as JKO-Flow's maps do not"
                : maps.get(0).file() + "'s args have no " + key;
        Alpha a = alpha;
        if (a == null) {
            if (alph == null) throw new IllegalArgumentException(missing.apply("alph") + ": give --alpha a0,a1,a2 (and --nt N)");
            a = alphaOf(alph, maps);
        } else if (alph != null && !alphaOf(alph, maps).equals(alpha)) {
            notes.add("--alpha " + alpha + " replaces alph=" + alph + " of the checkpoint's args");
        }
        int n = step(nt, ntArg, "nt", missing, notes, maps);
        int nv = ntVal != null || ntValArg != null ? step(ntVal, ntValArg, "nt_val", missing, notes, maps) : n;
        String data = null;
        DataTransform t = DataTransform.identity(maps.get(0).params().shape.d());
        for (Checkpoint c : maps) {
            if (c.args() == null) continue;
            if (data == null && c.args().path("data").isTextual()) data = c.args().get("data").asText();
            if (c.args().path("preprocessing").isObject()) {
                t = DataTransform.fromJson(c.args().get("preprocessing"), c.params().shape.d(), c.file() + " (args.preprocessing)");
            }
        }
        return new Settings(a, n, nv, data, t, notes);
    }

    private static int step(Integer flag, JsonNode arg, String key, java.util.function.UnaryOperator<String> missing, List<String> notes, List<Checkpoint> maps) {
        if (flag != null) {
            if (flag < 1) throw new IllegalArgumentException("--" + key.replace('_', '-') + " must be >= 1, got " + flag);
            if (arg != null && !(arg.canConvertToInt() && arg.asInt() == flag)) notes.add("--" + key.replace('_', '-') + " " + flag + " replaces " + key + "=" + arg + " of the checkpoint's args");
            return flag;
        }
        if (arg == null) throw new IllegalArgumentException(missing.apply(key) + ": give --" + key.replace('_', '-') + " N");
        if (!arg.isIntegralNumber() || !arg.canConvertToInt() || arg.asInt() < 1) {
            throw new IllegalArgumentException(maps.get(0).file() + ": args." + key + " is " + arg + ", not a number of steps >= 1; give --" + key.replace('_', '-') + " N");
        }
        return arg.asInt();
    }

    private static Alpha alphaOf(JsonNode alph, List<Checkpoint> maps) {
        if (!alph.isArray() || alph.size() != 3 || !alph.get(0).isNumber() || !alph.get(1).isNumber() || !alph.get(2).isNumber()) {
            throw new IllegalArgumentException(maps.get(0).file() + ": args.alph is " + alph + ", not three numbers; give --alpha a0,a1,a2");
        }
        try {
            return new Alpha(alph.get(0).asDouble(), alph.get(1).asDouble(), alph.get(2).asDouble());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(maps.get(0).file() + ": args.alph " + alph + ": " + e.getMessage(), e);
        }
    }

    /** The value the maps' args agree on for {@code key} (null: none has it); maps that disagree are refused unless the caller chooses. */
    private static JsonNode agreed(List<Checkpoint> maps, String key, boolean given) {
        JsonNode value = null;
        Path from = null;
        for (Checkpoint c : maps) {
            JsonNode v = c.args() == null ? null : c.args().get(key);
            if (v == null || v.isNull()) continue;
            if (value == null) {
                value = v;
                from = c.file();
            } else if (!value.equals(v) && !given) {
                throw new IllegalArgumentException(from + " has " + key + "=" + value + " but " + c.file() + " " + key + "=" + v
                        + ": the maps of one run share alpha and the steps; give --" + (key.equals("alph") ? "alpha" : key.replace('_', '-')) + " to choose");
            }
        }
        return value;
    }

    /**
     * Writes run directory {@code out} (which must not exist or be empty) from checkpoints read by {@link #read}: one map
     * in weights/, several as a JKO-Flow run ({@code maps/1..K}, {@code "method": "jko"}), in the order given.
     *
     * @throws IllegalArgumentException maps of different shapes
     */
    public static void importRun(Path out, List<Checkpoint> maps, Settings s) throws IOException {
        PhiShape shape = maps.get(0).params().shape;
        for (Checkpoint c : maps) {
            if (!c.params().shape.equals(shape)) {
                throw new IllegalArgumentException(c.file() + " is a map of " + describe(c.params().shape) + " but " + maps.get(0).file() + " one of "
                        + describe(shape) + ": the maps of a JKO-Flow run share d, m and nTh");
            }
        }
        ObjectMapper om = new ObjectMapper();
        ObjectNode extra = om.createObjectNode();
        ArrayNode files = extra.putArray("checkpoints"), args = extra.putArray("args");
        for (Checkpoint c : maps) {
            files.add(c.file().toAbsolutePath().toString());
            args.add(c.args() == null ? om.nullNode() : c.args());
        }
        if (!s.notes().isEmpty()) extra.set("notes", om.valueToTree(s.notes()));
        try (RunDirectory run = RunDirectory.create(out)) {
            if (maps.size() == 1) run.saveWeights(maps.get(0).params());
            for (int k = 1; maps.size() > 1 && k <= maps.size(); k++) run.saveMap(k, maps.get(k - 1).params());
            run.saveModelConfig(shape, s.alpha(), s.nt(), s.ntVal(), s.data(), s.transform(), extra, maps.size() > 1 ? maps.size() : 0);
        }
    }

    static String describe(PhiShape s) { return "d=" + s.d() + ", m=" + s.m() + ", nTh=" + s.nTh(); }

    // ---------------------------------------------------------------------------------------------------------- export

    /**
     * The checkpoint of one map as {@link TorchCheckpoint#write} takes it: {@code {'state_dict': OrderedDict(KEY:
     * float64 tensor), 'args': {'d', 'm', 'nTh', 'alph', 'nt', 'nt_val'[, 'data'][, 'preprocessing']}}}, with plain
     * Python values in args so that torch.load(weights_only=True) reads it without cnf4j.
     */
    public static Map<String, Object> checkpoint(PhiParams p, Alpha alpha, int nt, int ntVal, String data, DataTransform t) {
        TorchCheckpoint.OrderedDict sd = new TorchCheckpoint.OrderedDict();
        for (PhiParams.Tensor x : p.tensors()) sd.put(x.name(), Tensor.float64(x.stateDictShape(), p.copyOf(x.name())));
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("d", p.shape.d());
        args.put("m", p.shape.m());
        args.put("nTh", p.shape.nTh());
        args.put("alph", List.of(alpha.a0(), alpha.a1(), alpha.a2()));
        args.put("nt", nt);
        args.put("nt_val", ntVal);
        if (data != null) args.put("data", data);
        if (!t.isIdentity()) args.put("preprocessing", new ObjectMapper().convertValue(t.toJson(new ObjectMapper()), Map.class));
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("state_dict", sd);
        root.put("args", args);
        return root;
    }

    /**
     * Exports run {@code runDir}: an OT-Flow run's map to the file {@code out}; a JKO-Flow run's maps to
     * {@code out/map_1.pth, ..., map_K.pth}, {@code out} a new or empty folder (written beside it and renamed into
     * place, so that it is complete or absent). Returns the files written.
     */
    public static List<Path> export(Path runDir, Path out) throws IOException {
        RunModel model = RunModel.load(runDir);
        JsonNode cfg = new ObjectMapper().readTree(runDir.resolve("config.json").toFile());
        int nt = cfg.path("nt").asInt(model.nt());
        boolean jko = RunDirectory.JKO.equals(cfg.path("method").asText(RunDirectory.OTFLOW));
        List<Map<String, Object>> files = new ArrayList<>();
        for (PhiParams p : model.maps()) files.add(checkpoint(p, model.alpha(), nt, model.nt(), model.data(), model.transform()));
        if (!jko) {
            TorchCheckpoint.write(out, files.get(0));
            return List.of(out);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a file, but a JKO-Flow run exports one file per map into a folder: give a new folder");
        }
        if (Files.isDirectory(out)) {
            try (var s = Files.list(out)) {
                if (s.findAny().isPresent()) throw new IllegalArgumentException("--out " + out + " is not empty: choose another --out or remove it");
            }
        }
        Path abs = out.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
        List<Path> written = new ArrayList<>();
        try (AtomicFile.Held held = AtomicFile.hold(tmp)) {
            AtomicFile.deleteRecursively(tmp);
            Files.createDirectories(tmp);
            for (int k = 1; k <= files.size(); k++) {
                TorchCheckpoint.write(tmp.resolve("map_" + k + ".pth"), files.get(k - 1));
                written.add(out.resolve("map_" + k + ".pth"));
            }
            Files.deleteIfExists(abs);   // an empty folder given as --out
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw AtomicFile.failure(out, tmp, e);
        }
        return written;
    }

}
