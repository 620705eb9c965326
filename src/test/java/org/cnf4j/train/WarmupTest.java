package org.cnf4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.cnf4j.backend.DType;
import org.cnf4j.data.ToyData;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.junit.jupiter.api.Test;

/** The learning-rate warm-up: a linear rise over the first iterations, composed with the step decay. */
class WarmupTest {
    private static final PhiShape S = new PhiShape(2, 8, 2);

    private static TrainConfig config(int iters, int dropEvery, int warmup) {
        return new TrainConfig(S, new Alpha(1, 100, 5), 2, 2, 64, 64, iters, 0.08, dropEvery, 0.5, 0, 1, 100, 3, DType.FLOAT64, 1).withWarmup(warmup);
    }

    private static List<Double> rates(TrainConfig cfg) {
        List<Double> rates = new ArrayList<>();
        try (CpuFlowEngine e = new CpuFlowEngine(S, cfg.dtype(), 1)) {
            new OtFlowTrainer(cfg, e).addListener(new TrainListener() {
                @Override public void onIteration(int iter, org.cnf4j.engine.LossResult l, double lr) { rates.add(lr); }
            }).train(PhiParams.initialise(S, 3), new ToyBatchSource("8gaussians", 3), ToyData.sample("8gaussians", 64, 4), 64);
        }
        return rates;
    }

    @Test
    void theRateRisesLinearlyThenFollowsTheDecay() {
        List<Double> r = rates(config(8, 6, 4));
        double[] expected = {0.02, 0.04, 0.06, 0.08, 0.08, 0.08, 0.04, 0.04};
        assertArrayEquals(expected, r.stream().mapToDouble(Double::doubleValue).toArray(), 1e-15);
    }

    @Test
    void withoutAWarmupTheFirstStepTakesTheFullRate() {
        assertEquals(0.08, rates(config(3, 0, 0)).get(0), 0.0);
        assertEquals(0.08, rates(config(3, 0, 1)).get(0), 0.0, "a warm-up of one iteration is none");
        assertThrows(IllegalArgumentException.class, () -> config(3, 0, -1));
    }

    @Test
    void aConfigurationWrittenBeforeTheWarmupExistedReadsAsNone() throws Exception {
        ObjectMapper om = new ObjectMapper();
        ObjectNode json = om.valueToTree(config(5, 0, 7));
        assertEquals(7, om.treeToValue(json, TrainConfig.class).warmup());
        json.remove("warmup");
        assertEquals(0, om.treeToValue(json, TrainConfig.class).warmup());
    }
}
