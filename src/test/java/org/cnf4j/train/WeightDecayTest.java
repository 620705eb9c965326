package org.cnf4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.SplittableRandom;
import org.cnf4j.backend.DType;
import org.cnf4j.data.ToyData;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.junit.jupiter.api.Test;

/**
 * Decoupled weight decay ({@link TrainConfig#weightDecay}, PyTorch's AdamW): each step multiplies the parameters by
 * 1 - lr x wd, then takes Adam's step, whose size does not depend on the parameters. So a decayed step from p equals
 * a plain step from p (1 - lr x wd), bit for bit, and wd 0 is the plain step.
 */
class WeightDecayTest {
    private static double[] random(SplittableRandom r, int n, double scale) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = scale * (2 * r.nextDouble() - 1);
        return x;
    }

    @Test
    void aDecayedStepIsThePlainStepFromTheShrunkParameters() {
        SplittableRandom r = new SplittableRandom(7);
        int n = 50;
        double lr = 0.05, wd = 0.3;
        Adam decayed = new Adam(n, lr), plain = new Adam(n, lr), none = new Adam(n, lr), reference = new Adam(n, lr);
        double[] p = random(r, n, 1), q = p.clone(), z = p.clone(), zRef = p.clone();
        for (int step = 0; step < 5; step++) {
            double[] g = random(r, n, 10);
            decayed.step(p, g, wd);
            for (int i = 0; i < n; i++) q[i] *= 1 - lr * wd;
            plain.step(q, g);
            assertArrayEquals(q, p, 0.0, "step " + step);
            none.step(z, g, 0);
            reference.step(zRef, g);
            assertArrayEquals(zRef, z, 0.0, "weight decay 0 is Adam's step exactly");
        }
        assertTrue(java.util.Arrays.equals(decayed.firstMoment(), plain.firstMoment()), "the decay leaves the moments alone");
    }

    @Test
    void withoutAGradientTheParametersShrinkGeometrically() {
        double lr = 0.1, wd = 2;
        Adam a = new Adam(3, lr);
        double[] p = {1, -2, 0.5};
        for (int k = 0; k < 10; k++) a.step(p, new double[3], wd);
        double f = Math.pow(1 - lr * wd, 10);
        assertArrayEquals(new double[] {f, -2 * f, 0.5 * f}, p, 1e-15);
    }

    private static TrainConfig config(double wd) {
        return new TrainConfig(new PhiShape(2, 8, 2), new Alpha(1, 100, 5), 2, 2, 64, 64, 30, 0.05, 0, 0.5, 0, 1, 10, 3,
                DType.FLOAT64, 1).withWeightDecay(wd);
    }

    private static double norm(double[] x) {
        double s = 0;
        for (double v : x) s += v * v;
        return Math.sqrt(s);
    }

    /** The trainer applies the configured decay: with a strong one the trained parameters are much smaller. */
    @Test
    void theTrainerDecaysTheParametersItTrains() {
        PhiShape s = new PhiShape(2, 8, 2);
        double[] norms = new double[2];
        double[] wds = {0, 5};
        for (int k = 0; k < 2; k++) {
            try (CpuFlowEngine e = new CpuFlowEngine(s, DType.FLOAT64, 1)) {
                OtFlowTrainer.Result r = new OtFlowTrainer(config(wds[k]), e).train(TrainState.start(PhiParams.initialise(s, 3), 0.05),
                        new ToyBatchSource("8gaussians", 3), ToyData.sample("8gaussians", 64, 4), 64);
                norms[k] = norm(r.state().params.data);
            }
        }
        // 30 steps at 1 - 0.05 x 5 = 0.75 shrink by 0.75^30 ~ 2e-4; Adam's steps (at most lr each) keep it from zero
        assertTrue(norms[1] < 0.5 * norms[0], "with decay " + norms[1] + ", without " + norms[0]);
    }

    @Test
    void theDecayIsCheckedAndAConfigWrittenBeforeItReadsAsNone() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> config(-0.1));
        assertThrows(IllegalArgumentException.class, () -> config(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> config(Double.POSITIVE_INFINITY));
        ObjectMapper om = new ObjectMapper();
        ObjectNode json = om.valueToTree(config(0.01));
        assertEquals(0.01, om.treeToValue(json, TrainConfig.class).weightDecay());
        json.remove("weightDecay");
        assertEquals(0.0, om.treeToValue(json, TrainConfig.class).weightDecay());
    }
}
