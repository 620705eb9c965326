package org.cnf4j.train;

import java.util.ArrayList;
import java.util.List;
import org.cnf4j.eval.FlowModel;
import org.cnf4j.model.PhiParams;
import org.cnf4j.ode.FlowEngine;
import org.cnf4j.ode.Tableau;

/**
 * JKO-Flow (ALGORITHMS.md section 5): K OT-Flow subproblems with one fixed alpha. Subproblem k trains
 * map F_k on the samples pushed forward by F_1..F_{k-1} (training and validation sets alike),
 * warm-started from F_{k-1}'s weights (not the first map's: the reference driver's slip), with the
 * per-subproblem budget and stopping rule of its {@link TrainConfig}. Batches of subproblem k come
 * from a {@link DatasetBatchSource} seeded with seed + k - 1, so K = 1 is exactly plain OT-Flow.
 */
public final class JkoTrainer {
    private final TrainConfig cfg;
    private final int steps;
    private final FlowEngine engine;
    private final List<TrainListener> listeners = new ArrayList<>();

    /** Observes the outer loop. */
    public interface Listener {
        void onSubproblem(int k, OtFlowTrainer.Result result);
    }

    private final List<Listener> outer = new ArrayList<>();

    public JkoTrainer(TrainConfig cfg, int steps, FlowEngine engine) {
        if (steps < 1) throw new IllegalArgumentException("JKO steps K must be >= 1, got " + steps);
        this.cfg = cfg;
        this.steps = steps;
        this.engine = engine;
    }

    /** Listeners of every subproblem's OT-Flow training. */
    public JkoTrainer addListener(TrainListener l) {
        listeners.add(l);
        return this;
    }

    public JkoTrainer addOuterListener(Listener l) {
        outer.add(l);
        return this;
    }

    /** The K maps (each subproblem's best by validation loss) and each subproblem's result. */
    public record Result(List<PhiParams> maps, List<OtFlowTrainer.Result> subproblems) {}

    public Result train(PhiParams init, double[] train, int nTrain, double[] validation, int nVal, long seed) {
        int d = cfg.shape().d();
        double[] x = train, v = validation;
        PhiParams warm = init;
        List<PhiParams> maps = new ArrayList<>();
        List<OtFlowTrainer.Result> results = new ArrayList<>();
        for (int k = 1; k <= steps; k++) {
            OtFlowTrainer t = new OtFlowTrainer(cfg, engine);
            for (TrainListener l : listeners) t.addListener(l);
            OtFlowTrainer.Result r = t.train(TrainState.start(warm, cfg.lr()), new DatasetBatchSource(x, nTrain, d, seed + k - 1), v, nVal);
            maps.add(r.best());
            results.add(r);
            for (Listener l : outer) l.onSubproblem(k, r);
            if (k < steps) {
                FlowModel map = new FlowModel(engine, r.best(), cfg.alpha().a0(), Tableau.RK4);
                x = pushed(map, x, nTrain, d);
                v = pushed(map, v, nVal, d);
            }
            warm = r.best();
        }
        return new Result(maps, results);
    }

    /** x part of F(x) with the training discretisation. */
    private double[] pushed(FlowModel map, double[] x, int n, int d) {
        double[] z = map.forward(x, n, cfg.nt());
        double[] out = new double[n * d];
        for (int i = 0; i < n; i++) System.arraycopy(z, i * (d + 3), out, i * d, d);
        return out;
    }
}
