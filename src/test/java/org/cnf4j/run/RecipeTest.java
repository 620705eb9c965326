package org.cnf4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.cnf4j.train.BudgetAnneal;
import org.junit.jupiter.api.Test;

/** Which defaults a source gets, and the validation interval each recipe's rule gives. */
class RecipeTest {
    @Test
    void filesGetTheFastRecipeAndMafSetsKeepThePapers() {
        Recipe f = Recipe.forData("data/digits.csv", 64, 1437);
        assertEquals(0.1, f.lr());
        assertEquals(50, f.warmup());
        assertEquals(20, f.earlyStopping());
        assertEquals(1000, f.batch());
        assertEquals(400, Recipe.forData("x.csv", 30, 400).batch(), "the batch is at most the training rows");
        Recipe m = Recipe.forData("maf:miniboone", 43, 29556);
        assertEquals(0.02, m.lr());
        assertEquals(0, m.warmup(), "the paper's recipe has no warm-up");
        assertEquals(8000, m.iters());
        assertEquals(0, Recipe.forData("toy.csv", 2, 5000).warmup());
        assertEquals(BudgetAnneal.STEP, f.anneal(), "digits: a budgeted run drops the rate in its last quarter");
        assertEquals(0.75, f.annealAt());
        assertEquals(0.75, Recipe.forData("x.csv", 30, 400).annealAt(), "with the batch cut to the rows too");
        assertEquals(BudgetAnneal.STEP, Recipe.forData("x.csv", 16, 16_200).anneal(), "mixture16's 16,200 training rows keep the step");
        assertEquals(0.75, Recipe.forData("x.csv", 16, Recipe.COSINE_FROM_ROWS - 1).annealAt());
        Recipe many = Recipe.forData("x.csv", 16, Recipe.COSINE_FROM_ROWS);
        assertEquals(BudgetAnneal.COSINE, many.anneal(), "files of many rows: along a cosine");
        assertEquals(0, many.annealAt(), "without the step's drop");
        assertEquals(BudgetAnneal.COSINE, Recipe.forData("x.csv", 16, 48_600).anneal(), "the held-out set's 48,600 training rows");
        assertEquals(BudgetAnneal.STEP, m.anneal(), "the paper's recipe is unchanged: no anneal");
        assertEquals(0, m.annealAt());
        assertEquals(0, Recipe.forData("toy.csv", 2, 5000).annealAt());
        assertEquals(BudgetAnneal.STEP, Recipe.forData("toy.csv", 2, 5000).anneal());
        assertEquals(0, Recipe.TOY.annealAt());
        assertEquals(0.99, f.ema(), "files: validation scores the parameters' average");
        assertEquals(0.99, Recipe.forData("x.csv", 16, 48_600).ema(), "at every size");
        assertEquals(0.99, Recipe.forData("x.csv", 30, 400).ema());
        assertEquals(0, m.ema(), "the paper's recipe scores the parameters");
        assertEquals(0, Recipe.TOY.ema());
        assertEquals(0, Recipe.forData("toy.csv", 2, 5000).ema(), "2-column files keep the toy recipe");
    }

    @Test
    void filesOfManyRowsGetTheWiderModel() {
        assertEquals(64, Recipe.forData("data/digits.csv", 64, 1150).width(), "digits keeps width 64");
        assertEquals(64, Recipe.forData("x.csv", 30, 410).width(), "breast_cancer keeps width 64");
        assertEquals(64, Recipe.forData("x.csv", 16, Recipe.WIDE_FROM_ROWS - 1).width());
        assertEquals(128, Recipe.forData("x.csv", 16, Recipe.WIDE_FROM_ROWS).width());
        assertEquals(128, Recipe.forData("mixture16.csv", 16, 16_200).width(), "mixture16's training rows");
        Recipe wide = Recipe.forData("x.csv", 16, 20_000);
        Recipe t = Recipe.TABULAR;
        assertEquals(new Recipe(128, t.layers(), t.nt(), t.ntVal(), t.batch(), t.valBatch(), t.iters(), "1,1000,15", t.lr(), t.dropEvery(),
                t.earlyStopping(), t.clamp(), t.resampleEvery(), t.valEvery(), t.warmup(), t.annealAt(), t.lrWidth(), t.anneal(), t.ema()), wide,
                "only the width and the loss weights change");
        assertEquals(new Recipe(128, t.layers(), t.nt(), t.ntVal(), t.batch(), t.valBatch(), t.iters(), "1,1000,15", t.lr(), t.dropEvery(),
                t.earlyStopping(), t.clamp(), t.resampleEvery(), t.valEvery(), t.warmup(), 0, t.lrWidth(), BudgetAnneal.COSINE, t.ema()),
                Recipe.forData("x.csv", 16, 48_600), "and from 30,000 rows the anneal");
        assertEquals("1,100,15", Recipe.forData("x.csv", 16, Recipe.WIDE_FROM_ROWS - 1).alpha(), "fewer rows keep the weights");
        assertEquals("1,100,15", Recipe.forData("data/digits.csv", 64, 1150).alpha());
        assertEquals("1,500,5", Recipe.forData("maf:power", 6, 1_659_917).alpha(), "the paper's weights, however many rows");
        assertEquals(32, Recipe.forData("toy.csv", 2, 50_000).width(), "d <= 2 keeps the toy recipe");
        assertEquals(256, Recipe.forData("maf:miniboone", 43, 29_556).width(), "the paper's width");
        assertEquals(128, Recipe.forData("maf:power", 6, 1_659_917).width(), "the paper's width");
    }

    @Test
    void theFileRecipesRateScalesDownWithTheWidthAndTheReferenceRatesDoNot() {
        Recipe file = Recipe.forData("x.csv", 16, 16_200);
        assertEquals(0.05, file.lrFor(file.width()), 1e-15, "width 128: 0.1 x 64 / 128");
        assertEquals(0.025, file.lrFor(256), 1e-15);
        assertEquals(0.1, file.lrFor(64), 1e-15, "width 64 keeps 0.1");
        assertEquals(0.1, file.lrFor(16), 1e-15, "narrower models are not given a higher rate");
        Recipe digits = Recipe.forData("data/digits.csv", 64, 1150);
        assertEquals(0.1, digits.lrFor(digits.width()), 1e-15, "digits keeps its rate");
        assertEquals(0.02, Recipe.forData("maf:miniboone", 43, 29_556).lrFor(256), "the paper's rate at the paper's width");
        assertEquals(0.02, Recipe.forData("maf:miniboone", 43, 29_556).lrFor(1024), "at any width");
        assertEquals(0.1, Recipe.TOY.lrFor(512), "the toy recipe keeps its rate");
        assertEquals(0.1, Recipe.forData("toy.csv", 2, 50_000).lrFor(256), "2-column files keep the toy rate");
    }

    @Test
    void validationIntervals() {
        Recipe file = Recipe.TABULAR;
        assertEquals(10, file.validationInterval(1), "small sets: at most every 10 iterations");
        assertEquals(16, file.validationInterval(16), "once per epoch in between");
        assertEquals(50, file.validationInterval(48_000), "large sets: at least every 50");
        Recipe maf = Recipe.maf("power");
        assertEquals(1, maf.validationInterval(0));
        assertEquals(1659, maf.validationInterval(1659), "the reference: once per epoch");
        assertEquals(10, Recipe.TOY.validationInterval(3));
    }
}
