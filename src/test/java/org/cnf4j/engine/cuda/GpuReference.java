package org.cnf4j.engine.cuda;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.LossResult;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.ode.Tableau;

/**
 * Computes, with the CPU engine, the numbers {@link GpuChecks} compares the GPU engine with on a
 * machine that has no ND4J: {@code java ... GpuReference SWISSROLL_DIR OUT_DIR} writes
 * OUT_DIR/CASE_DTYPE.json for every case, OUT_DIR/train_DTYPE.json (the toy training curve) and
 * OUT_DIR/CASE_twin_MATH.json: J and gradient in float32 on the kernels' Java twins with the trace products exact
 * (float32) or rounded as cuBLAS math tf32 rounds them, which GpuChecks compares the GPU's tf32 with
 * (computed here because the twin takes minutes at the d = 43 shape). Run by experiments/gpu/make-bundle.sh.
 */
public final class GpuReference {
    private GpuReference() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: GpuReference SWISSROLL_DIR OUT_DIR");
            System.exit(2);
        }
        Path ref = Path.of(args[0]), out = Path.of(args[1]);
        Files.createDirectories(out);
        ObjectMapper json = new ObjectMapper();
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        for (DType dt : DType.values()) {
            GpuCheckCases.Case[] cases = {GpuCheckCases.swissroll(ref), GpuCheckCases.miniboone(), GpuCheckCases.deep()};
            for (GpuCheckCases.Case c : cases) {
                try (CpuFlowEngine e = new CpuFlowEngine(c.params().shape, dt, threads)) {
                    long t0 = System.nanoTime();
                    Map<String, Object> r = GpuCheckCases.evaluate(e, c);
                    r.put("cpu_seconds", (System.nanoTime() - t0) / 1e9);
                    json.writeValue(out.resolve(c.name() + "_" + dt.label() + ".json").toFile(), r);
                    System.err.printf("GpuReference: %s %s J=%.12g (%.2f s)%n", c.name(), dt.label(), (Double) r.get("J"), (Double) r.get("cpu_seconds"));
                }
            }
            try (CpuFlowEngine e = new CpuFlowEngine(GpuCheckCases.TOY, dt, threads)) {
                long t0 = System.nanoTime();
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("curve", GpuCheckCases.trainCurve(e));
                r.put("cpu_seconds", (System.nanoTime() - t0) / 1e9);
                json.writeValue(out.resolve("train_" + dt.label() + ".json").toFile(), r);
                System.err.printf("GpuReference: train %s (%.2f s)%n", dt.label(), (Double) r.get("cpu_seconds"));
            }
        }
        EngineOptions f32 = EngineOptions.defaults().withDevice("cuda").withDtype(DType.FLOAT32);
        for (GpuCheckCases.Case c : GpuCheckCases.synthetic()) {
            for (String math : new String[] {"default", "tf32"}) {
                long t0 = System.nanoTime();
                try (CudaFlowEngine e = new CudaFlowEngine(c.params().shape, new JavaDev(DType.FLOAT32, math), f32.withCudaMath(math))) {
                    LossResult r = e.loss(c.params(), c.x(), c.n(), c.nt(), Tableau.RK4, c.alpha(), true);
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("J", r.j());
                    m.put("gradient", r.gradient());
                    json.writeValue(out.resolve(c.name() + "_twin_" + math + ".json").toFile(), m);
                }
                System.err.printf("GpuReference: %s twin %s (%.2f s)%n", c.name(), math, (System.nanoTime() - t0) / 1e9);
            }
        }
    }
}
