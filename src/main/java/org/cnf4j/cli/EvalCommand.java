package org.cnf4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cnf4j.data.DataSets;
import org.cnf4j.data.Dataset;
import java.util.ArrayList;
import java.util.List;
import org.cnf4j.eval.AdaptiveFlow;
import org.cnf4j.eval.Flow;
import org.cnf4j.eval.Mmd;
import org.cnf4j.run.OutputGuard;
import org.cnf4j.run.RunDirectory;
import org.cnf4j.run.RunModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;

/** {@code cnf4j eval}: test NLL, inverse error and MMD of a model on held-out data. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a model on the test split of its data (or --data): test NLL (nats, in the model's standardised space "
                + "and in the data's units), inverse error mean|x - F^-1(F(x))|, MMD^2 between test points and samples, wall times.",
            "Prints a table and writes JSON (RUN_DIR/eval.json unless --output)."})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN_DIR", description = "Run directory (train, JKO-Flow included, or import-otflow).") Path model;
    @Option(names = "--data", paramLabel = "SOURCE", description = "Data source (default: the run's); its test split is used.") String data;
    @Option(names = "--nt", description = "RK4 steps (per map for JKO-Flow runs; default: the run's nt_val).") Integer nt;
    @Option(names = "--adaptive", description = "Integrate with Dormand-Prince 5(4) and error control instead of fixed-step RK4.") boolean adaptive;
    @Option(names = "--rtol", defaultValue = "1e-5", description = "Relative tolerance for --adaptive (default ${DEFAULT-VALUE}).") double rtol;
    @Option(names = "--atol", defaultValue = "1e-5", description = "Absolute tolerance for --adaptive (default ${DEFAULT-VALUE}).") double atol;
    @Option(names = "--max-test", defaultValue = "10000", description = "Use at most this many test points for the NLL (default ${DEFAULT-VALUE}).") int maxTest;
    @Option(names = "--mmd-n", defaultValue = "2000", description = "Test points and samples for MMD and the inverse error (default ${DEFAULT-VALUE}).") int mmdN;
    @Option(names = "--mmd-scale", defaultValue = "1", description = "Kernel length scale h of the MMD, k = exp(-|x-y|^2 / h^2) "
            + "(default ${DEFAULT-VALUE}, the reference's kernel; raise it for d > 2).") double mmdScale;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of the samples (default ${DEFAULT-VALUE}).") long seed;
    @Mixin EngineMixin engine = new EngineMixin();
    @Option(names = "--output", paramLabel = "FILE", description = "JSON output (default RUN_DIR/eval.json).") Path output;

    @Override
    public Integer call() throws IOException {
        if (nt != null) ModelSupport.positive("--nt", nt);
        ModelSupport.positive("--max-test", maxTest);
        if (mmdN < 2) throw new IllegalArgumentException("--mmd-n must be >= 2, got " + mmdN);
        if (!(mmdScale > 0) || !Double.isFinite(mmdScale)) throw new IllegalArgumentException("--mmd-scale must be a positive number, got " + mmdScale);
        if (nt != null && adaptive) throw new IllegalArgumentException("--nt and --adaptive exclude each other");
        // before the work, not after it: the JSON is written last
        if (output != null && java.nio.file.Files.isDirectory(output)) throw new IllegalArgumentException("--output " + output + " is a directory: choose another --output, a file name (nothing was written)");
        EngineOptions eo = engine.checkedOptions(DType.FLOAT64, 2);
        RunModel m = RunModel.load(model);
        if (adaptive && (!(rtol > 0) || !(atol > 0))) throw new IllegalArgumentException("--rtol and --atol must be > 0");
        String source = data != null ? data : m.data();
        if (source == null) throw new IllegalArgumentException(model + " names no data source; give --data SOURCE");
        if (output != null) {   // the default, RUN_DIR/eval.json, is this command's own result file
            OutputGuard.besideRun("--output", output, model);
            OutputGuard.apart("--output", output, data != null ? "the --data file" : "the run's data file", DataSets.file(source));
        }
        String changed = data == null ? RunDirectory.open(model).dataFileChange() : null;
        if (changed != null) throw new IOException(changed + "; to evaluate on it as it is now, pass --data " + source);
        Dataset ds = DataSets.isToy(source)
                ? DataSets.load(source, m.seed(), DataSets.Options.defaults().withToySizes(2, 2, 10_000))
                : DataSets.load(source, m.seed());
        int d = m.d();
        if (ds.d() != d) throw new IllegalArgumentException(source + " has " + ds.d() + " columns but the model has dimension d=" + d);
        if (ds.nTest() < 2) throw new IllegalArgumentException(source + ": the test split has " + ds.nTest() + " row(s); need at least 2");
        int n = Math.min(maxTest, ds.nTest());
        double[] test = Arrays.copyOf(ds.test(), n * d);
        // Data other than the run's own was standardised with its own statistics: take it back to its
        // units and through the model's saved preprocessing instead, so the model sees what it was trained on.
        boolean foreign = !DataSets.canonical(source).equals(DataSets.canonical(m.data()));
        if (foreign) test = m.transform().toModel(sourceUnits(ds, test));
        int nm = Math.min(mmdN, n);
        double[] testSub = Arrays.copyOf(test, nm * d);
        int steps = nt != null ? nt : m.nt();
        // the NLL pass over n points, then the inverse error's round trip and the samples over nm
        ModelSupport.budget(m, "evaluating", n, steps, 1 + 3.0 * nm / n, eo, "use a smaller --max-test or --mmd-n");
        Path jsonOut = output != null ? output : model.resolve("eval.json");

        double nll, invErr, mmd;
        long evals = -1;
        long t0 = System.nanoTime();
        double tNll, tInv, tMmd;
        String engineName;
        try (FlowEngine e = Engines.create(m.shape(), eo)) {
            engineName = e.describe();
            List<AdaptiveFlow> adaptiveMaps = new ArrayList<>();
            Flow f = adaptive ? m.adaptiveFlow(e, rtol, atol, adaptiveMaps) : m.flow(e, steps);
            nll = -LogpCommand.mean(f.logDensity(test, n));
            tNll = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            invErr = f.inverseError(testSub, nm);
            tInv = (System.nanoTime() - t1) / 1e9;
            long t2 = System.nanoTime();
            double[] samples = f.sample(nm, seed, null);
            mmd = Mmd.mmd2(scaled(testSub), scaled(samples), d);
            tMmd = (System.nanoTime() - t2) / 1e9;
            if (adaptive) evals = adaptiveMaps.stream().mapToLong(AdaptiveFlow::evaluations).sum();
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double nllSource = foreign ? nll - m.transform().logDensityOffset() : nll + ds.nllOffset();

        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode j = om.createObjectNode();
        j.put("model", model.toString()).put("data", source).put("d", d).put("n_test", n).put("n_mmd", nm).put("mmd_scale", mmdScale);
        j.put("maps", m.maps().size());
        j.put("integrator", adaptive ? "dopri5" : "rk4");
        if (adaptive) j.put("rtol", rtol).put("atol", atol).put("derivative_evaluations", evals);
        else j.put("nt", steps);
        j.put("dtype", eo.dtype().label()).put("engine", engineName);
        putNum(j, "test_nll", nll);
        putNum(j, "test_nll_data_units", nllSource);
        putNum(j, "inverse_error", invErr);
        putNum(j, "mmd2", mmd);
        j.putObject("seconds").put("nll", tNll).put("inverse", tInv).put("mmd", tMmd).put("total", wall);
        ModelSupport.writeAtomically(jsonOut, om.writeValueAsBytes(j));

        System.out.printf(Locale.ROOT, "%-22s %s%n", "model", model);
        if (m.maps().size() > 1) System.out.printf(Locale.ROOT, "%-22s JKO-Flow, %d maps composed%n", "model type", m.maps().size());
        System.out.printf(Locale.ROOT, "%-22s %s (%d test points)%n", "data", source, n);
        System.out.printf(Locale.ROOT, "%-22s %s%n", "integrator", adaptive
                ? String.format(Locale.ROOT, "dopri5 rtol %.1e atol %.1e, %d derivative evaluations", rtol, atol, evals)
                : "rk4, nt " + steps);
        System.out.printf(Locale.ROOT, "%-22s %.4f nats%n", "test NLL", nll);
        System.out.printf(Locale.ROOT, "%-22s %.4f nats%n", "test NLL (data units)", nllSource);
        System.out.printf(Locale.ROOT, "%-22s %.3e%n", "inverse error", invErr);
        System.out.printf(Locale.ROOT, "%-22s %.3e (%d points, kernel scale %s)%n", "MMD^2", mmd, nm, mmdScale);
        System.out.printf(Locale.ROOT, "%-22s %.2f s%n", "wall time", wall);
        System.out.printf("wrote %s%n", jsonOut);
        return 0;
    }

    private double[] scaled(double[] a) {
        if (mmdScale == 1) return a;
        double[] b = new double[a.length];
        for (int i = 0; i < a.length; i++) b[i] = a[i] / mmdScale;
        return b;
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
