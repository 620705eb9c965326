package org.cnf4j.engine.cuda;

import static org.cnf4j.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.SplittableRandom;
import org.cnf4j.backend.DType;
import org.cnf4j.format.Npy;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.ode.Tableau;
import org.junit.jupiter.api.Test;

/**
 * The GPU engine's orchestration (layouts, GEMM transposes, RK bookkeeping, adjoint) run on
 * {@link JavaDev}, the CPU twin of the CUDA kernels: against the reference fixtures in float64 at the
 * CPU engine's tolerances, and against the CPU engine on a deeper random model with chunking.
 */
class EmulatedEngineTest {

    @Test
    void swissrollReferenceInFloat64() throws IOException {
        ReferenceModel model = ReferenceModel.load(swissroll());
        Npy.Array in = npy(swissroll().resolve("inputs.npy"));
        double[] x = in.data();
        int n = in.rows(), d = model.params().shape.d(), w = d + 3;
        try (CudaFlowEngine e = new CudaFlowEngine(model.params().shape, new JavaDev(DType.FLOAT64))) {
            FlowEngine.PhiValues v = e.evaluatePhi(model.params(), x, n, 0.3);
            assertRel(v.phi(), npy(swissroll().resolve("phi_t0.3.npy")).data(), 1e-10, "Phi");
            assertRel(v.grad(), npy(swissroll().resolve("grad_t0.3.npy")).data(), 1e-10, "grad Phi");
            assertRel(v.trH(), npy(swissroll().resolve("trH_t0.3.npy")).data(), 1e-10, "trace");
            for (int nt : new int[] {12, 32}) {
                double[] z0 = new double[n * w];
                for (int i = 0; i < n; i++) System.arraycopy(x, i * d, z0, i * w, d);
                double[] z = e.integrate(model.params(), z0, n, 0, 1, nt, Tableau.RK4, model.alpha().a0());
                double[] ref = npy(swissroll().resolve("fwd_nt" + nt + ".npy")).data();
                for (int q = 0; q < w; q++) assertRel(column(z, w, q), column(ref, w, q), 1e-10, "nt=" + nt + " column " + q);
            }
            JsonNode ref = new ObjectMapper().readTree(swissroll().resolve("loss_nt12.json").toFile());
            LossResult r = e.loss(model.params(), x, n, 12, Tableau.RK4, model.alpha(), true);
            for (String k : new String[] {"J", "L", "C", "R"}) {
                double want = ref.get(k).asDouble();
                double got = switch (k) { case "J" -> r.j(); case "L" -> r.l(); case "C" -> r.c(); default -> r.r(); };
                assertEquals(want, got, 1e-8 * Math.abs(want), k);
            }
            PhiParams g = new PhiParams(model.params().shape, r.gradient());
            for (PhiParams.Tensor t : g.tensors()) {
                if (t.name().equals("c.bias")) continue;
                double[] want = npy(swissroll().resolve("lossgrad_nt12/" + t.name() + ".npy")).data();
                double err = relErr(g.copyOf(t.name()), want);
                assertTrue(err <= 1e-8, "dJ/d" + t.name() + ": relative error " + err);
            }
        }
    }

    static PhiParams randomModel(PhiShape s, long seed) {
        PhiParams p = PhiParams.initialise(s, seed);
        SplittableRandom rng = new SplittableRandom(seed + 1);
        for (int i = 0; i < p.data.length; i++) p.data[i] += 0.1 * (2 * rng.nextDouble() - 1); // break the copies and w = 1
        return p;
    }

    @Test
    void deeperModelWithChunksMatchesCpuEngine() {
        matchesCpuEngine(new PhiShape(3, 6, 3));
    }

    /**
     * From d = 20 the CPU kernel applies the quadratic term as A^T (A s) and folds dLoss/dA without forming
     * M = A^T A (model.PhiHostMath.lowRank); the GPU engine keeps the dense M. Both agree at the tolerances above.
     */
    @Test
    void lowRankQuadraticTermOnTheCpuMatchesTheDenseGpuForm() {
        PhiShape s = new PhiShape(24, 6, 3);
        assertTrue(org.cnf4j.model.PhiHostMath.lowRank(s.r(), s.d() + 1), "d=24 takes the low-rank form");
        assertTrue(!org.cnf4j.model.PhiHostMath.lowRank(new PhiShape(2, 6, 3).r(), 3), "the toy size keeps the dense form");
        matchesCpuEngine(s);
    }

