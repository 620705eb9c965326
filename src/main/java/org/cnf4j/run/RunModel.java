package org.cnf4j.run;
import org.cnf4j.data.DataTransform;
import org.cnf4j.format.MissingFile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cnf4j.eval.AdaptiveFlow;
import org.cnf4j.eval.ComposedFlow;
import org.cnf4j.eval.Flow;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.MemoryEstimate;
import org.cnf4j.engine.NotEnoughMemoryException;
import org.cnf4j.engine.WorkEstimate;
import org.cnf4j.ode.Tableau;

/**
 * A model as the eval, logp, sample and plot commands see it: a run directory (trained here or written by
 * import-otflow) with config.json and either weights/KEY.npy (one OT-Flow map) or maps/1, ..., maps/K (a
 * JKO-Flow run: F = F_K o ... o F_1; an unfinished run holds the maps trained so far).
 *
 * @param maps the maps in the order they are applied to data (one for OT-Flow)
 * @param data the data source it was trained on (null if unknown)
 * @param seed the training seed (the data split of file sources depends on it); 0 if unknown
 */
public record RunModel(Path dir, List<PhiParams> maps, Alpha alpha, int nt, DataTransform transform, String data, long seed) {

    public RunModel {
        maps = List.copyOf(maps);
        if (maps.isEmpty()) throw new IllegalArgumentException("a model needs at least one map");
    }

    public PhiShape shape() { return maps.get(0).shape; }

    public int d() { return shape().d(); }

    /** The flow with {@code nt} RK4 steps per map, the per-sample work on {@code engine}. */
    public Flow flow(FlowEngine engine, int nt) {
        return ComposedFlow.rk4(engine, maps, alpha.a0(), nt);
    }

    /** The flow integrated with Dormand-Prince and error control; {@code evaluations} receives the AdaptiveFlow of each map. */
    public Flow adaptiveFlow(FlowEngine engine, double rtol, double atol, List<AdaptiveFlow> evaluations) {
        List<Flow> fs = new ArrayList<>();
        for (PhiParams p : maps) {
            AdaptiveFlow af = new AdaptiveFlow(engine, p, alpha.a0(), rtol, atol);
            if (evaluations != null) evaluations.add(af);
            fs.add(af);
        }
        return fs.size() == 1 ? fs.get(0) : new ComposedFlow(fs);
    }

    /**
     * Log-densities (nats) of n rows: in the data's units (the saved standardisation and dequantisation scale applied
     * and their log-determinant added) unless {@code standardised}, when the rows are already in the model's space.
     * This is what {@code cnf4j logp} writes.
     */
    public double[] logDensity(FlowEngine engine, int nt, double[] rows, int n, boolean standardised) {
        boolean map = !standardised && !transform.isIdentity();
        double[] logp = flow(engine, nt).logDensity(map ? transform.toModel(rows) : rows, n);
        if (map) {
            double off = transform.logDensityOffset();
            for (int i = 0; i < logp.length; i++) logp[i] += off;
        }
        return logp;
    }

    /**
     * n samples by the inverse flow from N(0, I) draws of {@code seed}: in the data's units (continuous; {@code round}
     * maps a model of integer-valued data back to the integers) unless {@code standardised}. {@code logp}, if not
     * null, receives each sample's log-density in the same units. This is what {@code cnf4j sample} writes.
     */
    public double[] sample(FlowEngine engine, int nt, int n, long seed, double[] logp, boolean standardised, boolean round) {
        if (round && standardised) throw new IllegalArgumentException("--round and --standardised exclude each other");
        if (round && !transform.dequantised()) {
            throw new IllegalArgumentException("--round: " + (dir != null ? dir : "the model") + " was not trained on integer-valued (dequantised) data");
        }
        double[] x = flow(engine, nt).sample(n, seed, logp);
        if (!standardised && !transform.isIdentity()) {
            x = round ? transform.fromModelRounded(x) : transform.fromModel(x);
            if (logp != null) {
                double off = transform.logDensityOffset();
                for (int i = 0; i < n; i++) logp[i] += off;
            }
        }
        return x;
    }

