package org.cnf4j.ode;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.engine.cpu.CpuFlowEngine;

import static org.cnf4j.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.cnf4j.backend.DType;
import org.cnf4j.format.Npy;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.model.PhiParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The float64 engine against the reference implementation's outputs on the swissroll model. */
class ReferenceFixtureTest {
    static ReferenceModel model;
    static double[] x;
    static int n, d;
    static CpuFlowEngine engine;

    @BeforeAll
    static void load() throws IOException {
        model = ReferenceModel.load(swissroll());
        Npy.Array in = npy(swissroll().resolve("inputs.npy"));
        x = in.data();
        n = in.rows();
        d = model.params().shape.d();
        engine = new CpuFlowEngine(model.params().shape, DType.FLOAT64, 2);
    }

    @AfterAll
    static void close() { engine.close(); }

    @Test
    void phiGradientAndTraceAtT03() {
        FlowEngine.PhiValues v = engine.evaluatePhi(model.params(), x, n, 0.3);
        assertRel(v.phi(), npy(swissroll().resolve("phi_t0.3.npy")).data(), 1e-10, "Phi");
        assertRel(v.grad(), npy(swissroll().resolve("grad_t0.3.npy")).data(), 1e-10, "grad Phi");
        assertRel(v.trH(), npy(swissroll().resolve("trH_t0.3.npy")).data(), 1e-10, "trace of Hessian");
    }

    private double[] forwardEnd(int nt) {
        double[] z0 = new double[n * (d + 3)];
        for (int i = 0; i < n; i++) System.arraycopy(x, i * d, z0, i * (d + 3), d);
        return engine.integrate(model.params(), z0, n, 0, 1, nt, Tableau.RK4, model.alpha().a0());
    }

    private void assertStates(double[] mine, double[] ref, String what) {
        int w = d + 3;
        assertRel(columns(mine, w, 0, d), columns(ref, w, 0, d), 1e-10, what + " x");
        assertRel(column(mine, w, d), column(ref, w, d), 1e-10, what + " l");
        assertRel(column(mine, w, d + 1), column(ref, w, d + 1), 1e-10, what + " v");
        assertRel(column(mine, w, d + 2), column(ref, w, d + 2), 1e-10, what + " r");
    }

    @Test
    void rk4EndStatesAndLogDensity() {
        for (int nt : new int[] {12, 32}) {
            double[] z = forwardEnd(nt);
            assertStates(z, npy(swissroll().resolve("fwd_nt" + nt + ".npy")).data(), "nt=" + nt);
            double[] logp = new double[n];
            for (int i = 0; i < n; i++) {
                double sq = 0;
                for (int q = 0; q < d; q++) sq += z[i * (d + 3) + q] * z[i * (d + 3) + q];
                logp[i] = -(0.5 * sq + 0.5 * d * Math.log(2 * Math.PI) - z[i * (d + 3) + d]);
            }
            assertRel(logp, npy(swissroll().resolve("logp_nt" + nt + ".npy")).data(), 1e-10, "log p nt=" + nt);
        }
    }

    @Test
    void backwardIntegrationWithReferenceQuirk() {
        // The reference pads l, v, r with the start time (1.0) and integrates them with the negative step.
        int m = 16, w = d + 3;
        double[] z0 = new double[m * w];
        for (int i = 0; i < m; i++) {
            System.arraycopy(x, i * d, z0, i * w, d);
            z0[i * w + d] = z0[i * w + d + 1] = z0[i * w + d + 2] = 1.0;
        }
        double[] z = engine.integrate(model.params(), z0, m, 1, 0, 32, Tableau.RK4, model.alpha().a0());
        assertStates(z, npy(swissroll().resolve("inv_nt32.npy")).data(), "inverse nt=32");
    }

    @Test
    void lossAndEveryParameterGradient() throws IOException {
        JsonNode ref = new ObjectMapper().readTree(swissroll().resolve("loss_nt12.json").toFile());
        LossResult r = engine.loss(model.params(), x, n, 12, Tableau.RK4, model.alpha(), true);
        assertEquals(ref.get("J").asDouble(), r.j(), 1e-8 * Math.abs(ref.get("J").asDouble()), "J");
        assertEquals(ref.get("L").asDouble(), r.l(), 1e-8 * Math.abs(ref.get("L").asDouble()), "L");
        assertEquals(ref.get("C").asDouble(), r.c(), 1e-8 * Math.abs(ref.get("C").asDouble()), "C");
        assertEquals(ref.get("R").asDouble(), r.r(), 1e-8 * Math.abs(ref.get("R").asDouble()), "R");
        PhiParams g = new PhiParams(model.params().shape, r.gradient());
        for (PhiParams.Tensor t : g.tensors()) {
            double[] want = npy(swissroll().resolve("lossgrad_nt12/" + t.name() + ".npy")).data();
            double[] mine = g.copyOf(t.name());
            if (t.name().equals("c.bias")) {
                assertEquals(0.0, mine[0], 0.0, "c.bias has no gradient");
                continue;
            }
            double e = relErr(mine, want);
            assertTrue(e <= 1e-8, "dJ/d" + t.name() + ": relative error " + e);
        }
    }
}
