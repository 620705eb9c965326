package org.cnf4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * Early stopping's drops: {@link TrainConfig#dropsPerDecade} N lowers the rate by 10^(1/N) at each plateau and ends
 * training at the plateau after it is down a thousandfold, so N = 1 is the reference's lr/10, lr/100, lr/1000, stop.
 * At a rate of 1e-200 Adam's steps are below the parameters' round-off, so the validation loss never improves on the
 * first one: with a patience of one validation, every later validation is a plateau and the test sees the whole
 * schedule in a few iterations.
 */
class PlateauDropsTest {
    private static final PhiShape S = new PhiShape(2, 8, 2);
    private static final double LR = 1e-200;

    private static TrainConfig config(int dropsPerDecade) {
        return new TrainConfig(S, new Alpha(1, 100, 5), 2, 2, 64, 64, 200, LR, 0, 0.5, 0, 1, 1, 3, DType.FLOAT64, 1)
                .withEarlyStopping(1).withDropsPerDecade(dropsPerDecade);
    }

    /** The rate announced at each plateau, and whether that plateau ended training; the iterations trained in {@code iters}. */
    private static List<String> plateaus(TrainConfig cfg, List<Double> rates, int[] iters) {
        List<String> events = new ArrayList<>();
        try (CpuFlowEngine e = new CpuFlowEngine(S, cfg.dtype(), 1)) {
            OtFlowTrainer.Result r = new OtFlowTrainer(cfg, e).addListener(new TrainListener() {
                @Override public void onPlateau(int iter, boolean stopping, double newLr) {
                    events.add(stopping ? "stop" : "drop");
                    if (!stopping) rates.add(newLr);
                }
            }).train(TrainState.start(PhiParams.initialise(S, 3), cfg.lr()), new ToyBatchSource("8gaussians", 3),
                    ToyData.sample("8gaussians", 64, 4), 64);
            iters[0] = r.state().iteration;
        }
        return events;
    }

    @Test
    void oneDropPerDecadeIsTheReferencesTenfoldSchedule() {
        List<Double> rates = new ArrayList<>();
        int[] iters = new int[1];
        assertEquals(List.of("drop", "drop", "drop", "stop"), plateaus(config(1), rates, iters));
        assertEquals(List.of(LR / 10, LR / 10 / 10, LR / 10 / 10 / 10), rates, "the exact rates of lr /= 10, as before the option");
        assertEquals(5, iters[0], "the first validation sets the best, the next four are plateaus");
    }

    @Test
    void twoDropsPerDecadeDivideByTheRootOfTenSixTimesThenStop() {
        List<Double> rates = new ArrayList<>();
        int[] iters = new int[1];
        assertEquals(List.of("drop", "drop", "drop", "drop", "drop", "drop", "stop"), plateaus(config(2), rates, iters));
        assertEquals(6, rates.size());
        for (int k = 1; k <= 6; k++) assertEquals(LR * Math.pow(10, -k / 2.0), rates.get(k - 1), 1e-12 * LR, "drop " + k);
        assertEquals(LR / 1000, rates.get(5), 1e-12 * LR, "down a thousandfold, like the tenfold schedule, before the end");
        assertEquals(8, iters[0], "one best, then seven plateaus");
    }

    @Test
    void theDropsAreCheckedAndAConfigWrittenBeforeThemReadsAsTenfold() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> config(-1));
        assertThrows(IllegalArgumentException.class, () -> config(11));
        ObjectMapper om = new ObjectMapper();
        ObjectNode json = om.valueToTree(config(3));
        assertEquals(3, om.treeToValue(json, TrainConfig.class).dropsPerTenfold());
        json.remove("dropsPerDecade");
        TrainConfig old = om.treeToValue(json, TrainConfig.class);
        assertEquals(0, old.dropsPerDecade());
        assertEquals(1, old.dropsPerTenfold());
    }
}
