package org.cnf4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import org.cnf4j.eval.FlowModel;
import org.cnf4j.model.PhiParams;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.ode.Tableau;

/**
 * JKO-Flow (ALGORITHMS.md section 5): K OT-Flow subproblems with one fixed alpha. Subproblem k trains
 * map F_k on the samples pushed forward by F_1..F_{k-1} (training and validation sets alike),
 * warm-started from F_{k-1}'s weights (not the first map's: the reference driver's slip), with the
 * per-subproblem budget and stopping rules of its {@link TrainConfig}. Batches of subproblem k come
 * from a source seeded with seed + k - 1, so K = 1 is exactly plain OT-Flow.
 *
 * <p>Training can start part-way: from maps already trained and the checkpointed state of the next
 * subproblem. Pushing data forward is deterministic, so a resumed run ends identical to an uninterrupted one.
 */
public final class JkoTrainer {
    private final TrainConfig cfg;
    private final int steps;
    private final FlowEngine engine;
    private final List<TrainListener> listeners = new ArrayList<>();
    private final List<Listener> outer = new ArrayList<>();
    private int checkpointEvery;
    private boolean carryAdam;
    private long timeBudget;   // nanoseconds for the subproblems this call trains; 0: none

    /** Observes the outer loop. */
    public interface Listener {
        /** Subproblem k (1-based) is about to train (or continue training from a checkpoint). */
        default void onSubproblemStart(int k) {}

        /** Subproblem k ended with {@code result}; its map is result.best(). */
        default void onSubproblem(int k, OtFlowTrainer.Result result) {}
    }

    /** Training data of the outer loop. */
    public sealed interface Data permits Finite, Sampler {}

    /**
     * A finite training set (n x d): pushed forward once per subproblem, then read in reshuffled minibatches by
     * {@code batching} (default: {@link DatasetBatchSource}; a sharded data set draws its batches shard by shard).
     */
    public record Finite(double[] x, int n, Batching batching) implements Data {
        public Finite(double[] x, int n) { this(x, n, (rows, m, d, seed) -> new DatasetBatchSource(rows, m, d, seed)); }
    }

    /** Minibatches of n rows x (the training set, pushed through the maps so far), for the subproblem seeded by seed. */
    @FunctionalInterface
    public interface Batching {
        BatchSource over(double[] x, int n, int d, long seed);
    }

    /**
     * An endless sampler such as a toy generator: subproblem k draws from {@code source.apply(seed + k - 1)} and
     * pushes each batch through F_1..F_{k-1}.
     */
    public record Sampler(LongFunction<BatchSource> source) implements Data {}

    public JkoTrainer(TrainConfig cfg, int steps, FlowEngine engine) {
        if (steps < 1) throw new IllegalArgumentException("JKO steps K must be >= 1, got " + steps);
        this.cfg = cfg;
        this.steps = steps;
        this.engine = engine;
    }

    /** Listeners of every subproblem's OT-Flow training; {@link TrainState#subproblem} tells which. */
    public JkoTrainer addListener(TrainListener l) {
        listeners.add(l);
        return this;
    }

    public JkoTrainer addOuterListener(Listener l) {
        outer.add(l);
        return this;
    }

    /** Checkpoints every n iterations within each subproblem and at its end (see {@link OtFlowTrainer#checkpointEvery}). */
    public JkoTrainer checkpointEvery(int n) {
        this.checkpointEvery = n;
        return this;
    }

    /**
     * Continue each subproblem's Adam state (moments and step count) from where the previous one stopped, instead of a
     * fresh optimiser per map: the JKO-Flow reference runs one optimiser through all subproblems.
     */
    public JkoTrainer carryOptimiser(boolean carry) {
        this.carryAdam = carry;
        return this;
    }

    /**
     * A wall-time budget (nanoseconds, 0: none) for the subproblems a {@code train} call trains, shared out evenly:
     * subproblem j of the n left ends after the first iteration past j/n of the budget (time a map leaves unused passes
     * to the next), so every map is trained and the composed model is complete.
     */
    public JkoTrainer timeBudget(long nanos) {
        this.timeBudget = nanos;
        return this;
    }

