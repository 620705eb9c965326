package org.cnf4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cnf4j.backend.DType;
import org.cnf4j.eval.LossBenchmark;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.MemoryEstimate;
import org.cnf4j.engine.WorkEstimate;
import org.cnf4j.ode.Tableau;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.cnf4j.engine.EngineOptions;
import picocli.CommandLine.Spec;

/**
 * Times the OT-Flow loss (forward, and forward + all parameter gradients) on a random model and
 * N(0,1) inputs. Options, defaults and the one-line JSON output mirror shared/bench/torch_otflow.py,
 * so the two can be run side by side with identical arguments.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time the OT-Flow loss with and without gradients; prints one JSON line.")
public final class BenchCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--d", description = "data dimension (default ${DEFAULT-VALUE})") int d = 2;
    @Option(names = "--m", description = "hidden width (default ${DEFAULT-VALUE})") int m = 32;
    @Option(names = "--nTh", description = "ResNet layers, >= 2 (default ${DEFAULT-VALUE})") int nTh = 2;
    @Option(names = "--n", description = "batch size (default ${DEFAULT-VALUE})") int n = 2048;
    @Option(names = "--nt", description = "RK4 steps (default ${DEFAULT-VALUE})") int nt = 8;
    @Mixin EngineMixin engineFlags;
    @Option(names = "--reps", description = "timed runs per mode (default ${DEFAULT-VALUE})") int reps = 5;
    @Option(names = "--warmup", description = "untimed runs before timing (default ${DEFAULT-VALUE})") int warmup = 1;
    @Option(names = "--mode", description = "fwd, fwdbwd or both (default ${DEFAULT-VALUE})") String mode = "both";
    @Option(names = "--seed", description = "seed of the model and the inputs (default ${DEFAULT-VALUE})") long seed = 0;
    @Option(names = "--alph", description = "loss weights a0,a1,a2 (default ${DEFAULT-VALUE})") String alph = "1.0,100.0,15.0";

    @Override
    public Integer call() throws Exception {
        if (d < 1) throw new IllegalArgumentException("--d must be >= 1, got " + d);
        if (m < 1) throw new IllegalArgumentException("--m must be >= 1, got " + m);
        if (nTh < 2) throw new IllegalArgumentException("--nTh must be >= 2, got " + nTh);
        if (n < 1) throw new IllegalArgumentException("--n must be >= 1, got " + n);
        if (nt < 1) throw new IllegalArgumentException("--nt must be >= 1, got " + nt);
        if (reps < 1) throw new IllegalArgumentException("--reps must be >= 1, got " + reps);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        String md = mode.toLowerCase(Locale.ROOT);
        if (!md.equals("fwd") && !md.equals("fwdbwd") && !md.equals("both")) {
            throw new IllegalArgumentException("unknown --mode '" + mode + "': use fwd, fwdbwd or both");
        }
        EngineOptions opts = engineFlags.checkedOptions(DType.FLOAT32, 1);
        String dt = opts.dtype().label();
        Alpha alpha = Alpha.parse(alph);
        if ((long) n * d > Integer.MAX_VALUE) throw new IllegalArgumentException("--n x --d is too large");

        PhiShape shape = new PhiShape(d, m, nTh);
        budget(shape, opts, md);
        PhiParams params = PhiParams.initialise(shape, seed);
        double[] x = LossBenchmark.gaussianInputs(n, d, seed);

        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode();
        out.put("bench", "cnf4j");
        ObjectNode cfg = out.putObject("config");
        cfg.put("d", d).put("m", m).put("nTh", nTh).put("n", n).put("nt", nt).put("dtype", dt);
        ArrayNode a = cfg.putArray("alph");
        a.add(alpha.a0()).add(alpha.a1()).add(alpha.a2());
        cfg.put("seed", seed).put("reps", reps).put("warmup", warmup);
        out.put("java", System.getProperty("java.version"));
        out.put("cpu", cpuDescription());

        try (FlowEngine engine = Engines.create(shape, opts)) {
            out.put("device", engine instanceof CpuFlowEngine ? "cpu" : "cuda");
            if (engine instanceof CpuFlowEngine) out.put("blas", org.cnf4j.backend.Blas.describe());
            ObjectNode env = out.putObject("thread_env");
            for (String v : new String[] {"OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"}) {
                if (System.getenv(v) != null) env.put(v, System.getenv(v));
            }
            out.put("threads", engine instanceof CpuFlowEngine cpu ? cpu.threads() : opts.threads());
            out.put("n_params", params.size());
            putMb(out, "rss_after_setup_mb", LossBenchmark.currentRssMb());
            if (!md.equals("fwdbwd")) {
                LossBenchmark.Timing t = LossBenchmark.time(engine, params, x, n, nt, Tableau.RK4, alpha, false, warmup, reps);
                put(out.putObject("fwd"), t, false);
            }
            if (!md.equals("fwd")) {
                LossBenchmark.Timing t = LossBenchmark.time(engine, params, x, n, nt, Tableau.RK4, alpha, true, warmup, reps);
                put(out.putObject("fwdbwd"), t, true);
            }
        }
        // VmHWM is monotonic in principle, but the kernel's RSS counters are approximate: keep the max
        double peak = LossBenchmark.peakRssMb();
        for (String mode : new String[] {"fwd", "fwdbwd"}) {
            if (out.has(mode) && out.get(mode).get("peak_rss_mb").isNumber()) {
                peak = Math.max(peak, out.get(mode).get("peak_rss_mb").asDouble());
            }
        }
        putMb(out, "peak_rss_mb", peak);

        PrintWriter pw = spec.commandLine().getOut();
        pw.println(json.writeValueAsString(out));
        pw.flush();
        return 0;
    }

    /** Refuses sizes that do not fit in memory before allocating them, and warns of a benchmark that takes minutes. */
    private void budget(PhiShape shape, EngineOptions opts, String md) {
        boolean grad = !md.equals("fwd");
        double p = PhiParams.count(shape);
        new MemoryEstimate("bench --d " + d + " --m " + m + " --n " + n)
                .add("the parameters and the gradient (" + MemoryEstimate.count(p) + ")", 8 * 2 * p, 0)
                .add("the inputs", 8.0 * n * d, 0)
                .engine("the engine's buffers", shape, opts, n, nt, Tableau.RK4.stages(), grad)
                .check(opts, "use a smaller --d, --m or --n");
        if (p > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("--m " + m + " gives " + MemoryEstimate.count(p) + " parameters: too many for one array");
        double flops = 0;
        if (!md.equals("fwdbwd")) flops += WorkEstimate.lossFlops(shape, n, nt, Tableau.RK4.stages(), false);
        if (grad) flops += WorkEstimate.lossFlops(shape, n, nt, Tableau.RK4.stages(), true);
        String slow = WorkEstimate.slowWarning("this benchmark (" + (warmup + reps) + " runs per mode)", flops * (warmup + reps), opts.threads(), shape);
        String steps = WorkEstimate.stepsWarning("--nt", nt);
        for (String w : new String[] {steps, slow}) if (w != null) ModelSupport.warn(w);
    }

    private static void put(ObjectNode node, LossBenchmark.Timing t, boolean withGradient) {
        node.put("median_s", t.medianS()).put("min_s", t.minS()).put("max_s", t.maxS()).put("reps", t.reps());
        node.put("loss", t.last().j());
        if (withGradient) node.put("grad_norm", t.gradNorm());
        putMb(node, "peak_rss_mb", LossBenchmark.peakRssMb());   // cumulative, as in the torch script
    }

    private static void putMb(ObjectNode node, String key, double mb) {
        if (Double.isNaN(mb)) node.putNull(key);
        else node.put(key, Math.round(mb * 10) / 10.0);
    }

    /**
     * The CPU as Linux names it, with its widest SIMD ("AMD EPYC; avx2"): the same VM image has run on hosts with and
     * without AVX-512, which moves every timing, so a sitting records it. "unknown" where /proc/cpuinfo is not there.
     */
    static String cpuDescription() {
        try {
            java.util.List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"));
            String model = "unknown", flags = "";
            for (String l : lines) {
                if (model.equals("unknown") && l.startsWith("model name")) model = l.substring(l.indexOf(':') + 1).trim();
                if (flags.isEmpty() && l.startsWith("flags")) flags = " " + l.substring(l.indexOf(':') + 1).trim() + " ";
            }
            String simd = flags.contains(" avx512f ") ? "avx512f" : flags.contains(" avx2 ") ? "avx2" : flags.contains(" avx ") ? "avx" : "sse";
            return model + "; " + simd + "; " + Runtime.getRuntime().availableProcessors() + " processors";
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
