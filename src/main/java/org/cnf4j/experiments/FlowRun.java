package org.cnf4j.experiments;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.LossResult;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.eval.ComposedFlow;
import org.cnf4j.eval.Flow;
import org.cnf4j.model.PhiParams;
import org.cnf4j.run.Recipe;
import org.cnf4j.run.RunListener;
import org.cnf4j.run.TrainingOptions;
import org.cnf4j.run.TrainingRun;

/**
 * One training run of an experiment, through the same training-run service as {@code cnf4j train} (in memory, one
 * engine thread, float32): OT-Flow (steps = 0) with the whole budget, or JKO-Flow with K = steps subproblems of
 * {@link Recipe#perSubproblem} iterations each, so both spend the same total budget. Returns the maps, the
 * iterations actually run and the training wall time.
 */
record FlowRun(List<PhiParams> maps, int iterations, double seconds) {

    static String methodName(int steps) { return steps == 0 ? "OT-Flow" : "JKO-Flow K=" + steps; }

    /**
     * Trains on {@code o} (data and hyper-parameters; no run directory) with a total budget of {@code budget}
     * iterations split over {@code steps} maps.
     */
    static FlowRun train(TrainingOptions o, int steps, int budget) {
        return trainPerMap(o, steps, Recipe.perSubproblem(budget, steps));
    }

    /** Trains on {@code o} with {@code itersPerMap} iterations for each of {@code steps} maps (OT-Flow: steps = 0). */
    static FlowRun trainPerMap(TrainingOptions o, int steps, int itersPerMap) {
        int[] its = {0};
        RunListener count = new RunListener() {
            @Override public void onIteration(int iter, LossResult r, double lr) { its[0]++; }
        };
        o.out(null).plot(false).method(steps == 0 ? TrainingOptions.OTFLOW : TrainingOptions.JKO).steps(steps == 0 ? null : steps)
                .iters(itersPerMap);
        long t0 = System.nanoTime();
        try {
            List<PhiParams> maps = TrainingRun.start(o, EngineOptions.cpu(DType.FLOAT32, 1), count).model().maps();
            return new FlowRun(maps, its[0], (System.nanoTime() - t0) / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The composed flow in float64 with {@code nt} RK4 steps per map, on {@code engine}. */
    Flow flow(CpuFlowEngine engine, double a0, int nt) {
        return ComposedFlow.rk4(engine, maps, a0, nt);
    }

    CpuFlowEngine evalEngine() { return new CpuFlowEngine(maps.get(0).shape, DType.FLOAT64, 1); }
}
