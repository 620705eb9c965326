package org.cnf4j.ode;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.engine.EngineOptions;

import static org.cnf4j.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import org.cnf4j.backend.DType;
import org.cnf4j.format.Npy;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.junit.jupiter.api.Test;

/** Properties of the engine that the fixtures do not pin: precision, threading, round trips. */
class EngineConsistencyTest {

    private static double[] logDensity(FlowEngine e, PhiParams p, double[] x, int n, int nt) {
        int d = p.shape.d(), w = d + 3;
        double[] z0 = new double[n * w];
        for (int i = 0; i < n; i++) System.arraycopy(x, i * d, z0, i * w, d);
        double[] z = e.integrate(p, z0, n, 0, 1, nt, Tableau.RK4, 1.0);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double sq = 0;
            for (int q = 0; q < d; q++) sq += z[i * w + q] * z[i * w + q];
            out[i] = -(0.5 * sq + 0.5 * d * Math.log(2 * Math.PI) - z[i * w + d]);
        }
        return out;
    }

    @Test
    void minibooneWeightsLoadAndFloat32AgreesWithFloat64() throws IOException {
        ReferenceModel model = ReferenceModel.load(miniboone());
        assertEquals(new PhiShape(43, 256, 2), model.params().shape);
        Npy.Array in = npy(miniboone().resolve("inputs.npy"));
        assertEquals(43, in.cols());
        double[] lp64, lp32;
        try (CpuFlowEngine e = new CpuFlowEngine(model.params().shape, DType.FLOAT64, 2)) {
            lp64 = logDensity(e, model.params(), in.data(), in.rows(), model.nt());
        }
        try (CpuFlowEngine e = new CpuFlowEngine(model.params().shape, DType.FLOAT32, 2)) {
            lp32 = logDensity(e, model.params(), in.data(), in.rows(), model.nt());
        }
        for (double v : lp64) assertTrue(Double.isFinite(v), "finite log-density");
        double err = relErr(lp32, lp64);
        assertTrue(err < 1e-5, "float32 vs float64 log p: " + err);
        assertTrue(err > 0, "float32 really ran in single precision");
    }

    @Test
    void keptAndRecomputedStageProductsGiveTheSameGradient() {
        PhiShape s = new PhiShape(4, 12, 3);
        PhiParams p = FiniteDifferenceTest.randomModel(s, 8);
        int n = 50;
        double[] x = FiniteDifferenceTest.randomPoints(n, 4, 1);
        Alpha a = new Alpha(1, 20, 3);
        EngineOptions o = EngineOptions.cpu(DType.FLOAT64, 1);
        try (CpuFlowEngine keep = new CpuFlowEngine(s, o.withProductBudgetBytes(Long.MAX_VALUE));
             CpuFlowEngine recompute = new CpuFlowEngine(s, o.withProductBudgetBytes(0))) {
            LossResult kept = keep.loss(p, x, n, 3, Tableau.RK4, a, true);
            LossResult recomputed = recompute.loss(p, x, n, 3, Tableau.RK4, a, true);
            assertEquals(kept.j(), recomputed.j(), 0.0);
            assertArrayEquals(kept.gradient(), recomputed.gradient(), 1e-12);
        }
    }

    @Test
    void resultsDoNotDependOnThreadCount() {
        PhiShape s = new PhiShape(3, 16, 3);
        PhiParams p = FiniteDifferenceTest.randomModel(s, 2);
        int n = 203;
        double[] x = FiniteDifferenceTest.randomPoints(n, 3, 4);
        Alpha a = new Alpha(1, 50, 5);
        LossResult one, three;
        try (CpuFlowEngine e = new CpuFlowEngine(s, DType.FLOAT32, 1)) {
            one = e.loss(p, x, n, 4, Tableau.RK4, a, true);
        }
        try (CpuFlowEngine e = new CpuFlowEngine(s, DType.FLOAT32, 3)) {
            three = e.loss(p, x, n, 4, Tableau.RK4, a, true);
        }
        assertEquals(one.j(), three.j(), 0.0);
        assertArrayEquals(one.gradient(), three.gradient(), 0.0);
    }

    @Test
    void forwardThenBackwardIntegrationReturnsToTheStart() throws IOException {
        ReferenceModel model = ReferenceModel.load(swissroll());
        double[] x = npy(swissroll().resolve("inputs.npy")).data();
        int n = 64, d = 2, w = 5;
        try (CpuFlowEngine e = new CpuFlowEngine(model.params().shape, DType.FLOAT64, 2)) {
            double[] z0 = new double[n * w];
            for (int i = 0; i < n; i++) System.arraycopy(x, i * d, z0, i * w, d);
            double[] z1 = e.integrate(model.params(), z0, n, 0, 1, 32, Tableau.RK4, 1);
            double[] back = e.integrate(model.params(), z1, n, 1, 0, 32, Tableau.RK4, 1);
            double err = 0;
            for (int i = 0; i < n; i++) for (int q = 0; q < d; q++) err += Math.abs(back[i * w + q] - x[i * d + q]);
            err /= n * d;
            assertTrue(err < 1e-7, "mean |x - F^-1(F(x))| = " + err);
            // the log-determinant integrated back returns to zero as well
            for (int i = 0; i < n; i++) assertEquals(0.0, back[i * w + d], 1e-6);
        }
    }
}
