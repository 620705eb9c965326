package org.cnf4j.train;

import java.util.ArrayList;
import java.util.List;
import org.cnf4j.model.PhiParams;
import org.cnf4j.ode.FlowEngine;
import org.cnf4j.ode.LossResult;
import org.cnf4j.ode.Tableau;

/**
 * OT-Flow training with Adam, step learning-rate decay, optional clamping, and the best model by
 * validation loss kept (the reference's toy loop). The engine does all per-sample work.
 */
public final class OtFlowTrainer {
    private final TrainConfig cfg;
    private final FlowEngine engine;
    private final List<TrainListener> listeners = new ArrayList<>();

    public OtFlowTrainer(TrainConfig cfg, FlowEngine engine) {
        if (!engine.shape().equals(cfg.shape())) throw new IllegalArgumentException("engine shape does not match the configuration");
        this.cfg = cfg;
        this.engine = engine;
    }

    public OtFlowTrainer addListener(TrainListener l) {
        listeners.add(l);
        return this;
    }

    /** The outcome: the final and the best parameters, and the best validation loss. */
    public record Result(PhiParams last, PhiParams best, LossResult bestValidation, int bestIter) {}

    public Result train(PhiParams init, BatchSource data, double[] validation, int nVal) {
        PhiParams p = init.copy();
        Adam adam = new Adam(p.size(), cfg.lr());
        PhiParams best = p.copy();
        LossResult bestVal = null;
        int bestIter = 0;
        double[] batch = null;
        int draw = 0;
        for (int it = 1; it <= cfg.iters(); it++) {
            if (batch == null || (it - 1) % cfg.resampleEvery() == 0) batch = data.batch(cfg.batch(), draw++);
            if (cfg.clamp() > 0) Adam.clamp(p.data, cfg.clamp());
            LossResult r = engine.loss(p, batch, cfg.batch(), cfg.nt(), Tableau.RK4, cfg.alpha(), true);
            if (!Double.isFinite(r.j())) throw new IllegalStateException("loss is not finite at iteration " + it + ": lower the learning rate");
            adam.step(p.data, r.gradient());
            for (TrainListener l : listeners) l.onIteration(it, r, adam.learningRate());
            if (it % cfg.valEvery() == 0 || it == cfg.iters()) {
                LossResult v = engine.loss(p, validation, nVal, cfg.ntVal(), Tableau.RK4, cfg.alpha(), false);
                boolean isBest = bestVal == null || v.j() < bestVal.j();
                if (isBest) {
                    bestVal = v;
                    best = p.copy();
                    bestIter = it;
                }
                for (TrainListener l : listeners) l.onValidation(it, v, isBest);
            }
            if (cfg.lrDropEvery() > 0 && it % cfg.lrDropEvery() == 0) adam.setLearningRate(adam.learningRate() * cfg.lrDropFactor());
        }
        return new Result(p, best, bestVal, bestIter);
    }
}
