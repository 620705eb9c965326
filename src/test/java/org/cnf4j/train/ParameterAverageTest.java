package org.cnf4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import org.cnf4j.backend.DType;
import org.cnf4j.data.ToyData;
import org.cnf4j.engine.LossResult;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.ode.Tableau;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parameters' moving average ({@link TrainConfig#ema}): it follows the recurrence avg = decay x avg + (1 - decay) x
 * params over the steps Adam takes, without changing those steps; validation judges it and the best model is it; the
 * checkpoint keeps it, so a resumed run ends bit for bit where an uninterrupted one does.
 */
class ParameterAverageTest {
    private static final PhiShape S = new PhiShape(2, 8, 2);
    private static final Alpha ALPHA = new Alpha(1, 100, 5);
    private static final double[] VAL = ToyData.sample("8gaussians", 64, 4);

    /** No early stopping; validation every valEvery iterations (and at the last). */
    private static TrainConfig config(double ema, int iters, int valEvery) {
        return new TrainConfig(S, ALPHA, 2, 2, 64, 64, iters, 0.05, 0, 0.5, 0, 1, valEvery, 3, DType.FLOAT64, 1)
                .withEma(ema);
    }

    private static OtFlowTrainer.Result train(CpuFlowEngine e, TrainConfig cfg, TrainState from) {
        return new OtFlowTrainer(cfg, e).train(from, new ToyBatchSource("8gaussians", 3), VAL, 64);
    }

    @Test
    void theAverageFollowsTheRecurrenceOverTheStepsAdamTakesAndIsWhatValidationJudges() {
        int n = 12;
        double decay = 0.8;
        try (CpuFlowEngine e = new CpuFlowEngine(S, DType.FLOAT64, 1)) {
            // the plain run one iteration at a time, its parameters after each step averaged by hand
            TrainState plain = TrainState.start(PhiParams.initialise(S, 1), 0.05);
            double[] expected = plain.params.data.clone();
            for (int k = 1; k <= n; k++) {
                plain = train(e, config(0, k, 100), plain).state();
                assertNull(plain.average, "no average without a decay");
                double dk = Math.min(decay, (1.0 + k) / (10.0 + k));   // the early cap
                for (int i = 0; i < expected.length; i++) expected[i] = dk * expected[i] + (1 - dk) * plain.params.data[i];
            }
            OtFlowTrainer.Result avg = train(e, config(decay, n, 100), TrainState.start(PhiParams.initialise(S, 1), 0.05));
            assertArrayEquals(plain.params.data, avg.state().params.data, 0.0, "the average does not change the steps");
            assertArrayEquals(expected, avg.state().average.data, 0.0);
            assertArrayEquals(expected, avg.best().data, 0.0, "the one validation (the last iteration) judged the average");
            LossResult judged = e.loss(avg.state().average, VAL, 64, 2, Tableau.RK4, ALPHA, false);
            assertEquals(judged.j(), avg.bestValidation().j(), 0.0);
            double raw = e.loss(avg.state().params, VAL, 64, 2, Tableau.RK4, ALPHA, false).j();
            assertTrue(raw != judged.j(), "the parameters themselves score otherwise");
        }
    }

    @Test
    void aResumedRunEndsBitIdenticalWithItsAverage(@TempDir Path dir) throws IOException {
        try (CpuFlowEngine e = new CpuFlowEngine(S, DType.FLOAT64, 1)) {
            OtFlowTrainer.Result full = train(e, config(0.9, 20, 5), TrainState.start(PhiParams.initialise(S, 1), 0.05));
            TrainState half = train(e, config(0.9, 8, 5), TrainState.start(PhiParams.initialise(S, 1), 0.05)).state();
            Path f = dir.resolve("checkpoint.bin");
            half.save(f);
            TrainState back = TrainState.load(f, S);
            assertArrayEquals(half.average.data, back.average.data, 0.0, "the checkpoint keeps the average");
            OtFlowTrainer.Result resumed = train(e, config(0.9, 20, 5), back);
            assertArrayEquals(full.state().params.data, resumed.state().params.data, 0.0);
            assertArrayEquals(full.state().average.data, resumed.state().average.data, 0.0);
            assertArrayEquals(full.best().data, resumed.best().data, 0.0);
            assertEquals(full.bestIter(), resumed.bestIter());
        }
    }

