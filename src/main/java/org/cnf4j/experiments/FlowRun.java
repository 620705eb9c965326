package org.cnf4j.experiments;

import java.util.List;
import org.cnf4j.backend.DType;
import org.cnf4j.eval.ComposedFlow;
import org.cnf4j.eval.Flow;
import org.cnf4j.model.PhiParams;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.train.BatchSource;
import org.cnf4j.train.JkoTrainer;
import org.cnf4j.train.OtFlowTrainer;
import org.cnf4j.train.TrainConfig;
import org.cnf4j.train.TrainListener;

/**
 * One training run of an experiment: OT-Flow (steps = 0) with cfg.iters() iterations, or JKO-Flow with K = steps
 * subproblems of cfg.iters() / K iterations each, so both spend the same total iteration budget. Returns the maps,
 * the iterations actually run and the training wall time.
 */
record FlowRun(List<PhiParams> maps, int iterations, double seconds) {

    static String methodName(int steps) { return steps == 0 ? "OT-Flow" : "JKO-Flow K=" + steps; }

    static FlowRun train(TrainConfig cfg, int steps, JkoTrainer.Data data, double[] val, int nVal, long seed) {
        int[] its = {0};
        TrainListener count = new TrainListener() {
            @Override public void onIteration(int iter, LossResult r, double lr) { its[0]++; }
        };
        long t0 = System.nanoTime();
        List<PhiParams> maps;
        PhiParams init = PhiParams.initialise(cfg.shape(), seed);
        try (CpuFlowEngine e = new CpuFlowEngine(cfg.shape(), cfg.dtype(), cfg.threads())) {
            if (steps == 0) {
                BatchSource src = data instanceof JkoTrainer.Sampler s ? s.source().apply(seed)
                        : new org.cnf4j.train.DatasetBatchSource(((JkoTrainer.Finite) data).x(), ((JkoTrainer.Finite) data).n(), cfg.shape().d(), seed);
                maps = List.of(new OtFlowTrainer(cfg, e).addListener(count).train(init, src, val, nVal).best());
            } else {
                TrainConfig sub = cfg.withIters(Math.max(1, cfg.iters() / steps));
                maps = new JkoTrainer(sub, steps, e).addListener(count).train(init, data, val, nVal, seed, List.of(), null).maps();
            }
        }
        return new FlowRun(maps, its[0], (System.nanoTime() - t0) / 1e9);
    }

    /** The composed flow in float64 with {@code nt} RK4 steps per map, on {@code engine}. */
    Flow flow(CpuFlowEngine engine, double a0, int nt) {
        return ComposedFlow.rk4(engine, maps, a0, nt);
    }

    CpuFlowEngine evalEngine() { return new CpuFlowEngine(maps.get(0).shape, DType.FLOAT64, 1); }
}
