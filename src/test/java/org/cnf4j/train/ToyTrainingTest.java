package org.cnf4j.train;

import static org.junit.jupiter.api.Assertions.*;

import org.cnf4j.backend.DType;
import org.cnf4j.data.ToyData;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.junit.jupiter.api.Test;

class ToyTrainingTest {

    @Test
    void shortRunOn8GaussiansGetsValidationNllBelow3Nats() {
        PhiShape s = new PhiShape(2, 32, 2);
        TrainConfig cfg = new TrainConfig(s, new Alpha(1, 100, 5), 6, 8, 1024, 2048, 90, 0.1, 100, 0.5, 0, 25, 15, 7,
                DType.FLOAT32, 2);
        double[] val = ToyData.sample("8gaussians", 2048, 99);
        try (CpuFlowEngine e = new CpuFlowEngine(s, cfg.dtype(), cfg.threads())) {
            double before = e.loss(PhiParams.initialise(s, 7), val, 2048, 8, org.cnf4j.ode.Tableau.RK4, cfg.alpha(), false).c();
            OtFlowTrainer.Result r = new OtFlowTrainer(cfg, e).train(PhiParams.initialise(s, 7), new ToyBatchSource("8gaussians", 7), val, 2048);
            double nll = r.bestValidation().c();
            assertTrue(before > 3.5, "untrained NLL " + before);
            assertTrue(nll < 3.0, "validation NLL after training: " + nll + " (entropy " + ToyData.entropy("8gaussians") + ")");
            assertTrue(nll > ToyData.entropy("8gaussians") - 0.1, "NLL cannot beat the entropy by much: " + nll);
        }
    }

    @Test
    void adamMatchesPyTorchOnAQuadratic() {
        // Two steps of torch.optim.Adam(lr=0.1) on f(p) = sum(p^2)/2 from p = (1, -2): gradient = p.
        double[] p = {1, -2};
        Adam adam = new Adam(2, 0.1);
        adam.step(p, p.clone());
        assertArrayEquals(new double[] {0.9, -1.9}, p, 1e-7);
        adam.step(p, p.clone());
        // values printed by torch 1.13 for the same two steps in float64
        assertArrayEquals(new double[] {0.800412229712, -1.800166486621}, p, 1e-11);
        Adam.clamp(p, 1.5);
        assertArrayEquals(new double[] {0.800412229712, -1.5}, p, 1e-11);
    }
}
