package org.cnf4j.train;

import static org.cnf4j.testing.Fixtures.assertRel;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.cnf4j.backend.DType;
import org.cnf4j.data.ToyData;
import org.cnf4j.eval.ComposedFlow;
import org.cnf4j.eval.FlowModel;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.ode.Tableau;
import org.junit.jupiter.api.Test;

class JkoTrainerTest {
    static final PhiShape SHAPE = new PhiShape(2, 8, 2);
    static final TrainConfig CFG = new TrainConfig(SHAPE, new Alpha(1, 10, 0.5), 3, 3, 128, 256, 12, 0.05, 0, 0.5, 0, 1, 4, 1,
            DType.FLOAT64, 2);
    static final double[] TRAIN = ToyData.sample("8gaussians", 512, 1), VAL = ToyData.sample("8gaussians", 256, 2);

    @Test
    void oneStepIsPlainOtFlowBitForBit() {
        try (CpuFlowEngine e = new CpuFlowEngine(SHAPE, DType.FLOAT64, 2)) {
            PhiParams init = PhiParams.initialise(SHAPE, 4);
            JkoTrainer.Result jko = new JkoTrainer(CFG, 1, e).train(init, TRAIN, 512, VAL, 256, 9);
            OtFlowTrainer.Result plain = new OtFlowTrainer(CFG, e)
                    .train(TrainState.start(init, CFG.lr()), new DatasetBatchSource(TRAIN, 512, 2, 9), VAL, 256);
            assertEquals(1, jko.maps().size());
            assertArrayEquals(plain.best().data, jko.maps().get(0).data, 0.0);
        }
    }