    @Test
    void aStateWithoutAnAverageStartsItAtTheParametersAndDecayZeroDropsIt() {
        try (CpuFlowEngine e = new CpuFlowEngine(S, DType.FLOAT64, 1)) {
            TrainState old = train(e, config(0, 4, 100), TrainState.start(PhiParams.initialise(S, 1), 0.05)).state();
            assertNull(old.average);
            TrainState on = train(e, config(0.5, 5, 100), old).state();
            TrainState plain = train(e, config(0, 5, 100), old).state();
            double[] expected = old.params.data.clone();
            double d5 = Math.min(0.5, 6.0 / 15.0);   // iteration 5's cap is below the decay
            for (int i = 0; i < expected.length; i++) expected[i] = d5 * expected[i] + (1 - d5) * plain.params.data[i];
            assertArrayEquals(expected, on.average.data, 0.0, "a checkpoint from before the average: it starts at the parameters");
            assertNotNull(on.average);
            assertNull(train(e, config(0, 6, 100), on).state().average, "--ema 0 on resume judges the parameters again");
        }
    }

    @Test
    void earlyOnTheAverageSpansAboutTheLastTenthOfTheRun() {
        assertEquals(2.0 / 11, OtFlowTrainer.emaDecay(0.99, 1), 0.0);
        assertEquals(101.0 / 110, OtFlowTrainer.emaDecay(0.99, 100), 0.0);
        assertEquals(0.99, OtFlowTrainer.emaDecay(0.99, 891), 0.0, "from iteration 891 on the decay itself");
        assertEquals(0.99, OtFlowTrainer.emaDecay(0.99, 100_000), 0.0);
        assertEquals(0.5, OtFlowTrainer.emaDecay(0.5, 8), 0.0);
        for (int it = 1; it < 2000; it++) assertTrue(OtFlowTrainer.emaDecay(0.999, it) <= OtFlowTrainer.emaDecay(0.999, it + 1));
    }

    @Test
    void aBlowUpRestoresTheAverageWithTheParameters() {
        TrainState s = TrainState.start(PhiParams.initialise(S, 1), 0.05);
        double[] avg = s.params.data.clone();
        double[] p = new double[avg.length];
        java.util.Arrays.fill(p, 2);
        OtFlowTrainer.average(avg, p, 0.75);
        for (int i = 0; i < avg.length; i++) assertEquals(0.75 * s.params.data[i] + 0.25 * 2, avg[i], 0.0);
        // the trainer's restore: BlowUpTest drives it; here the state after it must not keep a stale average
        try (BlowUpTest.ExplodingValidation eng = new BlowUpTest.ExplodingValidation(2)) {
            TrainConfig cfg = new TrainConfig(S, ALPHA, 2, 2, 64, 64, 8, 0.05, 0, 0.5, 0, 1, 4, 3, DType.FLOAT64, 1)
                    .withEma(0.9);
            TrainState[] after = new TrainState[1];
            new OtFlowTrainer(cfg, eng).checkpointEvery(4).addListener(new TrainListener() {
                @Override public void onCheckpoint(TrainState st) { if (st.iteration == 8) after[0] = st.copy(); }
            }).train(PhiParams.initialise(S, 1), new ToyBatchSource("8gaussians", 3), VAL, 64);
            assertArrayEquals(after[0].best.data, after[0].params.data, 0.0, "back to the best model");
            assertArrayEquals(after[0].best.data, after[0].average.data, 0.0, "and the average with it");
        }
    }

    @Test
    void theDecayIsCheckedAndAConfigWrittenBeforeItReadsAsNone() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> config(-0.1, 5, 5));
        assertThrows(IllegalArgumentException.class, () -> config(1, 5, 5));
        assertThrows(IllegalArgumentException.class, () -> config(Double.NaN, 5, 5));
        ObjectMapper om = new ObjectMapper();
        ObjectNode json = om.valueToTree(config(0.99, 5, 5));
        assertEquals(0.99, om.treeToValue(json, TrainConfig.class).ema());
        json.remove("ema");
        assertEquals(0.0, om.treeToValue(json, TrainConfig.class).ema());
    }
}
