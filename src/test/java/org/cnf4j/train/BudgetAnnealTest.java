package org.cnf4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * a plateau already has; or, with {@link BudgetAnneal#COSINE}, the rate follows half a cosine over the budget. The clock
 * is stepped by hand: 100 ns per iteration against a budget of 1000 ns.
 */
class BudgetAnnealTest {
    private static final PhiShape S = new PhiShape(2, 8, 2);
    private static final double LR = 0.08;

    private static TrainConfig config(double annealAt) {
        return config(annealAt, 1);
    }

    private static TrainConfig config(double annealAt, int dropsPerDecade) {
        return new TrainConfig(S, new Alpha(1, 100, 5), 2, 2, 64, 64, 14, LR, 0, 0.5, 0, 1, 2, 3, DType.FLOAT64, 1)
                .withAnnealAt(annealAt).withDropsPerDecade(dropsPerDecade);
    }

    private static TrainConfig cosine() {
        return new TrainConfig(S, new Alpha(1, 100, 5), 2, 2, 64, 64, 14, LR, 0, 0.5, 0, 1, 2, 3, DType.FLOAT64, 1)
                .withAnneal(BudgetAnneal.COSINE);
    }

    /** The rate of every iteration, and the events, of a run with a 1000 ns budget (none when {@code budget} is false). */
    private static List<String> run(TrainConfig cfg, boolean budget, int startStage, List<Double> rates) {
        return run(cfg, budget, startStage, 0, rates);
    }

    /** As above, from a state whose cosine anneal has come {@code budgetUsed} of the way (a resumed run's). */
    private static List<String> run(TrainConfig cfg, boolean budget, int startStage, double budgetUsed, List<Double> rates) {
        List<String> events = new ArrayList<>();
        AtomicLong now = new AtomicLong(0);
        try (CpuFlowEngine e = new CpuFlowEngine(S, cfg.dtype(), 1)) {
            OtFlowTrainer t = new OtFlowTrainer(cfg, e).clock(now::get);
            if (budget) t.deadline(1000);
            TrainState start = TrainState.start(PhiParams.initialise(S, 3), cfg.lr());
            start.lrStage = startStage;
            start.budgetUsed = budgetUsed;
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
    void theCosineFollowsTheBudgetFromTheRateToAHundredthOfIt() {
        List<Double> rates = new ArrayList<>();
        // iteration i starts with the clock at 100 (i - 1) of 1000 ns; the one that passes the budget is 11
        assertEquals(List.of("time up 11"), run(cosine(), true, 0, rates), "no step anneal on top of the cosine");
        assertEquals(11, rates.size());
        for (int i = 1; i <= 11; i++) {
            double f = (i - 1) / 10.0;
            assertEquals(LR * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * f))), rates.get(i - 1), 1e-17, "iteration " + i);
        }
        assertEquals(LR, rates.get(0), 0.0, "the full rate at the start");
        assertEquals(LR * 0.505, rates.get(5), 1e-17, "half way: half way down");
        assertEquals(LR * BudgetAnneal.COSINE_FLOOR, rates.get(10), 1e-17, "the floor at the end of the budget");
    }

    @Test
    void aResumedCosineContinuesWhereItStoppedAndPlateausStillDivide() {
        List<Double> rates = new ArrayList<>();
        // half of the anneal done before: this budget spreads the other half, so iteration i is at 0.5 + 0.5 (i - 1) / 10
        run(cosine(), true, 0, 0.5, rates);
        for (int i = 1; i <= 11; i++) {
            assertEquals(LR * BudgetAnneal.cosineFactor(0.5 + 0.05 * (i - 1)), rates.get(i - 1), 1e-17, "iteration " + i);
        }
        rates.clear();
        run(cosine(), true, 1, rates);   // one plateau drop already: a tenth of the cosine's rate
        for (int i = 1; i <= 11; i++) assertEquals(LR / 10 * BudgetAnneal.cosineFactor((i - 1) / 10.0), rates.get(i - 1), 1e-18);
    }

    @Test
    void withoutABudgetTheCosineStaysWhereItIs() {
        List<Double> rates = new ArrayList<>();
        assertEquals(List.of(), run(cosine(), false, 0, rates));
        assertEquals(14, rates.size());
        rates.forEach(r -> assertEquals(LR, r, 0.0));
        rates.clear();
        run(cosine(), false, 0, 0.75, rates);   // resumed without a budget: the rate where the anneal stopped
        rates.forEach(r -> assertEquals(LR * BudgetAnneal.cosineFactor(0.75), r, 1e-17));
    }

    @Test
    void theCosineFactorRunsFromOneToTheFloorAndStaysInside() {
        assertEquals(1, BudgetAnneal.cosineFactor(0), 0.0);
        assertEquals(BudgetAnneal.COSINE_FLOOR, BudgetAnneal.cosineFactor(1), 1e-17);
        assertEquals(1, BudgetAnneal.cosineFactor(-3), 0.0);
        assertEquals(BudgetAnneal.COSINE_FLOOR, BudgetAnneal.cosineFactor(7), 1e-17);
        for (int i = 1; i <= 100; i++) assertTrue(BudgetAnneal.cosineFactor(i / 100.0) < BudgetAnneal.cosineFactor((i - 1) / 100.0), "falling at " + i);
    }

    @Test
    void theCosineHasNoStepMomentAndOldConfigurationsReadAsTheStep() throws Exception {
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> new TrainConfig(S, new Alpha(1, 100, 5), 2, 2, 64, 64, 14, LR, 0, 0.5, 0, 1, 2, 3, DType.FLOAT64, 1)
                        .withAnnealAt(0.5).withAnneal(BudgetAnneal.COSINE));
        assertTrue(both.getMessage().contains("cosine"), both.getMessage());
        ObjectMapper om = new ObjectMapper();
        assertEquals(BudgetAnneal.COSINE, om.treeToValue(om.valueToTree(cosine()), TrainConfig.class).anneal());
        ObjectNode json = om.valueToTree(config(0.75));
        json.remove("anneal");
        TrainConfig old = om.treeToValue(json, TrainConfig.class);
        assertEquals(BudgetAnneal.STEP, old.anneal());
        assertEquals(0.75, old.annealAt());
        assertEquals(BudgetAnneal.COSINE, cosine().withIters(99).anneal(), "a resume's longer budget keeps the anneal");
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
