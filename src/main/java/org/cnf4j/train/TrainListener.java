package org.cnf4j.train;

import org.cnf4j.engine.LossResult;

/** Observes a training run (logging, progress, checkpoints) without the trainer knowing why. */
public interface TrainListener {
    /** After the optimiser step of iteration {@code iter} (1-based), with the loss before the step. */
    default void onIteration(int iter, LossResult train, double lr) {}

    /** After a validation evaluation; {@code best} tells whether it is the best so far. */
    default void onValidation(int iter, LossResult val, boolean best) {}

    /** A non-finite loss or gradient at {@code iter}: the last good state was restored, lr is now {@code newLr}. */
    default void onRecovery(int iter, double newLr) {}

    /**
     * The validation loss at {@code iter} ({@code valJ}) blew up far above the best ({@code bestJ}): the best parameters
     * were restored with a fresh Adam, and lr is now {@code newLr}.
     */
    default void onBlowUp(int iter, double valJ, double bestJ, double newLr) {}

    /**
     * Training gives up at {@code iter}: {@code failures} non-finite steps in a row there, the last at learning rate
     * {@code lastLr}; a {@link TrainingDivergedException} follows.
     */
    default void onDiverged(int iter, int failures, double lastLr) {}

    /** Early stopping: a plateau of validations at {@code iter}; either the learning rate drops to {@code newLr} or training ends. */
    default void onPlateau(int iter, boolean stopping, double newLr) {}

    /**
     * The time budget is {@code fraction} used at the validation of {@code iter} and no plateau has lowered the learning
     * rate yet: it drops to {@code newLr} for the rest of the run ({@link TrainConfig#annealAt}).
     */
    default void onBudgetAnneal(int iter, double fraction, double newLr) {}

    /** The relative-gradient rule ended training at {@code iter}: the gradient norm fell to {@code ratio} of its first interval's. */
    default void onConverged(int iter, double ratio) {}

    /** The time budget ran out after iteration {@code iter}: training ends there, with a checkpoint (resumable). */
    default void onTimeUp(int iter) {}

    /** A state to persist; the listener must not keep it beyond the call (it is copied on demand). */
    default void onCheckpoint(TrainState state) {}
}
