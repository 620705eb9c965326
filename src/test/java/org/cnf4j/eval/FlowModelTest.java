package org.cnf4j.eval;

import static org.cnf4j.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import org.cnf4j.backend.DType;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.ode.Tableau;
import org.junit.jupiter.api.Test;

class FlowModelTest {

    @Test
    void logDensityMatchesReferenceAndSamplesCarryConsistentDensities() throws IOException {
        ReferenceModel ref = ReferenceModel.load(swissroll());
        double[] x = npy(swissroll().resolve("inputs.npy")).data();
        try (CpuFlowEngine e = new CpuFlowEngine(ref.params().shape, DType.FLOAT64, 2)) {
            FlowModel model = new FlowModel(e, ref.params(), ref.alpha().a0(), Tableau.RK4);
            assertRel(model.logDensity(x, 64, 12), npy(swissroll().resolve("logp_nt12.npy")).data(), 1e-10, "log p");
            assertTrue(model.inverseError(x, 64, 32) < 1e-7, "inverse error");

            double[] logp = new double[200];
            double[] samples = model.sample(200, 32, 5, logp);
            double[] again = model.logDensity(samples, 200, 32);
            assertRel(again, logp, 1e-5, "log p of samples: backward l vs forward");
            // the samples look like the swissroll: mostly within its box
            for (double v : samples) assertTrue(Math.abs(v) < 6, "sample coordinate " + v);
        }
    }
}
