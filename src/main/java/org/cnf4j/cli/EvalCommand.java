package org.cnf4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cnf4j.data.DataSets;
import org.cnf4j.data.Dataset;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.run.Evaluation;
import org.cnf4j.run.OutputGuard;
import org.cnf4j.run.Recipe;
import org.cnf4j.run.RunDirectory;
import org.cnf4j.run.RunModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.eval.AdaptiveFlow;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;

/** {@code cnf4j eval}: test NLL, inverse error and MMD of a model on held-out data. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a model on the test split of its data (or --data), as the OT-Flow reference's evaluateLargeOTflow.py: "
                + "test NLL (nats, in the model's standardised space and in the data's units), the test costs L, C, R and J = a0 L + a1 C "
                + "+ a2 R, the parameter count, inverse error mean|x - F^-1(F(x))|, MMD^2 between test points and samples, wall times.",
            "--per-map (JKO-Flow's protocol): NLL and MMD after each map k = 0..K, in the JSON and a PNG.",
            "--split train: the same measures on the rows the model was trained on; next to the test NLL, the gap shows how much "
                + "of it is overfitting rather than a model that has not learnt the data (docs/QUALITY.md).",
            "Prints a table and writes JSON (RUN_DIR/eval.json unless --output)."})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN_DIR", description = "Run directory (train, JKO-Flow included, or import-otflow).") Path model;
    @Option(names = "--data", paramLabel = "SOURCE", description = "Data (default: the run's, whose test split is used). A file other than "
            + "the run's is evaluated whole, every row in file order, in the data's units (the model's saved preprocessing applied).") String data;
    @Option(names = "--split", paramLabel = "test|validation|train", defaultValue = "test", description = "Which split of the run's own data "
            + "(file or maf:NAME) to evaluate (default ${DEFAULT-VALUE}); the JSON keeps its test_* keys and says the split in \"rows\".")
    String split;
    @Option(names = "--nt", description = "RK4 steps (per map for JKO-Flow runs; default: the papers' test nt for maf:NAME data "
            + "(power 24, gas 30, hepmass 24, miniboone 18, bsds300 40), else the run's nt_val).") Integer nt;
    @Option(names = "--adaptive", description = "Integrate with Dormand-Prince 5(4) and error control instead of fixed-step RK4.") boolean adaptive;
    @Option(names = "--rtol", defaultValue = "1e-5", description = "Relative tolerance for --adaptive (default ${DEFAULT-VALUE}).") double rtol;
    @Option(names = "--atol", defaultValue = "1e-5", description = "Absolute tolerance for --adaptive (default ${DEFAULT-VALUE}).") double atol;
    @Option(names = "--max-test", paramLabel = "N", description = "Use at most N test points for the NLL and costs (default: the whole test split).")
    Integer maxTest;
    @Option(names = "--mmd-n", defaultValue = "2000", description = "Test points and samples for MMD and the inverse error (default ${DEFAULT-VALUE}).") int mmdN;
    @Option(names = "--mmd-scale", defaultValue = "1", description = "Kernel length scale h of the MMD, k = exp(-|x-y|^2 / h^2) "
            + "(default ${DEFAULT-VALUE}, the reference's kernel; raise it for d > 2).") double mmdScale;
    @Option(names = "--mmd-columns", paramLabel = "i,j", split = ",", description = "Compare only these columns in the MMD, numbered from "
            + "1 as everywhere in cnf4j (the JKO-Flow paper's 0-based MINIBOONE slices 16-17 and 28-29 are 17,18 and 29,30).") int[] mmdColumns;
    @Option(names = "--mmd-estimator", paramLabel = "unbiased|biased", defaultValue = "unbiased", description = "MMD^2 estimator: the unbiased "
            + "U-statistic (default) or the biased V-statistic (all pairs, diagonal included; the JKO-Flow reference's for large samples).")
    String mmdEstimator;
    @Option(names = "--per-map", description = "Also the NLL of the first k maps and the MMD of y ~ N(0, I) pulled back through the last "
            + "k maps, k = 0..K (JKO-Flow's protocol; one map for OT-Flow); written to the JSON and to a PNG beside it (eval-per-map.png).")
    boolean perMap;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the samples (default ${DEFAULT-VALUE}).") long seed;
    @Mixin EngineMixin engine = new EngineMixin();
    @Option(names = "--output", paramLabel = "FILE", description = "JSON output (default RUN_DIR/eval.json).") Path output;

    @Override
    public Integer call() throws IOException {
        if (nt != null) ModelSupport.positive("--nt", nt);
        // the MMD and its unbiased estimate compare at least two rows
        if (maxTest != null && maxTest < 2) throw new IllegalArgumentException("--max-test must be >= 2 (the MMD compares at least two rows), got " + maxTest);
        Evaluation.Estimator estimator = switch (mmdEstimator.toLowerCase(Locale.ROOT)) {
            case "unbiased" -> Evaluation.Estimator.UNBIASED;
            case "biased" -> Evaluation.Estimator.BIASED;
            default -> throw new IllegalArgumentException("unknown --mmd-estimator '" + mmdEstimator + "': use unbiased or biased");
        };
        if (perMap && adaptive) throw new IllegalArgumentException("--per-map measures fixed RK4 steps; drop --adaptive (or --per-map)");
        if (mmdN < 2) throw new IllegalArgumentException("--mmd-n must be >= 2, got " + mmdN);
        if (!(mmdScale > 0) || !Double.isFinite(mmdScale)) throw new IllegalArgumentException("--mmd-scale must be a positive number, got " + mmdScale);
        if (nt != null && adaptive) throw new IllegalArgumentException("--nt and --adaptive exclude each other");
        // before the work, not after it: the JSON is written last
        if (output != null && java.nio.file.Files.isDirectory(output)) throw new IllegalArgumentException("--output " + output + " is a directory: choose another --output, a file name (nothing was written)");
        EngineOptions eo = engine.checkedOptions(DType.FLOAT64, 2);
        RunModel m = RunModel.load(model);
        if (adaptive) AdaptiveFlow.checkTolerances(rtol, atol);
        String source = data != null ? data : m.data();
        if (source == null) throw new IllegalArgumentException(model + " names no data source; give --data SOURCE");
        if (output != null) {   // the default, RUN_DIR/eval.json, is this command's own result file
            OutputGuard.besideRun("--output", output, model);
            OutputGuard.notIntoARun("--output", output);
            OutputGuard.apart("--output", output, data != null ? "the --data file" : "the run's data file", DataSets.file(source));
        }
        String changed = data == null ? RunDirectory.open(model).dataFileChange() : null;
        if (changed != null) throw new IOException(changed + "; to evaluate on it as it is now, pass --data " + source);
        // --data FILE other than the run's own: every row of it, in file order and its own units, not split or
        // standardised (integers get the dequantisation noise where the model's data were dequantised integers);
        // the run's own data: its test split, the rows training never saw
        boolean foreign = !DataSets.canonical(source).equals(DataSets.canonical(m.data()));
        boolean wholeFile = foreign && DataSets.file(source) != null;
        String part = split.toLowerCase(Locale.ROOT);
        if (!List.of("test", "validation", "train").contains(part)) {
            throw new IllegalArgumentException("unknown --split '" + split + "': use test, validation or train");
        }
        if (!part.equals("test") && (foreign || DataSets.isToy(source))) {
            throw new IllegalArgumentException("--split " + part + " names a split of the run's own file or maf data; "
                    + (foreign ? "--data " + source + " is evaluated whole" : source + " is toy data, drawn afresh") + ": drop --split");
        }
        MatrixFile.Matrix whole = wholeFile ? DataSets.wholeFile(DataSets.file(source), m.seed(), m.transform().dequantised()) : null;
        Dataset ds = wholeFile ? null : DataSets.isToy(source)
                ? DataSets.load(source, m.seed(), DataSets.Options.defaults().withToySizes(2, 2, 10_000))
                : DataSets.load(source, m.seed(), DataSets.Options.defaults());
        int d = m.d(), cols = wholeFile ? whole.cols() : ds.d();
        if (cols != d) throw new IllegalArgumentException(source + " has " + cols + " columns but the model has dimension d=" + d);
        if (mmdColumns != null) {
            ListOptions.distinct("--mmd-columns", Arrays.stream(mmdColumns).boxed().toList());   // a column twice weighs it twice
            for (int c : mmdColumns) {
                if (c < 1 || c > d) throw new IllegalArgumentException("--mmd-columns " + c + " is not a column of the model's " + d + " (1.." + d + ")");
            }
        }
        double[] rows = wholeFile ? whole.data() : switch (part) {
            case "train" -> ds.train();
            case "validation" -> ds.validation();
            default -> ds.test();
        };
        int available = rows.length / d;
        if (available < 2) {
            throw new IllegalArgumentException(source + ": " + (wholeFile ? "the file has " : "the " + part + " split has ") + available
                    + " row(s); need at least 2");
        }
        int n = maxTest == null ? available : Math.min(maxTest, available);
        double[] test = Arrays.copyOf(rows, n * d);
        // Data other than the run's own was standardised with its own statistics: take it back to its
        // units and through the model's saved preprocessing instead, so the model sees what it was trained on.
        if (foreign) test = m.transform().toModel(wholeFile ? test : sourceUnits(ds, test));
        String which = wholeFile ? (n == available ? "all " : "the first " + n + " of ") + available + " rows of the file"
                : n + " " + part + " points" + (n < available ? " of " + available : "");
        int nm = Math.min(mmdN, n);
        double[] testSub = Arrays.copyOf(test, nm * d);
        Integer paperNt = Recipe.testNt(source);
        int steps = nt != null ? nt : paperNt != null ? paperNt : m.nt();
        // the NLL pass over n points, then the inverse error's round trip and the samples over nm
        ModelSupport.budget(m, "evaluating", n, steps, 1 + 3.0 * nm / n, eo, "use a smaller --max-test or --mmd-n");
        Path jsonOut = output != null ? output : model.resolve("eval.json");
        Path perMapPng = perMap ? perMapPlot(jsonOut) : null;
        if (perMap && output != null) OutputGuard.besideRun("--output", perMapPng, model);

        String engineName;
        Evaluation.Result r;
        try (FlowEngine e = Engines.create(m.shape(), eo)) {
            engineName = e.describe();
            r = Evaluation.run(m, e, test, n, nm, new Evaluation.Options(steps, adaptive, rtol, atol, mmdScale,
                    mmdColumns == null ? null : Arrays.stream(mmdColumns).map(c -> c - 1).toArray(), estimator, seed, perMap));
        }
        double nll = r.nll(), invErr = r.inverseError(), mmd = r.mmd(), wall = r.secondsTotal();
        long evals = r.evaluations();
        double nllSource = foreign ? nll - m.transform().logDensityOffset() : nll + ds.nllOffset();

        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode j = om.createObjectNode();
        j.put("model", model.toString()).put("data", source).put("rows", wholeFile ? "file" : part + " split").put("d", d).put("n_test", n)
                .put("n_mmd", nm).put("mmd_scale", mmdScale);
        j.put("maps", m.maps().size()).put("parameters", r.parameters());
        j.put("integrator", adaptive ? "dopri5" : "rk4");
        if (adaptive) j.put("rtol", rtol).put("atol", atol).put("derivative_evaluations", evals);
        else j.put("nt", steps);
        j.put("dtype", eo.dtype().label()).put("engine", engineName);
        putNum(j, "test_nll", nll);
        putNum(j, "test_nll_data_units", nllSource);
        putNum(j, "inverse_error", invErr);
        putNum(j, "mmd2", mmd);
        j.put("mmd_estimator", estimator.name().toLowerCase(Locale.ROOT));
        if (mmdColumns != null) j.set("mmd_columns", om.valueToTree(mmdColumns));
        if (r.costs() != null) {
            ObjectNode c = j.putObject("test_costs");
            c.put("alpha", m.alpha().toString());
            putNum(c, "L", r.costs().l());
            putNum(c, "C", r.costs().c());
            putNum(c, "R", r.costs().r());
            putNum(c, "J", r.costs().j());
        }
        if (perMap) {
            var arr = j.putArray("per_map");
            for (Evaluation.MapStep st : r.perMap()) {
                ObjectNode o = arr.addObject().put("k", st.k());
                putNum(o, "nll", st.nll());
                putNum(o, "mmd2", st.mmd());
                putNum(o, "L", st.l());
                putNum(o, "R", st.r());
            }
        }
        j.putObject("seconds").put("nll", r.secondsNll()).put("inverse", r.secondsInverse()).put("mmd", r.secondsMmd()).put("total", wall);
        // the plot first: a JSON on disk means the whole evaluation was written
        if (perMap) Evaluation.plotPerMap(r.perMap(), perMapPng);
        ModelSupport.writeAtomically(jsonOut, om.writeValueAsBytes(j));

        System.out.printf(Locale.ROOT, "%-22s %s%n", "model", model);
        if (m.maps().size() > 1) System.out.printf(Locale.ROOT, "%-22s JKO-Flow, %d maps composed%n", "model type", m.maps().size());
        System.out.printf(Locale.ROOT, "%-22s %s (%s)%n", "data", source, which);
        System.out.printf(Locale.ROOT, "%-22s %s%n", "integrator", adaptive
                ? String.format(Locale.ROOT, "dopri5 rtol %.1e atol %.1e, %d derivative evaluations", rtol, atol, evals)
                : "rk4, nt " + steps);
        System.out.printf(Locale.ROOT, "%-22s %d%n", "parameters", r.parameters());
        System.out.printf(Locale.ROOT, "%-22s %.4f nats%n", part + " NLL", nll);
        System.out.printf(Locale.ROOT, "%-22s %.4f nats%n", part + " NLL (data units)", nllSource);
        System.out.printf(Locale.ROOT, "%-22s %.3e%n", "inverse error", invErr);
        if (r.costs() != null) {
            System.out.printf(Locale.ROOT, "%-22s L %.4e  C %.5e  R %.4e  J %.4e (alpha %s)%n", part + " costs", r.costs().l(), r.costs().c(),
                    r.costs().r(), r.costs().j(), m.alpha());
        }
        System.out.printf(Locale.ROOT, "%-22s %.3e (%d points, kernel scale %s, %s%s)%n", "MMD^2", mmd, nm, mmdScale, estimator.name().toLowerCase(Locale.ROOT),
                mmdColumns == null ? "" : ", columns " + Arrays.toString(mmdColumns));
        if (perMap) {
            System.out.printf(Locale.ROOT, "%-22s %4s %12s %12s %12s %12s%n", "per map", "k", "NLL", "MMD^2", "L_k", "R_k");
            for (Evaluation.MapStep st : r.perMap()) {
                System.out.printf(Locale.ROOT, "%-22s %4d %12.4f %12.3e %12.4e %12.4e%n", "", st.k(), st.nll(), st.mmd(), st.l(), st.r());
            }
        }
        System.out.printf(Locale.ROOT, "%-22s %.2f s%n", "wall time", wall);
        System.out.printf("wrote %s%n", jsonOut);
        if (perMap) System.out.printf("wrote %s%n", perMapPng);
        return 0;
    }

    /** The per-map PNG beside the JSON: eval.json -> eval-per-map.png. */
    static Path perMapPlot(Path json) {
        String name = json.getFileName().toString();
        String stem = name.toLowerCase(Locale.ROOT).endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        return json.resolveSibling(stem + "-per-map.png");
    }

    private static void putNum(ObjectNode j, String k, double v) {
        if (Double.isFinite(v)) j.put(k, v);
        else j.putNull(k);
    }


    /** Standardised (and possibly dequantised) rows of {@code ds} back in the source's continuous units. */
    static double[] sourceUnits(Dataset ds, double[] rows) {
        double[] x = ds.unstandardise(rows);
        Dataset.Dequantisation q = ds.dequantisation();
        if (q != null) for (int k = 0; k < x.length; k++) x[k] = q.offset() + x[k] * q.scale();
        return x;
    }
}
