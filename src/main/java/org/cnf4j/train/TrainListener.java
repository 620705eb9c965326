package org.cnf4j.train;

import org.cnf4j.ode.LossResult;

/** Observes a training run (logging, progress, curves) without the trainer knowing why. */
public interface TrainListener {
    /** After the optimiser step of iteration {@code iter} (1-based), with the loss before the step. */
    default void onIteration(int iter, LossResult train, double lr) {}

    /** After a validation evaluation; {@code best} tells whether it is the best so far. */
    default void onValidation(int iter, LossResult val, boolean best) {}
}