    /** The K maps (each subproblem's best by validation loss) and the results of the subproblems trained in this call. */
    public record Result(List<PhiParams> maps, List<OtFlowTrainer.Result> subproblems) {}

    /** All K subproblems from {@code init} on a finite training set. */
    public Result train(PhiParams init, double[] train, int nTrain, double[] validation, int nVal, long seed) {
        return train(init, new Finite(train, nTrain), validation, nVal, seed, List.of(), null);
    }

    /**
     * Trains subproblems done.size()+1..K. {@code done} are maps F_1.. already trained; {@code current}, if not null,
     * is the checkpointed state of the next subproblem (its {@link TrainState#subproblem} must match), otherwise that
     * subproblem starts warm from the last map of {@code done} (or from {@code init} when there is none).
     */
    public Result train(PhiParams init, Data data, double[] validation, int nVal, long seed, List<PhiParams> done, TrainState current) {
        int d = cfg.shape().d();
        int first = done.size() + 1;
        if (first > steps) throw new IllegalArgumentException("all " + steps + " subproblems are already trained");
        if (current != null && current.subproblem != first) {
            throw new IllegalArgumentException("the checkpoint belongs to subproblem " + current.subproblem + " but " + done.size() + " maps are trained");
        }
        List<PhiParams> maps = new ArrayList<>(done);
        double[] x = data instanceof Finite f ? f.x() : null;
        double[] v = validation;
        for (PhiParams p : done) {
            if (x != null) x = pushed(p, x, ((Finite) data).n());
            v = pushed(p, v, v.length / d);
        }
        List<OtFlowTrainer.Result> results = new ArrayList<>();
        Adam carried = null;   // the last subproblem's optimiser, for carryOptimiser
        long t0 = System.nanoTime();
        for (int k = first; k <= steps; k++) {
            boolean continued = k == first && current != null;
            TrainState st = continued ? current : TrainState.start(maps.isEmpty() ? init : maps.get(maps.size() - 1), cfg.lr());
            // a subproblem continued from its checkpoint has its own optimiser state; a resumed run re-enters the
            // finished subproblem before the next one (its final checkpoint), so the carried state is the same bits
            if (!continued && carryAdam && carried != null) st.adam = carried.copy();
            st.subproblem = k;
            BatchSource batches = data instanceof Finite f
                    ? f.batching().over(x, f.n(), d, seed + k - 1)
                    : pushedSource(((Sampler) data).source().apply(seed + k - 1), List.copyOf(maps));
            for (Listener l : outer) l.onSubproblemStart(k);
            OtFlowTrainer t = new OtFlowTrainer(cfg, engine).checkpointEvery(checkpointEvery);
            if (timeBudget > 0) t.deadline(t0 + timeBudget / (steps - first + 1) * (k - first + 1));
            for (TrainListener l : listeners) t.addListener(l);
            OtFlowTrainer.Result r = t.train(st, batches, v, nVal);
            carried = r.state().adam;
            maps.add(r.best());
            results.add(r);
            for (Listener l : outer) l.onSubproblem(k, r);
            if (k < steps) {
                if (x != null) x = pushed(r.best(), x, ((Finite) data).n());
                v = pushed(r.best(), v, v.length / d);
            }
        }
        return new Result(maps, results);
    }

    /** Batches of {@code base} pushed through {@code maps} in order. */
    private BatchSource pushedSource(BatchSource base, List<PhiParams> maps) {
        return new BatchSource() {
            @Override public int dimension() { return base.dimension(); }

            @Override public double[] batch(int n, int draw) {
                double[] b = base.batch(n, draw);
                for (PhiParams p : maps) b = pushed(p, b, n);
                return b;
            }
        };
    }

    /** x part of F(x) with the training discretisation. */
    private double[] pushed(PhiParams map, double[] x, int n) {
        return new FlowModel(engine, map, cfg.alpha().a0(), Tableau.RK4).steps(cfg.nt()).push(x, n, null);
    }
}
