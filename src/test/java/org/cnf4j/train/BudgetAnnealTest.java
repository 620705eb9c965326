package org.cnf4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.cnf4j.backend.DType;
import org.cnf4j.data.ToyData;
import org.cnf4j.engine.LossResult;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.junit.jupiter.api.Test;

/**
 * With a time budget, the first validation past {@link TrainConfig#annealAt} of it lowers the rate tenfold, once, unless
 * a plateau already has. The clock is stepped by hand: 100 ns per iteration against a budget of 1000 ns.
 */
class BudgetAnnealTest {
    private static final PhiShape S = new PhiShape(2, 8, 2);
    private static final double LR = 0.08;

    private static TrainConfig config(double annealAt) {
        return config(annealAt, 1);
    }

    private static TrainConfig config(double annealAt, int dropsPerDecade) {
        return new TrainConfig(S, new Alpha(1, 100, 5), 2, 2, 64, 64, 14, LR, 0, 0.5, 0, 1, 2, 3, DType.FLOAT64, 1, 0, 0, 0, annealAt,
                dropsPerDecade);
    }

    /** The rate of every iteration, and the events, of a run with a 1000 ns budget (none when {@code budget} is false). */
    private static List<String> run(TrainConfig cfg, boolean budget, int startStage, List<Double> rates) {
        List<String> events = new ArrayList<>();
        AtomicLong now = new AtomicLong(0);
        try (CpuFlowEngine e = new CpuFlowEngine(S, cfg.dtype(), 1)) {
            OtFlowTrainer t = new OtFlowTrainer(cfg, e).clock(now::get);
            if (budget) t.deadline(1000);
            TrainState start = TrainState.start(PhiParams.initialise(S, 3), cfg.lr());
            start.lrStage = startStage;
            t.addListener(new TrainListener() {
                @Override public void onIteration(int iter, LossResult l, double lr) {
                    rates.add(lr);
                    now.addAndGet(100);
                }
                @Override public void onBudgetAnneal(int iter, double fraction, double newLr) { events.add("anneal " + iter + " " + fraction + " " + newLr); }
                @Override public void onTimeUp(int iter) { events.add("time up " + iter); }
            }).train(start, new ToyBatchSource("8gaussians", 3), ToyData.sample("8gaussians", 64, 4), 64);
        }
        return events;
    }

    @Test
    void theFirstValidationPastTheFractionDropsTheRateOnce() {
        List<Double> rates = new ArrayList<>();
        List<String> events = run(config(0.5), true, 0, rates);
        // validations at 2, 4, 6, ...: the clock reads 600 at iteration 6's, the first at or past 500
        assertEquals(List.of("anneal 6 0.5 " + LR / 10, "time up 11"), events);
        assertEquals(11, rates.size());
        for (int i = 0; i < 6; i++) assertEquals(LR, rates.get(i), 0.0, "iteration " + (i + 1));
        for (int i = 6; i < 11; i++) assertEquals(LR / 10, rates.get(i), 1e-18, "iteration " + (i + 1));
    }

    @Test
    void theAnnealStaysTenfoldWhenThePlateausDropsAreGentler() {
        List<Double> rates = new ArrayList<>();
        List<String> events = run(config(0.5, 2), true, 0, rates);
        assertEquals(List.of("anneal 6 0.5 " + LR / 10, "time up 11"), events);
        for (int i = 6; i < 11; i++) assertEquals(LR / 10, rates.get(i), 1e-18, "iteration " + (i + 1));
        rates.clear();
        // one gentle plateau drop (lr / sqrt 10) already lowered the rate: no anneal on top of it
        assertEquals(List.of("time up 11"), run(config(0.5, 2), true, 1, rates));
        rates.forEach(r -> assertEquals(LR / Math.sqrt(10), r, 1e-15));
    }

    @Test
    void withoutABudgetOrAtZeroOrAfterAPlateauNothingChanges() {
        List<Double> rates = new ArrayList<>();
        assertEquals(List.of(), run(config(0.5), false, 0, rates), "no budget");
        assertEquals(14, rates.size());
        rates.forEach(r -> assertEquals(LR, r, 0.0));
        rates.clear();
        assertEquals(List.of("time up 11"), run(config(0), true, 0, rates), "annealAt 0: never");
        rates.forEach(r -> assertEquals(LR, r, 0.0));
        rates.clear();
        assertEquals(List.of("time up 11"), run(config(0.5), true, 1, rates), "a plateau (or a resumed anneal) already lowered it");
        rates.forEach(r -> assertEquals(LR / 10, r, 1e-18));
    }

    @Test
    void theFractionIsChecked() {
        assertThrows(IllegalArgumentException.class, () -> config(-0.1));
        assertThrows(IllegalArgumentException.class, () -> config(1));
        assertThrows(IllegalArgumentException.class, () -> config(Double.NaN));
    }

    @Test
    void aConfigurationWrittenBeforeTheAnnealExistedReadsAsNever() throws Exception {
        ObjectMapper om = new ObjectMapper();
        ObjectNode json = om.valueToTree(config(0.75));
        assertEquals(0.75, om.treeToValue(json, TrainConfig.class).annealAt());
        json.remove("annealAt");
        assertEquals(0, om.treeToValue(json, TrainConfig.class).annealAt());
    }
}
