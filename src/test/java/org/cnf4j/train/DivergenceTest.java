package org.cnf4j.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cnf4j.backend.DType;
import org.cnf4j.data.ToyData;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.junit.jupiter.api.Test;

/** The non-finite rule counts failures until training gets past the iteration where they started. */
class DivergenceTest {
    static final PhiShape S = new PhiShape(2, 8, 2);

    static TrainConfig config(double lr, int iters) {
        return new TrainConfig(S, new Alpha(1, 100, 5), 2, 2, 128, 128, iters, lr, 0, 0.5, 0, 1, 4, 1, DType.FLOAT64, 1);
    }

    /** Everything the trainer tells its listeners, as text, in order. */
    static final class Events implements TrainListener {
        final List<String> all = new ArrayList<>();
        final List<TrainState> checkpoints = new ArrayList<>();

        @Override public void onRecovery(int iter, double newLr) { all.add("recovery " + iter); }

        @Override public void onDiverged(int iter, int failures, double lastLr) { all.add("diverged " + iter + " " + failures + " " + lastLr); }

        @Override public void onCheckpoint(TrainState st) {
            all.add("checkpoint " + st.iteration);
            checkpoints.add(st.copy());
        }

        long count(String prefix) { return all.stream().filter(e -> e.startsWith(prefix)).count(); }
    }

    @Test
    void aHugeLearningRateStopsAfterFiveFailuresInsteadOfReplayingTheLastGoodStepForever() {
        // lr 1e300: iteration 1 succeeds and throws the parameters to 1e300, iteration 2 is not finite. Restoring the
        // state before iteration 1 replays it successfully, which used to reset the count: 995 recoveries in a row.
        Events ev = new Events();
        try (CpuFlowEngine e = new CpuFlowEngine(S, DType.FLOAT64, 1)) {
            TrainingDivergedException ex = assertThrows(TrainingDivergedException.class, () -> new OtFlowTrainer(config(1e300, 50), e)
                    .checkpointEvery(50).addListener(ev).train(PhiParams.initialise(S, 1), new ToyBatchSource("8gaussians", 1),
                            ToyData.sample("8gaussians", 128, 2), 128));
            assertEquals(2, ex.iteration());
            assertEquals(1e300 / 16, ex.lastLr(), 1e285, "four halvings before the fifth failure");
            assertEquals("training diverged at iteration 2: 5 non-finite steps in a row even after lowering lr to 6.25e+298; try a smaller --lr",
                    ex.getMessage());
        }
        assertEquals(4, ev.count("recovery 2"), ev.all.toString());
        assertEquals(4, ev.count("recovery"), ev.all.toString());
        assertEquals(1, ev.count("diverged 2 5 "), ev.all.toString());
        // the last good state is the one before the last good step (iteration 0 here): nothing newer than the start to keep
        assertEquals(0, ev.count("checkpoint"), ev.all.toString());
    }

    @Test
    void theLastGoodStateIsCheckpointedBeforeGivingUpWhenItIsNewerThanTheLastCheckpoint() {
        // fine for 7 iterations, then every batch is poisoned: the state before iteration 7 is handed over once
        ToyBatchSource toy = new ToyBatchSource("8gaussians", 1);
        BatchSource late = new BatchSource() {
            @Override public int dimension() { return 2; }

            @Override public double[] batch(int n, int draw) {
                double[] b = toy.batch(n, draw);
                if (draw >= 7) b[3] = Double.NaN;
                return b;
            }
        };
        Events ev = new Events();
        try (CpuFlowEngine e = new CpuFlowEngine(S, DType.FLOAT64, 1)) {
            TrainingDivergedException ex = assertThrows(TrainingDivergedException.class, () -> new OtFlowTrainer(config(0.05, 50), e)
                    .checkpointEvery(5).addListener(ev).train(PhiParams.initialise(S, 1), late, ToyData.sample("8gaussians", 128, 2), 128));
            assertEquals(8, ex.iteration());
        }
        assertEquals(List.of("checkpoint 5", "recovery 8", "recovery 8", "recovery 8", "recovery 8", "checkpoint 6"),
                ev.all.subList(0, 6), ev.all.toString());
        assertTrue(ev.all.get(6).startsWith("diverged 8 5 "), ev.all.toString());
        TrainState kept = ev.checkpoints.get(1);
        assertEquals(6, kept.iteration);
        for (double v : kept.params.data) assertTrue(Double.isFinite(v));
    }

    @Test
    void failuresSeparatedByProgressDoNotAddUp() {
        // draws 4 and 9 are poisoned the first 3 times each is drawn: 6 failures, never 5 without getting past them
        ToyBatchSource toy = new ToyBatchSource("8gaussians", 1);
        Map<Integer, Integer> seen = new HashMap<>();
        BatchSource flaky = new BatchSource() {
            @Override public int dimension() { return 2; }

            @Override public double[] batch(int n, int draw) {
                double[] b = toy.batch(n, draw);
                int times = seen.merge(draw, 1, Integer::sum);
                if ((draw == 4 || draw == 9) && times <= 3) b[0] = Double.POSITIVE_INFINITY;
                return b;
            }
        };
        Events ev = new Events();
        try (CpuFlowEngine e = new CpuFlowEngine(S, DType.FLOAT64, 1)) {
            OtFlowTrainer.Result r = new OtFlowTrainer(config(0.05, 20), e).addListener(ev)
                    .train(PhiParams.initialise(S, 1), flaky, ToyData.sample("8gaussians", 128, 2), 128);
            for (double v : r.last().data) assertTrue(Double.isFinite(v));
        }
        assertEquals(3, ev.count("recovery 5"), ev.all.toString());
        assertEquals(3, ev.count("recovery 10"), ev.all.toString());
        assertEquals(0, ev.count("diverged"), ev.all.toString());
    }
}
