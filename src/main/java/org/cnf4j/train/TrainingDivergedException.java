package org.cnf4j.train;

/**
 * Training gave up on a non-finite loss or gradient: {@link OtFlowTrainer#MAX_RECOVERIES} failures in a row at
 * {@link #iteration} without getting past it, although each one halved the learning rate. The message is one line
 * that says where, the last rate tried and what to change. The last good state was handed to the listeners as a
 * checkpoint first, so a run directory stays resumable.
 */
public final class TrainingDivergedException extends IllegalStateException {
    private final int iteration;
    private final double lastLr;

    public TrainingDivergedException(int iteration, int failures, double lastLr) {
        super(String.format(java.util.Locale.ROOT, "training diverged at iteration %d: %d non-finite steps in a row even after lowering lr to %.3g; "
                + "try a smaller --lr", iteration, failures, lastLr));
        this.iteration = iteration;
        this.lastLr = lastLr;
    }

    /** The iteration (1-based, within its subproblem) that kept failing. */
    public int iteration() { return iteration; }

    /** The learning rate of the last failed attempt. */
    public double lastLr() { return lastLr; }
}
