package org.cnf4j.engine.cuda;

import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnf4j.backend.DType;
import org.cnf4j.format.Npy;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.ode.Tableau;

/**
 * The GPU verification and benchmark, run on a machine with a CUDA device (no JUnit test needs one):
 * <pre>
 *   java -cp cnf4j.jar:lib/* org.cnf4j.engine.cuda.GpuChecks --ref SWISSROLL_DIR --cpuref CPUREF_DIR --out FILE.json [--no-bench]
 * </pre>
 * Sections, each recorded in the JSON even when it fails:
 * <ol>
 * <li>lockstep: every kernel and GEMM of a small float64 loss+gradient on the GPU against its Java
 *     twin, operation by operation (localises a wrong kernel);</li>
 * <li>reference: float64 against the PyTorch reference fixtures (1e-10 for Phi, gradient, trace and RK4
 *     end states; 1e-8 for the loss and every parameter gradient), as ReferenceFixtureTest does on the CPU;</li>
 * <li>cpu_agreement: float64 and float32 against the CPU engine's numbers computed by {@link GpuReference};</li>
 * <li>training: a 20-step Adam run on the toy problem against the CPU engine's loss curve;</li>
 * <li>bench: float32 training step (loss + gradient) and loss alone at the MINIBOONE size (n = 2000, 20000)
 *     and the toy size, median of several repetitions after warm-up, with achieved TFLOP/s.</li>
 * </ol>
 * Exit status 0 when every check passed, 1 when one failed, 3 when no CUDA device answers.
 */
public final class GpuChecks {
    private final Map<String, Object> results = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();
    private final Path ref, cpuref;
    private final boolean emulate;

    private GpuChecks(Path ref, Path cpuref, boolean emulate) {
        this.ref = ref;
        this.cpuref = cpuref;
        this.emulate = emulate;
    }

    /** The engine under test: on the GPU, or with --emulate on the Java twins (to test this program without a GPU). */
    private CudaFlowEngine engine(PhiShape s, DType dt) { return engine(s, EngineOptions.defaults().withDevice("cuda").withDtype(dt)); }

    private CudaFlowEngine engine(PhiShape s, EngineOptions o) {
        return emulate ? new CudaFlowEngine(s, new JavaDev(o.dtype(), o.cudaMath()), o) : CudaFlowEngine.open(s, o);
    }

