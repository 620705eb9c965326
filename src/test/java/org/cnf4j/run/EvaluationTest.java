package org.cnf4j.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cnf4j.backend.DType;
import org.cnf4j.data.ToyData;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.eval.Flow;
import org.cnf4j.eval.Mmd;
import org.cnf4j.model.PhiParams;
import org.cnf4j.ode.Tableau;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Evaluation}: the test costs are the loss's, the NLL is logp's bit for bit, and the per-map protocol starts at
 * the standard normal and ends at the model's own NLL and MMD.
 */
class EvaluationTest {
    static final EngineOptions F64 = EngineOptions.defaults().withDtype(DType.FLOAT64).withThreads(1);
    static RunModel jko, otflow;
    static final int N = 300, NM = 120;
    static double[] test;

    @BeforeAll
    static void train() throws Exception {
        TrainingOptions o = new TrainingOptions().data("8gaussians").method(TrainingOptions.JKO).steps(3).iters(8).width(8).batch(256)
                .valBatch(128).valEvery(4).nt(3).ntVal(3).seed(2L).plot(false);
        jko = TrainingRun.start(o, F64, null).model();
        otflow = TrainingRun.start(new TrainingOptions().data("8gaussians").iters(8).width(8).batch(256).valBatch(128).valEvery(4).nt(3)
                .ntVal(3).seed(2L).plot(false), F64, null).model();
        test = ToyData.sample("8gaussians", N, 77);
    }

    private static Evaluation.Options options(boolean perMap) {
        return new Evaluation.Options(4, false, 0, 0, 1, null, Evaluation.Estimator.UNBIASED, 5, perMap);
    }

    @Test
    void oneMapsCostsAreTheLossAndTheNllIsLogpsBitForBit() {
        try (FlowEngine e = Engines.create(otflow.shape(), F64)) {
            Evaluation.Result r = Evaluation.run(otflow, e, test, N, NM, options(false));
            LossResult loss = e.loss(otflow.maps().get(0), test, N, 4, Tableau.RK4, otflow.alpha(), false);
            assertEquals(loss.l(), r.costs().l(), 1e-12 * Math.abs(loss.l()));
            assertEquals(loss.c(), r.costs().c(), 1e-12 * Math.abs(loss.c()));
            assertEquals(loss.r(), r.costs().r(), 1e-12 * Math.abs(loss.r()) + 1e-15);
            assertEquals(loss.j(), r.costs().j(), 1e-11 * Math.abs(loss.j()));
            double[] lp = otflow.logDensity(e, 4, test, N, true);
            assertEquals(-Evaluation.mean(lp), r.nll(), 0.0, "what cnf4j logp writes, averaged");
            assertEquals(PhiParams.count(otflow.shape()), r.parameters());
            assertEquals(List.of(), r.perMap());
            assertEquals(-1, r.evaluations());
        }
    }

    @Test
    void perMapRunsFromTheGaussianToTheModel() {
        try (FlowEngine e = Engines.create(jko.shape(), F64)) {
            Evaluation.Result r = Evaluation.run(jko, e, test, N, NM, options(true));
            assertEquals(4, r.perMap().size(), "k = 0..3");
            Evaluation.MapStep first = r.perMap().get(0), last = r.perMap().get(3);
            // k = 0: the data against N(0, I); k = K: the model itself
            double[] sub = java.util.Arrays.copyOf(test, NM * 2);
            double sq = 0;
            for (double v : sub) sq += v * v;
            assertEquals(0.5 * sq / NM + Math.log(2 * Math.PI), first.nll(), 1e-12);
            assertEquals(r.nll(), last.nll(), 0.0);
            assertEquals(r.mmd(), last.mmd(), 0.0);
            assertTrue(Double.isNaN(first.l()));
            double sumL = 0, sumR = 0;
            for (Evaluation.MapStep s : r.perMap().subList(1, 4)) {
                sumL += s.l();
                sumR += s.r();
            }
            assertEquals(r.costs().l(), sumL, 1e-12 * sumL);
            assertEquals(r.costs().r(), sumR, 1e-12 * Math.abs(sumR) + 1e-15);
            // the overall MMD is the unbiased MMD^2 of logp's test rows against cnf4j sample's samples
            Flow f = jko.flow(e, 4);
            assertEquals(Mmd.mmd2(sub, f.sample(NM, 5, null), 2), r.mmd(), 0.0);
            // and the NLL after k maps is the model of the first k maps
            RunModel two = new RunModel(null, jko.maps().subList(0, 2), jko.alpha(), 4, jko.transform(), jko.data(), jko.seed());
            assertEquals(-Evaluation.mean(two.logDensity(e, 4, test, N, true)), r.perMap().get(2).nll(), 1e-12 * Math.abs(r.nll()));
        }
    }