    /**
     * Refuses ({@link NotEnoughMemoryException}) to {@code task} n points ("sample", "score") that would not fit,
     * before anything is allocated (an IllegalArgumentException where they would not fit in Java arrays), and returns the warnings about its work: more steps than
     * {@link WorkEstimate#MAX_STEPS}, or an estimated run of minutes. {@code passes} is how many times the points go
     * through the maps (eval: log-densities, the inverse error's round trip, samples). On the heap: the input, its
     * model-space copy, the augmented states and the integrator's copy, the outputs (8 n (4d + 2(d+3) + 6) bytes).
     */
    public List<String> budget(String task, int n, int nt, double passes, EngineOptions eo, String advice) {
        double d = d();
        String subject = task + " " + MemoryEstimate.count(n) + " points";
        // the points, their log-densities and the integrator's states are int-indexed Java arrays of up to n x (d + 3)
        // values, with room for a copy: past that no amount of memory helps
        if ((long) n * ((long) d() + 3) > Integer.MAX_VALUE / 2)
            throw new IllegalArgumentException(subject + " of dimension " + d() + " is more than one call can hold in Java arrays; " + advice);
        new MemoryEstimate(subject)
                .add("the points, their states and the results", 8.0 * n * (4 * d + 2 * (d + 3) + 6), 0)
                .engine("the engine's buffers", shape(), eo, n, nt, Tableau.RK4.stages(), false)
                .check(eo, advice);
        List<String> warnings = new ArrayList<>();
        String steps = WorkEstimate.stepsWarning("--nt", nt);
        if (steps != null) warnings.add(steps);
        double flops = WorkEstimate.lossFlops(shape(), n, (double) nt * maps.size(), Tableau.RK4.stages(), false) * passes;
        String slow = WorkEstimate.slowWarning(subject, flops, eo.threads(), shape());
        if (slow != null) warnings.add(slow);
        return warnings;
    }

    public static RunModel load(Path dir) throws IOException {
        if (dir == null) throw new IllegalArgumentException("--model is required");
        if (!Files.exists(dir)) throw MissingFile.explain(dir, "run directory");
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
        List<PhiParams> maps = new ArrayList<>();
        ReferenceModel ref;
        try {
            if (RunDirectory.JKO.equals(cfg.path("method").asText(RunDirectory.OTFLOW))) {
                for (int k = 1; Files.isDirectory(RunDirectory.mapFolder(dir, k)); k++) {
                    maps.add(ReferenceModel.load(RunDirectory.mapFolder(dir, k), cfgFile).params());
                }
                if (maps.isEmpty()) throw new IOException(dir + " is a JKO-Flow run with no trained map yet (no maps/1); resume or finish its training");
                ref = ReferenceModel.load(RunDirectory.mapFolder(dir, 1), cfgFile);
            } else {
                if (!Files.exists(dir.resolve("weights")) && cfg.has("train")) {
                    throw new IOException(dir + " is not trained yet: training stopped before its first checkpoint wrote weights/; "
                            + "continue it with 'cnf4j train --out " + dir + " --resume'");
                }
                ref = ReferenceModel.load(dir.resolve("weights"), cfgFile);
                maps.add(ref.params());
            }
        } catch (IllegalArgumentException e) {
            // contents that were fine when the run was written: the run directory is damaged (exit 1, not a usage
            // error); the message already names the file at fault
            throw new IOException(e.getMessage(), e);
        }
        RunDirectory run = RunDirectory.open(dir);
        DataTransform t = run.loadTransform(ref.params().shape.d());
        String data = cfg.hasNonNull("data") ? cfg.get("data").asText() : null;
        long seed = cfg.path("train").path("seed").asLong(0);
        int nt = cfg.has("nt_val") ? cfg.get("nt_val").asInt(ref.nt()) : ref.nt();
        return new RunModel(dir, maps, ref.alpha(), nt, t, data, seed);
    }
}
