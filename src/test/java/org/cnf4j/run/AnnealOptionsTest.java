package org.cnf4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cnf4j.train.BudgetAnneal;
import org.junit.jupiter.api.Test;

/** Which anneal, and which step moment, --anneal and --anneal-at give over each recipe's default. */
class AnnealOptionsTest {
    private static final Recipe FILE = Recipe.forData("x.csv", 16, 48_600), SMALL = Recipe.forData("x.csv", 16, 16_200), TOY = Recipe.TOY,
            MAF = Recipe.forData("maf:power", 6, 1_659_917);

    private static void gives(BudgetAnneal kind, double at, TrainingOptions o, Recipe rec) {
        assertEquals(kind, TrainingRun.anneal(o, rec).kind());
        assertEquals(at, TrainingRun.anneal(o, rec).at(), 0.0);
    }

    @Test
    void eachRecipeKeepsItsDefault() {
        gives(BudgetAnneal.COSINE, 0, new TrainingOptions(), FILE);
        gives(BudgetAnneal.STEP, 0.75, new TrainingOptions(), SMALL);
        gives(BudgetAnneal.STEP, 0, new TrainingOptions(), TOY);   // the step at 0: no anneal
        gives(BudgetAnneal.STEP, 0, new TrainingOptions(), MAF);
    }

    @Test
    void anAnnealAtAloneAsksForTheStep() {
        gives(BudgetAnneal.STEP, 0.5, new TrainingOptions().annealAt(0.5), FILE);
        gives(BudgetAnneal.STEP, 0.6, new TrainingOptions().annealAt(0.6), TOY);
        gives(BudgetAnneal.STEP, 0, new TrainingOptions().annealAt(0.0), FILE);   // the old way to turn it off
    }

    @Test
    void theModeIsTakenAsGiven() {
        gives(BudgetAnneal.STEP, Recipe.STEP_ANNEAL_AT, new TrainingOptions().anneal("step"), FILE);
        gives(BudgetAnneal.STEP, Recipe.STEP_ANNEAL_AT, new TrainingOptions().anneal("step"), TOY);
        gives(BudgetAnneal.COSINE, 0, new TrainingOptions().anneal("cosine"), SMALL);
        gives(BudgetAnneal.STEP, 0, new TrainingOptions().anneal("none"), SMALL);
        gives(BudgetAnneal.STEP, 0.3, new TrainingOptions().anneal("Step").annealAt(0.3), FILE);
        gives(BudgetAnneal.STEP, 0, new TrainingOptions().anneal("none"), FILE);
        gives(BudgetAnneal.STEP, 0, new TrainingOptions().anneal("none").annealAt(0.0), FILE);
        gives(BudgetAnneal.COSINE, 0, new TrainingOptions().anneal("cosine"), TOY);
        gives(BudgetAnneal.COSINE, 0, new TrainingOptions().anneal(" COSINE "), MAF);
    }

    @Test
    void anAnnealAskedForByNameNeedsABudget() {
        java.time.Duration budget = java.time.Duration.ofMinutes(20);
        for (TrainingOptions o : new TrainingOptions[] {new TrainingOptions().anneal("cosine"), new TrainingOptions().anneal("step"),
                new TrainingOptions().annealAt(0.5)}) {
            String msg = assertThrows(IllegalArgumentException.class, () -> TrainingRun.requireBudgetForAnneal(o)).getMessage();
            assertTrue(msg.contains("--time-budget"), msg);
            TrainingRun.requireBudgetForAnneal(o.timeBudget(budget));
        }
        // what turns the anneal off, and the recipe's own anneal, need none
        TrainingRun.requireBudgetForAnneal(new TrainingOptions().anneal("none"));
        TrainingRun.requireBudgetForAnneal(new TrainingOptions().annealAt(0.0));
        TrainingRun.requireBudgetForAnneal(new TrainingOptions());
    }

    @Test
    void contradictionsAndUnknownModesAreRefused() {
        String both = assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.anneal(new TrainingOptions().anneal("cosine").annealAt(0.5), FILE)).getMessage();
        assertTrue(both.contains("--anneal-at") && both.contains("--anneal cosine"), both);
        String none = assertThrows(IllegalArgumentException.class,
                () -> TrainingRun.anneal(new TrainingOptions().anneal("none").annealAt(0.5), FILE)).getMessage();
        assertTrue(none.contains("--anneal none") && none.contains("contradict"), none);
        String bad = assertThrows(IllegalArgumentException.class, () -> TrainingRun.anneal(new TrainingOptions().anneal("linear"), FILE)).getMessage();
        assertTrue(bad.contains("cosine, step or none") && bad.contains("linear"), bad);
    }
}
