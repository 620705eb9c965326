package org.cnf4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.cnf4j.backend.DType;
import org.cnf4j.data.ToyData;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.ode.Tableau;
import org.junit.jupiter.api.Test;

/** A validation loss that explodes sends training back to the best parameters, with fresh moments and half the rate. */
class BlowUpTest {
    static final PhiShape S = new PhiShape(2, 8, 2);

    @Test
    void onlyAFarExcursionAboveTheBestCounts() {
        assertFalse(OtFlowTrainer.blownUp(1e9, Double.POSITIVE_INFINITY, 0), "no best yet");
        assertFalse(OtFlowTrainer.blownUp(1500, 1000, 1000), "noise and overfitting");
        assertFalse(OtFlowTrainer.blownUp(10_999, 1000, 1000));
        assertTrue(OtFlowTrainer.blownUp(11_001, 1000, 1000));
        assertTrue(OtFlowTrainer.blownUp(Double.NaN, 1000, 1000));
        assertTrue(OtFlowTrainer.blownUp(-50 + 10 * 50 + 1, -50, 50), "a negative best: its magnitude");
        assertFalse(OtFlowTrainer.blownUp(5, 0.1, 0.1), "near zero the margin is at least 10");
        // breast_cancer's best J 0.85 = 100 x (-0.955) + L + 15 R: its terms are about 191 in size, not 0.85
        assertFalse(OtFlowTrainer.blownUp(15.26, 0.85, 191), "an ordinary rise where the terms cancel");
        assertTrue(OtFlowTrainer.blownUp(0.85 + 10 * 191 + 1, 0.85, 191), "a real blow-up there still counts");
        assertTrue(OtFlowTrainer.blownUp(15.26, 0.85, 0.85), "|J| alone would have counted it");
    }

    /** The real engine, except that validation number {@code bad} (1-based) reports J = 1e12. */
    static final class ExplodingValidation implements FlowEngine {
        final CpuFlowEngine e = new CpuFlowEngine(S, DType.FLOAT64, 1);
        final int bad;
        int validations;

        ExplodingValidation(int bad) { this.bad = bad; }

        @Override public PhiShape shape() { return S; }
        @Override public String describe() { return e.describe(); }
        @Override public FlowEngine.PhiValues evaluatePhi(PhiParams p, double[] x, int n, double t) { return e.evaluatePhi(p, x, n, t); }
        @Override public double[] integrate(PhiParams p, double[] z0, int n, double t0, double t1, int nt, Tableau tab, double a0) {
            return e.integrate(p, z0, n, t0, t1, nt, tab, a0);
        }
        @Override public LossResult loss(PhiParams p, double[] x, int n, int nt, Tableau tab, Alpha alpha, boolean withGradient) {
            LossResult r = e.loss(p, x, n, nt, tab, alpha, withGradient);
            if (!withGradient && ++validations == bad) return new LossResult(1e12, r.l(), 1e10, r.r(), null);
            return r;
        }
        @Override public void close() { e.close(); }
    }

    @Test
    void theBestParametersComeBackWithFreshMomentsAndHalfTheRate() {
        TrainConfig cfg = new TrainConfig(S, new Alpha(1, 100, 5), 2, 2, 64, 64, 12, 0.05, 0, 0.5, 0, 1, 4, 3, DType.FLOAT64, 1);
        double[] val = ToyData.sample("8gaussians", 64, 4);
        List<String> events = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        try (ExplodingValidation eng = new ExplodingValidation(2)) {
            OtFlowTrainer.Result r = new OtFlowTrainer(cfg, eng).checkpointEvery(4).addListener(new TrainListener() {
                @Override public void onIteration(int iter, LossResult l, double lr) { rates.add(lr); }
                @Override public void onValidation(int iter, LossResult v, boolean best) { events.add("val " + iter + (best ? " *" : "")); }
                @Override public void onBlowUp(int iter, double valJ, double bestJ, double newLr) {
                    events.add("blow-up " + iter + " " + valJ + " lr " + newLr);
                }
                @Override public void onCheckpoint(TrainState st) {
                    if (st.iteration == 8) {
                        assertArrayEquals(st.best.data, st.params.data, 0.0, "training goes on from the best parameters");
                        assertEquals(0, st.adam.steps(), "with fresh moments");
                        assertEquals(0.5, st.lrScale, 0.0);
                    }
                }
            }).train(PhiParams.initialise(S, 1), new ToyBatchSource("8gaussians", 3), val, 64);
            assertEquals(List.of("val 4 *", "val 8", "blow-up 8 1.0E12 lr 0.025", "val 12 *"), events);
            assertEquals(0.05, rates.get(7), 0.0);
            assertEquals(0.025, rates.get(8), 0.0);
            assertEquals(12, r.bestIter(), "the run went on from the best and improved on it");
        }
    }
}