    @Test
    void columnsAndTheBiasedEstimator(@TempDir Path dir) throws Exception {
        double[] x = {0, 0, 1, 0, 0, 1}, y = {2, 0, 0, 2};
        // V-statistic by hand: kernel exp(-|a - b|^2)
        double xx = (3 + 2 * (Math.exp(-1) + Math.exp(-1) + Math.exp(-2))) / 9, yy = (2 + 2 * Math.exp(-8)) / 4;
        double xy = (Math.exp(-4) + Math.exp(-4) + Math.exp(-1) + Math.exp(-5) + Math.exp(-5) + Math.exp(-1)) / 6;
        assertEquals(xx + yy - 2 * xy, Mmd.mmd2Biased(x, y, 2), 1e-15);
        assertTrue(Mmd.mmd2Biased(x, x, 2) == 0.0);
        assertArrayEquals(new double[] {0, 0, 1}, Mmd.columns(x, 2, new int[] {1}), 0.0);
        try (FlowEngine e = Engines.create(otflow.shape(), F64)) {
            Evaluation.Options col = new Evaluation.Options(4, false, 0, 0, 1, new int[] {1}, Evaluation.Estimator.BIASED, 5, false);
            Evaluation.Result r = Evaluation.run(otflow, e, test, N, NM, col);
            double[] sub = java.util.Arrays.copyOf(test, NM * 2);
            double[] s = otflow.flow(e, 4).sample(NM, 5, null);
            assertEquals(Mmd.mmd2Biased(Mmd.columns(sub, 2, new int[] {1}), Mmd.columns(s, 2, new int[] {1}), 1), r.mmd(), 0.0);
            Evaluation.Result full = Evaluation.run(jko, e, test, N, NM, options(true));
            Path png = dir.resolve("k.png");
            Evaluation.plotPerMap(full.perMap(), png);
            assertTrue(Files.size(png) > 1000);
            Evaluation.Options adaptivePerMap = new Evaluation.Options(4, true, 1e-6, 1e-6, 1, null, Evaluation.Estimator.UNBIASED, 5, true);
            assertThrows(IllegalArgumentException.class, () -> Evaluation.run(otflow, e, test, N, NM, adaptivePerMap));
            Evaluation.Result adaptive = Evaluation.run(otflow, e, test, N, NM,
                    new Evaluation.Options(4, true, 1e-8, 1e-8, 1, null, Evaluation.Estimator.UNBIASED, 5, false));
            assertNull(adaptive.costs());
            assertEquals(r.nll(), adaptive.nll(), 1e-3);
        }
    }

    @Test
    void thePapersTestNtForMafSets() {
        assertEquals(24, Recipe.testNt("maf:power"));
        assertEquals(30, Recipe.testNt("maf:GAS:/data"));
        assertEquals(24, Recipe.testNt("maf:hepmass"));
        assertEquals(18, Recipe.testNt("maf:miniboone"));
        assertEquals(40, Recipe.testNt("maf:bsds300"));
        assertNull(Recipe.testNt("data/digits.csv"));
        assertNull(Recipe.testNt(null));
    }
}
