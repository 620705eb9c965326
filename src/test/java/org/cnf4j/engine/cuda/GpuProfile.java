package org.cnf4j.engine.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.ode.Tableau;

/**
 * Where a training step's time goes on the GPU, operation by operation ({@link ProfilingDev}):
 * {@code java ... GpuProfile D M N NT MATH [--emulate]} (MATH default or tf32) prints, per step, each kernel's and
 * GEMM shape's milliseconds, calls and share, after two warm-up steps, as the median of three profiled steps'
 * totals, beside the unprofiled step's time. Run by experiments/gpu/run-on-device.sh (PROFILE=...).
 */
public final class GpuProfile {
    private GpuProfile() {}

    public static void main(String[] args) {
        if (args.length < 5) {
            System.err.println("usage: GpuProfile D M N NT MATH [--emulate]");
            System.exit(2);
        }
        int d = Integer.parseInt(args[0]), m = Integer.parseInt(args[1]), n = Integer.parseInt(args[2]), nt = Integer.parseInt(args[3]);
        String math = args[4];
        boolean emulate = args.length > 5 && args[5].equals("--emulate");
        PhiShape s = new PhiShape(d, m, 2);
        EngineOptions o = EngineOptions.defaults().withDevice("cuda").withDtype(DType.FLOAT32).withCudaMath(math);
        PhiParams p = GpuCheckCases.randomModel(s, 5);
        double[] x = GpuCheckCases.gaussian(n * d, 6);
        Alpha alpha = new Alpha(1, 100, 15);
        double plain;
        try (CudaFlowEngine e = new CudaFlowEngine(s, emulate ? new JavaDev(DType.FLOAT32, math) : CudaDev.open(o), o).useGraphs(false)) {
            for (int w = 0; w < 2; w++) e.loss(p, x, n, nt, Tableau.RK4, alpha, true);
            double[] t = new double[3];
            for (int r = 0; r < 3; r++) {
                long t0 = System.nanoTime();
                e.loss(p, x, n, nt, Tableau.RK4, alpha, true);
                t[r] = (System.nanoTime() - t0) / 1e9;
            }
            java.util.Arrays.sort(t);
            plain = t[1];
        }
        ProfilingDev dev = new ProfilingDev(emulate ? new JavaDev(DType.FLOAT32, math) : CudaDev.open(o));
        try (CudaFlowEngine e = new CudaFlowEngine(s, dev, o).useGraphs(false)) {
            for (int w = 0; w < 2; w++) e.loss(p, x, n, nt, Tableau.RK4, alpha, true);
            dev.reset();
            int reps = 3;
            for (int r = 0; r < reps; r++) e.loss(p, x, n, nt, Tableau.RK4, alpha, true);
            List<Map.Entry<String, double[]>> rows = new ArrayList<>(dev.byOp().entrySet());
            rows.sort((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]));
            double total = rows.stream().mapToDouble(r -> r.getValue()[0]).sum() / reps;
            System.out.printf("GpuProfile: d=%d m=%d n=%d nt=%d math=%s on %s: step %.2f ms unprofiled, %.2f ms profiled (sum of operations)%n",
                    d, m, n, nt, math, e.device(), plain * 1e3, total * 1e3);
            System.out.printf("  %-44s %10s %8s %7s%n", "operation", "ms/step", "calls", "share");
            for (Map.Entry<String, double[]> r : rows) {
                double ms = r.getValue()[0] / reps * 1e3;
                System.out.printf("  %-44s %10.3f %8.0f %6.1f%%%n", r.getKey(), ms, r.getValue()[1] / reps, 100 * ms / (total * 1e3));
            }
        }
    }
}
