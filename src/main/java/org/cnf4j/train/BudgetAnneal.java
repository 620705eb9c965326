package org.cnf4j.train;

/**
 * How a run with a time budget lowers its learning rate as the budget runs out ({@link TrainConfig#anneal}).
 *
 * <p>{@link #STEP}: one tenfold drop at the first validation past {@link TrainConfig#annealAt} of the budget (0: none).
 * {@link #COSINE}: the rate follows half a cosine over the budget, from lr down to lr x {@link #COSINE_FLOOR}; the
 * plateaus' drops and the recoveries' halvings multiply it as they multiply the step schedule. Where the budget ends
 * the run (the 60,000-row mixture16, 20 minutes, 2 threads) the cosine ended 0.06-0.10 nats nearer the truth than the
 * step at 3/4: at lr 0.05 the validation NLL sits in the noise of the high rate until the drop, and the tenfold drop
 * then leaves a rate too low to use the last quarter; the cosine spends the budget at every rate in between. Where
 * the plateaus end the run first (20,000 rows) the step was better (docs/QUALITY.md, run.Recipe.COSINE_FROM_ROWS).
 */
public enum BudgetAnneal {
    STEP, COSINE;

    /** The cosine's last rate, as a fraction of the first. */
    public static final double COSINE_FLOOR = 0.01;

    /** The cosine's factor on the rate after {@code progress} (0..1) of the budget: 1 at 0, {@link #COSINE_FLOOR} at 1. */
    public static double cosineFactor(double progress) {
        double p = Math.min(1, Math.max(0, progress));
        return COSINE_FLOOR + (1 - COSINE_FLOOR) * 0.5 * (1 + Math.cos(Math.PI * p));
    }
}