    private static void matchesCpuEngine(PhiShape s) {
        PhiParams p = randomModel(s, 7);
        int n = 10, d = s.d(), w = d + 3;
        SplittableRandom rng = new SplittableRandom(3);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) x[i] = 2 * rng.nextDouble() - 1;
        Alpha alpha = new Alpha(1, 20, 5);
        try (CpuFlowEngine cpu = new CpuFlowEngine(s, DType.FLOAT64, 1);
             CudaFlowEngine gpu = new CudaFlowEngine(s, new JavaDev(DType.FLOAT64)).maxChunk(4).splitColumns(3)) {
            FlowEngine.PhiValues a = cpu.evaluatePhi(p, x, n, 0.7), b = gpu.evaluatePhi(p, x, n, 0.7);
            assertRel(b.phi(), a.phi(), 1e-12, "Phi");
            assertRel(b.grad(), a.grad(), 1e-12, "grad");
            assertRel(b.trH(), a.trH(), 1e-12, "trH");
            double[] z0 = new double[n * w];
            for (int i = 0; i < n; i++) System.arraycopy(x, i * d, z0, i * w, d);
            assertRel(gpu.integrate(p, z0, n, 0, 1, 5, Tableau.RK4, 1.0), cpu.integrate(p, z0, n, 0, 1, 5, Tableau.RK4, 1.0), 1e-12, "RK4 end states");
            for (Tableau tab : new Tableau[] {Tableau.RK4, Tableau.EULER}) {
                LossResult lc = cpu.loss(p, x, n, 4, tab, alpha, true);
                for (boolean store : new boolean[] {true, false}) {
                    LossResult lg = gpu.storeProducts(store).loss(p, x, n, 4, tab, alpha, true);
                    assertEquals(lc.j(), lg.j(), 1e-12 * Math.abs(lc.j()), tab.name() + " J, store " + store);
                    assertRel(lg.gradient(), lc.gradient(), 1e-11, tab.name() + " gradient, store " + store);
                }
                LossResult nc = gpu.loss(p, x, n, 4, tab, alpha, false);
                assertEquals(lc.j(), nc.j(), 1e-12 * Math.abs(lc.j()), tab.name() + " J without gradient");
            }
        }
    }

    @Test
    void float32AgreesWithCpuFloat32() throws IOException {
        ReferenceModel model = ReferenceModel.load(swissroll());
        Npy.Array in = npy(swissroll().resolve("inputs.npy"));
        int n = in.rows();
        try (CpuFlowEngine cpu = new CpuFlowEngine(model.params().shape, DType.FLOAT32, 1);
             CudaFlowEngine gpu = new CudaFlowEngine(model.params().shape, new JavaDev(DType.FLOAT32))) {
            LossResult a = cpu.loss(model.params(), in.data(), n, 8, Tableau.RK4, model.alpha(), true);
            LossResult b = gpu.loss(model.params(), in.data(), n, 8, Tableau.RK4, model.alpha(), true);
            assertEquals(a.j(), b.j(), 1e-5 * Math.abs(a.j()), "J");
            assertRel(b.gradient(), a.gradient(), 1e-4, "gradient");
        }
    }

    @Test
    void roundMantissaRoundsToNearestEven() {
        assertEquals(1.0, JavaDev.roundMantissa(1 + 0x1p-8, 7), 0, "bf16: a tie goes to the even mantissa (down)");
        assertEquals(1 + 0x1p-6, JavaDev.roundMantissa(1 + 0x1p-7 + 0x1p-8, 7), 0, "bf16: a tie goes to the even mantissa (up)");
        assertEquals(1 + 0x1p-7, JavaDev.roundMantissa(1 + 0x1p-8 + 0x1p-12, 7), 0, "bf16: above the tie rounds up");
        assertEquals(-3 * 0x1p-11, JavaDev.roundMantissa(-3 * 0x1p-11 - 0x1p-22, 10), 0, "tf32: below half an ulp rounds to the value");
        assertEquals(0x1p127 * 1.9921875, JavaDev.roundMantissa(0x1p127 * 1.9921875, 7), 0, "exact bf16 values stay");
        assertEquals((float) 0.1, JavaDev.roundMantissa(0.1, 23), 0, "23 bits: float32 itself");
    }

    /**
     * The tf32 twin (what cuBLAS does with CUBLAS_COMPUTE_32F_FAST_TF32 to the trace products, which GpuChecks compares
     * on the GPU) changes J by about its operands' rounding (2^-11) and the gradient by under 5 % of its largest entry:
     * on this small reference model the gradient's change is about 50 times the operands' rounding (measured here:
     * 1.2e-5 with 18 mantissa bits, 1.0e-4 with 14, 5.6e-3 with TF32's 10; at the d = 43 shape on the H200, 8e-6).
     * Float64 ignores the mode.
     */
    @Test
    void reducedPrecisionTwinsChangeTheLossByTheirRounding() throws IOException {
        ReferenceModel model = ReferenceModel.load(swissroll());
        Npy.Array in = npy(swissroll().resolve("inputs.npy"));
        int n = in.rows();
        LossResult exact;
        try (CudaFlowEngine e = new CudaFlowEngine(model.params().shape, new JavaDev(DType.FLOAT32))) {
            exact = e.loss(model.params(), in.data(), n, 8, Tableau.RK4, model.alpha(), true);
        }
        for (String math : new String[] {"tf32"}) {
            try (CudaFlowEngine e = new CudaFlowEngine(model.params().shape, new JavaDev(DType.FLOAT32, math))) {
                LossResult r = e.loss(model.params(), in.data(), n, 8, Tableau.RK4, model.alpha(), true);
                double dj = Math.abs(r.j() - exact.j()) / Math.abs(exact.j());
                assertTrue(dj > 1e-5 && dj < 2e-3, math + ": J changes by " + dj);
                double dg = GpuCheckCases.relErr(r.gradient(), exact.gradient());
                assertTrue(dg > 1e-4 && dg < 0.05, math + ": gradient changes by " + dg);
            }
        }
        try (CudaFlowEngine e = new CudaFlowEngine(model.params().shape, new JavaDev(DType.FLOAT64, "tf32"));
             CudaFlowEngine f = new CudaFlowEngine(model.params().shape, new JavaDev(DType.FLOAT64))) {
            assertEquals(f.loss(model.params(), in.data(), n, 8, Tableau.RK4, model.alpha(), true).j(),
                    e.loss(model.params(), in.data(), n, 8, Tableau.RK4, model.alpha(), true).j(), 0, "float64 ignores the mode");
        }
    }
}