    @Test
    void composedModelMatchesMapsEvaluatedOneAfterAnotherAndSamplesRoundTrip() {
        try (CpuFlowEngine e = new CpuFlowEngine(SHAPE, DType.FLOAT64, 2)) {
            List<Integer> seen = new ArrayList<>();
            JkoTrainer.Result jko = new JkoTrainer(CFG, 3, e).addOuterListener(new JkoTrainer.Listener() {
                @Override public void onSubproblem(int k, OtFlowTrainer.Result r) { seen.add(k); }
            })
                    .train(PhiParams.initialise(SHAPE, 4), TRAIN, 512, VAL, 256, 9);
            assertEquals(List.of(1, 2, 3), seen);
            // warm start: each map starts from the previous one, so later maps differ from a fresh init
            assertFalse(java.util.Arrays.equals(jko.maps().get(0).data, jko.maps().get(1).data));

            int n = 64, nt = 16;
            double[] x = java.util.Arrays.copyOf(VAL, n * 2);
            List<FlowModel> maps = new ArrayList<>();
            for (PhiParams p : jko.maps()) maps.add(new FlowModel(e, p, 1, Tableau.RK4));
            List<org.cnf4j.eval.Flow> flows = new ArrayList<>();
            for (FlowModel m : maps) flows.add(m.steps(nt));
            ComposedFlow f = new ComposedFlow(flows);

            // by hand: push through each map, add its log-determinant, then the Gaussian of the end point
            double[] cur = x, sumL = new double[n];
            for (FlowModel m : maps) {
                double[] z = m.forward(cur, n, nt);
                double[] next = new double[n * 2];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(z, i * 5, next, i * 2, 2);
                    sumL[i] += z[i * 5 + 2];
                }
                cur = next;
            }
            double[] byHand = new double[n];
            for (int i = 0; i < n; i++) {
                double sq = cur[2 * i] * cur[2 * i] + cur[2 * i + 1] * cur[2 * i + 1];
                byHand[i] = -0.5 * sq - Math.log(2 * Math.PI) + sumL[i];
            }
            assertArrayEquals(byHand, f.logDensity(x, n), 1e-12);

            double[] logp = new double[n];
            double[] samples = f.sample(n, 3, logp);
            assertRel(f.logDensity(samples, n), logp, 1e-5, "composed log p of samples");
            assertTrue(f.inverseError(x, n) < 1e-6);
        }
    }

    @Test
    void resumingAtABoundaryOrInsideASubproblemGivesTheSameMaps() {
        try (CpuFlowEngine e = new CpuFlowEngine(SHAPE, DType.FLOAT64, 2)) {
            PhiParams init = PhiParams.initialise(SHAPE, 4);
            List<TrainState> saved = new ArrayList<>();
            JkoTrainer.Result full = new JkoTrainer(CFG, 3, e).checkpointEvery(5).addListener(new TrainListener() {
                @Override public void onCheckpoint(TrainState st) { saved.add(st.copy()); }
            }).train(init, TRAIN, 512, VAL, 256, 9);
            // at the boundary: map 1 done, subproblem 2 starts warm from it
            JkoTrainer.Result fromBoundary = new JkoTrainer(CFG, 3, e)
                    .train(init, new JkoTrainer.Finite(TRAIN, 512), VAL, 256, 9, List.of(full.maps().get(0)), null);
            // inside subproblem 2, from its checkpoint at iteration 5
            TrainState mid = saved.stream().filter(st -> st.subproblem == 2 && st.iteration == 5).findFirst().orElseThrow();
            JkoTrainer.Result fromMid = new JkoTrainer(CFG, 3, e)
                    .train(init, new JkoTrainer.Finite(TRAIN, 512), VAL, 256, 9, List.of(full.maps().get(0)), mid);
            for (JkoTrainer.Result r : List.of(fromBoundary, fromMid)) {
                assertEquals(3, r.maps().size());
                assertEquals(2, r.subproblems().size());
                for (int k = 0; k < 3; k++) assertArrayEquals(full.maps().get(k).data, r.maps().get(k).data, 0.0, "map " + (k + 1));
            }
            assertThrows(IllegalArgumentException.class, () -> new JkoTrainer(CFG, 3, e)
                    .train(init, new JkoTrainer.Finite(TRAIN, 512), VAL, 256, 9, List.of(), mid));
        }
    }

    @Test
    void samplerDataArePushedThroughThePreviousMapsBatchByBatch() {
        try (CpuFlowEngine e = new CpuFlowEngine(SHAPE, DType.FLOAT64, 2)) {
            PhiParams init = PhiParams.initialise(SHAPE, 4);
            // K = 1 with a sampler is plain OT-Flow on that sampler
            JkoTrainer.Result one = new JkoTrainer(CFG, 1, e)
                    .train(init, new JkoTrainer.Sampler(sd -> new ToyBatchSource("8gaussians", sd)), VAL, 256, 9, List.of(), null);
            OtFlowTrainer.Result plain = new OtFlowTrainer(CFG, e).train(init, new ToyBatchSource("8gaussians", 9), VAL, 256);
            assertArrayEquals(plain.best().data, one.maps().get(0).data, 0.0);
            // K = 2: the second subproblem sees batches of seed + 1 pushed through map 1; train it by hand on exactly those
            JkoTrainer.Result two = new JkoTrainer(CFG, 2, e)
                    .train(init, new JkoTrainer.Sampler(sd -> new ToyBatchSource("8gaussians", sd)), VAL, 256, 9, List.of(), null);
            FlowModel map1 = new FlowModel(e, two.maps().get(0), 1, Tableau.RK4);
            ToyBatchSource base = new ToyBatchSource("8gaussians", 10);
            BatchSource pushed = new BatchSource() {
                @Override public int dimension() { return 2; }

                @Override public double[] batch(int n, int draw) { return map1.steps(CFG.nt()).push(base.batch(n, draw), n, null); }
            };
            double[] v = map1.steps(CFG.nt()).push(VAL, 256, null);
            OtFlowTrainer.Result second = new OtFlowTrainer(CFG, e).train(two.maps().get(0), pushed, v, 256);
            assertArrayEquals(second.best().data, two.maps().get(1).data, 0.0);
        }
    }
}
