package org.cnf4j.train;

import org.cnf4j.backend.DType;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The short constructor is the reference's training, and each {@code with...} changes its own option and no other. */
class TrainConfigTest {
    static final PhiShape S = new PhiShape(3, 8, 2);
    static final Alpha A = new Alpha(1, 100, 5);

    static TrainConfig base() {
        return new TrainConfig(S, A, 4, 6, 64, 128, 50, 0.05, 10, 0.5, 1.5, 2, 5, 7, DType.FLOAT64, 2);
    }

    /** The canonical constructor with the short one's values and the given optional ones. */
    static TrainConfig full(int earlyStopping, double gradTol, int warmup, double annealAt, int dropsPerDecade,
                            double weightDecay, BudgetAnneal anneal, double ema) {
        return new TrainConfig(S, A, 4, 6, 64, 128, 50, 0.05, 10, 0.5, 1.5, 2, 5, 7, DType.FLOAT64, 2,
                earlyStopping, gradTol, warmup, annealAt, dropsPerDecade, weightDecay, anneal, ema);
    }

    @Test
    void shortConstructorTurnsEveryAdditionOff() {
        assertEquals(full(0, 0, 0, 0, 1, 0, BudgetAnneal.STEP, 0), base());
    }

    @Test
    void eachWitherSetsItsOwnOption() {
        assertEquals(full(20, 0, 0, 0, 1, 0, BudgetAnneal.STEP, 0), base().withEarlyStopping(20));
        assertEquals(full(0, 0.01, 0, 0, 1, 0, BudgetAnneal.STEP, 0), base().withGradTol(0.01));
        assertEquals(full(0, 0, 50, 0, 1, 0, BudgetAnneal.STEP, 0), base().withWarmup(50));
        assertEquals(full(0, 0, 0, 0.75, 1, 0, BudgetAnneal.STEP, 0), base().withAnnealAt(0.75));
        assertEquals(full(0, 0, 0, 0, 2, 0, BudgetAnneal.STEP, 0), base().withDropsPerDecade(2));
        assertEquals(full(0, 0, 0, 0, 1, 0.01, BudgetAnneal.STEP, 0), base().withWeightDecay(0.01));
        assertEquals(full(0, 0, 0, 0, 1, 0, BudgetAnneal.COSINE, 0), base().withAnneal(BudgetAnneal.COSINE));
        assertEquals(full(0, 0, 0, 0, 1, 0, BudgetAnneal.STEP, 0.99), base().withEma(0.99));
        assertEquals(300, base().withIters(300).iters());
    }

    @Test
    void withersKeepWhatWasSetBefore() {
        TrainConfig all = base().withEarlyStopping(20).withGradTol(0.01).withWarmup(50).withDropsPerDecade(2)
                .withWeightDecay(0.01).withAnneal(BudgetAnneal.COSINE).withEma(0.99).withIters(300);
        TrainConfig expected = new TrainConfig(S, A, 4, 6, 64, 128, 300, 0.05, 10, 0.5, 1.5, 2, 5, 7, DType.FLOAT64, 2,
                20, 0.01, 50, 0, 2, 0.01, BudgetAnneal.COSINE, 0.99);
        assertEquals(expected, all);
    }

    @Test
    void withersCheckWhatTheyAreGiven() {
        assertThrows(IllegalArgumentException.class, () -> base().withEma(1));
        assertThrows(IllegalArgumentException.class, () -> base().withWarmup(-1));
        assertThrows(IllegalArgumentException.class, () -> base().withWeightDecay(1 / 0.05));
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> base().withAnneal(BudgetAnneal.COSINE).withAnnealAt(0.5));
        assertTrue(both.getMessage().contains("cosine"), both.getMessage());
    }
}
