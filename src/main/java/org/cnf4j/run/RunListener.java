package org.cnf4j.run;

import org.cnf4j.train.JkoTrainer;
import org.cnf4j.train.TrainConfig;
import org.cnf4j.train.TrainListener;
import org.cnf4j.train.TrainState;

/**
 * Watches a {@link TrainingRun}: the trainer's events (iterations, validations, recoveries, plateaus, the gradient
 * rule, checkpoints after they are on disk) and, for JKO-Flow, the subproblems. The command line prints from one;
 * the Java API hands one to the user's progress callback. Every method has an empty default.
 */
public interface RunListener extends TrainListener, JkoTrainer.Listener {
    /**
     * Before the first iteration: the resolved configuration, K (0 for OT-Flow), the state training continues from
     * (iteration 0 of subproblem 1 for a new run), the engine's one-line description and whether this is a resume.
     */
    default void onStart(TrainConfig config, int jkoSteps, TrainState from, String engine, boolean resumed) {}

    /**
     * Before {@link #onStart}, for finite data: which rows this process holds, in one line ({@code DataShard#describe}):
     * all of them, or one shard's when data-parallel tasks each read their own.
     */
    default void onData(String description) {}

    /**
     * Before anything is written: something about the run a person should know before waiting for it, in one line
     * (more RK4 steps than {@link org.cnf4j.engine.WorkEstimate#MAX_STEPS}, an iteration estimated to take minutes).
     */
    default void onWarning(String message) {}
}
