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
}
