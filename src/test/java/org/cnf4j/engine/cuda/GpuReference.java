package org.cnf4j.engine.cuda;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.cpu.CpuFlowEngine;

/**
 * Computes, with the CPU engine, the numbers {@link GpuChecks} compares the GPU engine with on a
 * machine that has no ND4J: {@code java ... GpuReference SWISSROLL_DIR OUT_DIR} writes
 * OUT_DIR/CASE_DTYPE.json for every case and OUT_DIR/train_DTYPE.json (the toy training curve).
 * Run by experiments/gpu/make-bundle.sh.
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
    }
}