    public static void main(String[] args) throws Exception {
        Path ref = null, cpuref = null, out = Path.of("gpu_checks.json");
        boolean bench = true, checks = true, emulate = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--ref" -> ref = Path.of(args[++i]);
                case "--cpuref" -> cpuref = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--no-bench" -> bench = false;
                case "--bench-only" -> checks = false;
                case "--emulate" -> emulate = true;
                default -> {
                    System.err.println("usage: GpuChecks --ref SWISSROLL_DIR --cpuref DIR --out FILE [--no-bench|--bench-only]");
                    System.exit(2);
                }
            }
        }
        GpuChecks g = new GpuChecks(ref, cpuref, emulate);
        int rc = g.run(checks, bench);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        if (out.getParent() != null) Files.createDirectories(out.getParent());
        json.writeValue(out.toFile(), g.results);
        System.out.println("GpuChecks: wrote " + out + (g.failures.isEmpty() ? "" : "; FAILED: " + g.failures));
        System.exit(rc);
    }

    private int run(boolean checks, boolean bench) {
        String reason = emulate ? null : Engines.cudaUnavailableReason();
        if (reason != null) {
            results.put("error", reason);
            System.out.println("GpuChecks: " + reason);
            return 3;
        }
        results.put("java", System.getProperty("java.version"));
        try (CudaFlowEngine e = engine(new PhiShape(2, 4, 2), DType.FLOAT32)) {
            results.put("device", e.device());
            results.put("cuda", emulate ? "emulated" : CudaDev.probe());
            System.out.println("GpuChecks: " + e.device() + "; " + results.get("cuda"));
        }
        if (checks) {
            if (!emulate) section("lockstep", this::lockstep);
            section("reference_float64", this::reference);
            section("cpu_agreement", this::cpuAgreement);
            section("training", this::training);
            section("reduced_precision", this::reducedPrecision);
            if (!emulate) section("graphs", this::graphs);
        }
        if (bench) section("bench", this::bench);
        results.put("failures", failures);
        return failures.isEmpty() ? 0 : 1;
    }

    private interface Section {
        Object run() throws Exception;
    }

    private void section(String name, Section s) {
        long t0 = System.nanoTime();
        try {
            results.put(name, s.run());
        } catch (Throwable t) {
            StringBuilder sb = new StringBuilder(t.toString());
            for (StackTraceElement el : Arrays.copyOf(t.getStackTrace(), Math.min(8, t.getStackTrace().length))) sb.append(" at ").append(el);
            results.put(name, Map.of("error", sb.toString()));
            failures.add(name + ": " + t);
            System.out.println("GpuChecks: " + name + " threw " + sb);
        }
        System.out.printf("GpuChecks: %s done in %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
    }

    private void check(String what, double err, double tol, Map<String, Object> into) {
        boolean ok = err <= tol;
        into.put(what, Map.of("rel_err", err, "tol", tol, "pass", ok));
        if (!ok) failures.add(what + ": " + err + " > " + tol);
        System.out.printf("  %-50s %10.3e  (tol %.0e) %s%n", what, err, tol, ok ? "ok" : "FAIL");
    }

    // ---- 1. lockstep -----------------------------------------------------------------------------

    private Object lockstep() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        List<String> all = new ArrayList<>();
        GpuCheckCases.Case sw = GpuCheckCases.swissroll(ref), deep = GpuCheckCases.deep();
        for (GpuCheckCases.Case c : new GpuCheckCases.Case[] {sw, deep}) {
            LockstepDev dev = new LockstepDev(CudaDev.open(EngineOptions.defaults().withDtype(DType.FLOAT64)), 1e-9);
            int n = Math.min(c.n(), 16);
            try (CudaFlowEngine e = new CudaFlowEngine(c.params().shape, dev)) {
                e.maxChunk(8);
                e.loss(c.params(), c.x(), n, 2, Tableau.RK4, c.alpha(), true);
                e.evaluatePhi(c.params(), c.x(), n, 0.5);
            }
            out.put(c.name() + "_ops", dev.opCounts());
            for (String s : dev.mismatches()) all.add(c.name() + ": " + s);
        }
        out.put("mismatches", all);
        System.out.println("  lockstep mismatches: " + (all.isEmpty() ? "none" : all.size() + ", first: " + all.get(0)));
        if (!all.isEmpty()) failures.add("lockstep: " + all.size() + " mismatching operations, first " + all.get(0));
        return out;
    }

    // ---- 2. reference fixtures, float64 ------------------------------------------------------

    private static double[] column(double[] a, int width, int j) {
        double[] c = new double[a.length / width];
        for (int i = 0; i < c.length; i++) c[i] = a[i * width + j];
        return c;
    }

    private static double[] columns(double[] a, int width, int from, int to) {
        int rows = a.length / width, w = to - from;
        double[] c = new double[rows * w];
        for (int i = 0; i < rows; i++) System.arraycopy(a, i * width + from, c, i * w, w);
        return c;
    }

    private Object reference() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        ReferenceModel model = ReferenceModel.load(ref);
        Npy.Array in = Npy.read(ref.resolve("inputs.npy"));
        double[] x = in.data();
        int n = in.rows(), d = model.params().shape.d(), w = d + 3;
        try (CudaFlowEngine e = engine(model.params().shape, DType.FLOAT64)) {
            FlowEngine.PhiValues v = e.evaluatePhi(model.params(), x, n, 0.3);
            check("float64 Phi t=0.3", GpuCheckCases.relErr(v.phi(), Npy.read(ref.resolve("phi_t0.3.npy")).data()), 1e-10, out);
            check("float64 grad Phi t=0.3", GpuCheckCases.relErr(v.grad(), Npy.read(ref.resolve("grad_t0.3.npy")).data()), 1e-10, out);
            check("float64 trace t=0.3", GpuCheckCases.relErr(v.trH(), Npy.read(ref.resolve("trH_t0.3.npy")).data()), 1e-10, out);
            for (int nt : new int[] {12, 32}) {
                double[] z0 = new double[n * w];
                for (int i = 0; i < n; i++) System.arraycopy(x, i * d, z0, i * w, d);
                double[] z = e.integrate(model.params(), z0, n, 0, 1, nt, Tableau.RK4, model.alpha().a0());
                double[] rf = Npy.read(ref.resolve("fwd_nt" + nt + ".npy")).data();
                check("float64 RK4 nt=" + nt + " x", GpuCheckCases.relErr(columns(z, w, 0, d), columns(rf, w, 0, d)), 1e-10, out);
                String[] names = {"l", "v", "r"};
                for (int q = 0; q < 3; q++) {
                    check("float64 RK4 nt=" + nt + " " + names[q], GpuCheckCases.relErr(column(z, w, d + q), column(rf, w, d + q)), 1e-10, out);
                }
                double[] logp = new double[n];
                for (int i = 0; i < n; i++) {
                    double sq = 0;
                    for (int q = 0; q < d; q++) sq += z[i * w + q] * z[i * w + q];
                    logp[i] = -(0.5 * sq + 0.5 * d * Math.log(2 * Math.PI) - z[i * w + d]);
                }
                check("float64 log p nt=" + nt, GpuCheckCases.relErr(logp, Npy.read(ref.resolve("logp_nt" + nt + ".npy")).data()), 1e-10, out);
            }
            int mInv = 16;
            double[] z0 = new double[mInv * w];
            for (int i = 0; i < mInv; i++) {
                System.arraycopy(x, i * d, z0, i * w, d);
                z0[i * w + d] = z0[i * w + d + 1] = z0[i * w + d + 2] = 1.0;
            }
            double[] zi = e.integrate(model.params(), z0, mInv, 1, 0, 32, Tableau.RK4, model.alpha().a0());
            check("float64 inverse nt=32", GpuCheckCases.relErr(zi, Npy.read(ref.resolve("inv_nt32.npy")).data()), 1e-10, out);
            JsonNode lref = new ObjectMapper().readTree(ref.resolve("loss_nt12.json").toFile());
            LossResult r = e.loss(model.params(), x, n, 12, Tableau.RK4, model.alpha(), true);
            check("float64 loss J nt=12", GpuCheckCases.relErr(r.j(), lref.get("J").asDouble()), 1e-8, out);
            check("float64 loss L nt=12", GpuCheckCases.relErr(r.l(), lref.get("L").asDouble()), 1e-8, out);
            check("float64 loss C nt=12", GpuCheckCases.relErr(r.c(), lref.get("C").asDouble()), 1e-8, out);
            check("float64 loss R nt=12", GpuCheckCases.relErr(r.r(), lref.get("R").asDouble()), 1e-8, out);
            PhiParams g = new PhiParams(model.params().shape, r.gradient());
            for (PhiParams.Tensor t : g.tensors()) {
                if (t.name().equals("c.bias")) continue;
                double[] want = Npy.read(ref.resolve("lossgrad_nt12/" + t.name() + ".npy")).data();
                check("float64 dJ/d" + t.name(), GpuCheckCases.relErr(g.copyOf(t.name()), want), 1e-8, out);
            }
        }
        return out;
    }

    // ---- 3. agreement with the CPU engine ------------------------------------------------------

    private static double[] arr(JsonNode n) {
        double[] a = new double[n.size()];
        for (int i = 0; i < a.length; i++) a[i] = n.get(i).asDouble();
        return a;
    }

    private Object cpuAgreement() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        List<GpuCheckCases.Case> cases = new ArrayList<>();
        cases.add(GpuCheckCases.swissroll(ref));
        cases.addAll(Arrays.asList(GpuCheckCases.synthetic()));
        for (GpuCheckCases.Case c : cases) {
            JsonNode c64 = json.readTree(cpuref.resolve(c.name() + "_float64.json").toFile());
            JsonNode c32 = json.readTree(cpuref.resolve(c.name() + "_float32.json").toFile());
            for (DType dt : DType.values()) {
                Map<String, Object> mine;
                long t0 = System.nanoTime();
                try (CudaFlowEngine e = engine(c.params().shape, dt)) {
                    mine = GpuCheckCases.evaluate(e, c);
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                boolean f64 = dt == DType.FLOAT64;
                String p = c.name() + " " + dt.label() + " vs cpu ";
                // float64: rounding-level agreement; float32: against the CPU float32 and the float64 result
                double tolJ = f64 ? 1e-11 : 1e-4, tolG = f64 ? 1e-9 : 2e-3, tolPhi = f64 ? 1e-11 : 1e-4;
                for (JsonNode cref : f64 ? new JsonNode[] {c64} : new JsonNode[] {c32, c64}) {
                    String q = p + (cref == c64 ? "float64" : "float32");
                    check(q + " J", GpuCheckCases.relErr((Double) mine.get("J"), cref.get("J").asDouble()), tolJ, out);
                    check(q + " gradient", GpuCheckCases.relErr((double[]) mine.get("gradient"), arr(cref.get("gradient"))), tolG, out);
                    check(q + " Phi", GpuCheckCases.relErr((double[]) mine.get("phi"), arr(cref.get("phi"))), tolPhi, out);
                    check(q + " grad Phi", GpuCheckCases.relErr((double[]) mine.get("grad"), arr(cref.get("grad"))), tolPhi, out);
                    check(q + " trace", GpuCheckCases.relErr((double[]) mine.get("trH"), arr(cref.get("trH"))), tolPhi, out);
                }
                out.put(c.name() + " " + dt.label() + " seconds (incl. setup)", secs);
            }
        }
        return out;
    }

    // ---- 3b. opt-in tensor-core products do what their Java twins say ---------------------------

    /**
     * With cuBLAS math tf32 the GPU's J and gradient must be the twin's (operands rounded to 10 mantissa
     * bits, JavaDev) up to float32 summation: their distance must be far below the distance the rounding itself makes
     * (twin with rounding against twin without), else cuBLAS rounds differently from what the documentation says.
     */
    private Object reducedPrecision() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        EngineOptions tf32 = EngineOptions.defaults().withDevice("cuda").withDtype(DType.FLOAT32).withCudaMath("tf32");
        for (GpuCheckCases.Case c : GpuCheckCases.synthetic()) {
            JsonNode exact = json.readTree(cpuref.resolve(c.name() + "_twin_default.json").toFile());
            JsonNode twin = json.readTree(cpuref.resolve(c.name() + "_twin_tf32.json").toFile());
            double exactJ = exact.get("J").asDouble(), twinJ = twin.get("J").asDouble();
            double[] exactG = arr(exact.get("gradient")), twinG = arr(twin.get("gradient"));
            LossResult gpu;
            try (CudaFlowEngine g = engine(c.params().shape, tf32)) {
                gpu = g.loss(c.params(), c.x(), c.n(), c.nt(), Tableau.RK4, c.alpha(), true);
            }
            String p = c.name() + " tf32";
            double roundJ = GpuCheckCases.relErr(twinJ, exactJ), roundG = GpuCheckCases.relErr(twinG, exactG);
            out.put(p + " twin vs float32: J", roundJ);
            out.put(p + " twin vs float32: gradient", roundG);
            out.put(p + " gpu vs float32: J", GpuCheckCases.relErr(gpu.j(), exactJ));
            out.put(p + " gpu vs float32: gradient", GpuCheckCases.relErr(gpu.gradient(), exactG));
            // J sums ~10^4 float32 terms: at the d = 43 shape TF32 moves it by 4e-8, below float32's own summation
            // noise (the GPU and CPU float32 J differ by 5e-9 to 6e-8), so J's tolerance has that floor
            check(p + " gpu vs twin J", GpuCheckCases.relErr(gpu.j(), twinJ), 0.25 * roundJ + 1e-7, out);
            check(p + " gpu vs twin gradient", GpuCheckCases.relErr(gpu.gradient(), twinG), 0.25 * roundG, out);
        }
        return out;
    }

    // ---- 4. toy training curve -----------------------------------------------------------------

    private Object training() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (DType dt : DType.values()) {
            double[] cpu = arr(json.readTree(cpuref.resolve("train_" + dt.label() + ".json").toFile()).get("curve"));
            double[] gpu;
            long t0 = System.nanoTime();
            try (CudaFlowEngine e = engine(GpuCheckCases.TOY, dt)) {
                gpu = GpuCheckCases.trainCurve(e);
            }
            out.put(dt.label() + "_gpu_curve", gpu);
            out.put(dt.label() + "_cpu_curve", cpu);
            out.put(dt.label() + "_gpu_seconds", (System.nanoTime() - t0) / 1e9);
            double worst = 0;
            for (int i = 0; i < cpu.length; i++) worst = Math.max(worst, Math.abs(gpu[i] - cpu[i]) / Math.abs(cpu[i]));
            check("training " + dt.label() + " loss curve vs cpu (max rel per step)", worst, dt == DType.FLOAT64 ? 1e-9 : 1e-3, out);
            System.out.printf("    %s J: gpu %.6f -> %.6f, cpu %.6f -> %.6f%n", dt.label(), gpu[0], gpu[gpu.length - 1], cpu[0], cpu[cpu.length - 1]);
        }
        return out;
    }

    // ---- 4b. CUDA graph replay gives the eager results, also after the weights change ----------

    private Object graphs() {
        Map<String, Object> out = new LinkedHashMap<>();
        GpuCheckCases.Case c = GpuCheckCases.miniboone();
        for (DType dt : DType.values()) {
            PhiParams p1 = c.params(), p2 = GpuCheckCases.randomModel(c.params().shape, 99);
            try (CudaFlowEngine eager = engine(c.params().shape, dt).useGraphs(false); CudaFlowEngine graph = engine(c.params().shape, dt).useGraphs(true)) {
                PhiParams[] seq = {p1, p1, p2, p1};
                double worstJ = 0, worstG = 0;
                for (PhiParams p : seq) {
                    LossResult a = eager.loss(p, c.x(), c.n(), c.nt(), Tableau.RK4, c.alpha(), true);
                    LossResult b = graph.loss(p, c.x(), c.n(), c.nt(), Tableau.RK4, c.alpha(), true);
                    worstJ = Math.max(worstJ, GpuCheckCases.relErr(b.j(), a.j()));
                    worstG = Math.max(worstG, GpuCheckCases.relErr(b.gradient(), a.gradient()));
                }
                out.put(dt.label() + " graph error", graph.graphError());
                double tol = dt == DType.FLOAT64 ? 1e-12 : 1e-5;
                check("graphs " + dt.label() + " J replay vs eager", worstJ, tol, out);
                check("graphs " + dt.label() + " gradient replay vs eager", worstG, tol, out);
                if (graph.graphError() != null) failures.add("graphs " + dt.label() + ": " + graph.graphError());
            }
        }
        // chunked batches (forced small chunks, split-K accumulation) agree with the one-chunk result
        try (CudaFlowEngine one = engine(c.params().shape, DType.FLOAT64);
             CudaFlowEngine chunked = engine(c.params().shape, DType.FLOAT64).maxChunk(40).splitColumns(100)) {
            LossResult a = one.loss(c.params(), c.x(), c.n(), c.nt(), Tableau.RK4, c.alpha(), true);
            LossResult b = chunked.loss(c.params(), c.x(), c.n(), c.nt(), Tableau.RK4, c.alpha(), true);
            check("chunks of 40 + split-K float64 J vs one chunk", GpuCheckCases.relErr(b.j(), a.j()), 1e-12, out);
            check("chunks of 40 + split-K float64 gradient vs one chunk", GpuCheckCases.relErr(b.gradient(), a.gradient()), 1e-11, out);
        }
        return out;
    }

    // ---- 5. benchmark --------------------------------------------------------------------------

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    private Object bench() {
        List<Object> rows = new ArrayList<>();
        int[][] sizes = {{43, 256, 2, 2000, 6, 10}, {43, 256, 2, 20000, 6, 5}, {2, 32, 2, 2048, 8, 20}, {63, 512, 2, 300, 14, 10},
            {63, 512, 2, 3000, 14, 5}};
        Alpha alpha = new Alpha(1, 100, 15);
        System.out.println("  size                          step s (median)   loss-only s   TFLOP/s(step)   graphs s   recompute s   tf32 s");
        for (int[] sz : sizes) {
            PhiShape s = new PhiShape(sz[0], sz[1], sz[2]);
            int n = sz[3], nt = sz[4], reps = sz[5];
            PhiParams p = GpuCheckCases.randomModel(s, 5);
            double[] x = GpuCheckCases.gaussian(n * s.d(), 6);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("d", s.d());
            row.put("m", s.m());
            row.put("nTh", s.nTh());
            row.put("n", n);
            row.put("nt", nt);
            row.put("dtype", "float32");
            try (CudaFlowEngine e = engine(s, DType.FLOAT32).useGraphs(false)) {
                row.put("chunk", e.chunkSize(n));
                for (int w = 0; w < 2; w++) e.loss(p, x, n, nt, Tableau.RK4, alpha, true);
                double[] step = new double[reps], fwd = new double[reps];
                double j = 0;
                for (int r = 0; r < reps; r++) {
                    long t0 = System.nanoTime();
                    j = e.loss(p, x, n, nt, Tableau.RK4, alpha, true).j();
                    step[r] = (System.nanoTime() - t0) / 1e9;
                }
                boolean stored = e.lastStoredProducts();
                for (int w = 0; w < 2; w++) e.loss(p, x, n, nt, Tableau.RK4, alpha, false);
                for (int r = 0; r < reps; r++) {
                    long t0 = System.nanoTime();
                    e.loss(p, x, n, nt, Tableau.RK4, alpha, false);
                    fwd[r] = (System.nanoTime() - t0) / 1e9;
                }
                // 4 big products (2 m^2 d n flops each) per RK stage of a training step: 1 forward, 3 reverse
                double flops = 4.0 * 4 * nt * 2.0 * s.m() * s.m() * s.d() * n;
                double med = median(step);
                row.put("step_median_s", med);
                row.put("step_min_s", Arrays.stream(step).min().getAsDouble());
                row.put("step_max_s", Arrays.stream(step).max().getAsDouble());
                row.put("loss_only_median_s", median(fwd));
                row.put("big_product_flops", flops);
                row.put("tflops_step", flops / med / 1e12);
                row.put("loss", j);
                row.put("reps", reps);
                row.put("stored_products", stored);
                if (!emulate) {
                    e.useGraphs(true);
                    for (int w = 0; w < 3; w++) e.loss(p, x, n, nt, Tableau.RK4, alpha, true);
                    double[] gs = new double[reps];
                    for (int r = 0; r < reps; r++) {
                        long t0 = System.nanoTime();
                        e.loss(p, x, n, nt, Tableau.RK4, alpha, true);
                        gs[r] = (System.nanoTime() - t0) / 1e9;
                    }
                    row.put("step_graph_median_s", median(gs));
                    row.put("graph_error", e.graphError());
                    e.useGraphs(false);
                    if (stored) row.put("step_recompute_median_s", timeSteps(e.storeProducts(false), p, x, n, nt, alpha, reps));
                    e.storeProducts(true);
                }
                int executed = stored ? 3 : 4; // with stored products the reverse pass skips one
                row.put("tflops_executed", flops * executed / 4 / (double) row.get("step_median_s") / 1e12);
                if (!emulate && s.d() > 2) {
                    // opt-in tensor-core trace products (EngineOptions.cudaMath tf32; bf16x9 changed nothing on the H100 and
                    // FAST_16BF ran as TF32 on the H200): speed and the change in J and its gradient
                    double[] g32 = e.loss(p, x, n, nt, Tableau.RK4, alpha, true).gradient();
                    try (CudaFlowEngine alt = engine(s, EngineOptions.defaults().withDevice("cuda").withCudaMath("tf32")).useGraphs(false)) {
                        row.put("step_tf32_median_s", timeSteps(alt, p, x, n, nt, alpha, reps));
                        LossResult lr = alt.loss(p, x, n, nt, Tableau.RK4, alpha, true);
                        row.put("tf32_J_rel_diff", GpuCheckCases.relErr(lr.j(), j));
                        row.put("tf32_gradient_rel_diff", GpuCheckCases.relErr(lr.gradient(), g32));
                    } catch (Throwable t) {
                        row.put("tf32_error", t.toString());
                    }
                }
            } catch (Throwable t) {
                row.put("error", t.toString());
                failures.add("bench d=" + s.d() + " n=" + n + ": " + t);
                System.out.println("  bench d=" + s.d() + " n=" + n + " threw " + t);
            }
            System.out.printf("  d=%-2d m=%-3d n=%-5d nt=%d        %10s      %10s     %6s   %s   %s   %s   %s%n", s.d(), s.m(), n, nt,
                    fmt(row.get("step_median_s")), fmt(row.get("loss_only_median_s")), fmt(row.get("tflops_step")),
                    fmt(row.get("step_graph_median_s")), fmt(row.get("step_recompute_median_s")), fmt(row.get("step_tf32_median_s")));
            rows.add(row);
        }
        return rows;
    }

    private static String fmt(Object o) { return o instanceof Double v ? String.format("%.5f", v) : "-"; }

    private static double timeSteps(CudaFlowEngine e, PhiParams p, double[] x, int n, int nt, Alpha alpha, int reps) {
        for (int w = 0; w < 2; w++) e.loss(p, x, n, nt, Tableau.RK4, alpha, true);
        double[] t = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            e.loss(p, x, n, nt, Tableau.RK4, alpha, true);
            t[r] = (System.nanoTime() - t0) / 1e9;
        }
        return median(t);
    }

}
