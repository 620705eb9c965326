package org.cnf4j.train;

import org.cnf4j.backend.DType;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;

/**
 * Hyper-parameters of one OT-Flow training run (for JKO-Flow, of each subproblem), fully resolved: the
 * defaults a run takes for options left unset are the recipes of {@code run.Recipe}.
 *
 * @param clamp        parameters are clamped to [-clamp, clamp] before each step; 0 disables it
 * @param resampleEvery draw a new training batch every this many iterations
 * @param valEvery     evaluate the validation loss every this many iterations
 * @param earlyStopping after this many validations in a row without a new best, the learning rate drops to
 *                     lr0/10, then lr0/100, then lr0/1000, and the next plateau ends training (the reference's
 *                     tabular schedule); 0 disables it
 * @param gradTol      stop when the mean norm of the training gradient since the last validation falls below this
 *                     fraction of its mean over the first validation interval (JKO-Flow's relative-gradient rule);
 *                     0 disables it
 * @param warmup       the learning rate rises linearly from lr/warmup to lr over the first warmup iterations (of each
 *                     subproblem); 0 starts at lr. Adam's first steps move every parameter by about lr at once, which
 *                     at a high rate throws the field far off (docs/QUALITY.md)
 * @param dropsPerDecade early stopping's rate falls tenfold over this many plateaus: each divides it by
 *                     10^(1/dropsPerDecade), and the plateau after the rate is down a thousandfold (3 x dropsPerDecade
 *                     drops) ends training; 0 or 1: the reference's tenfold drops (0 is what a config.json written
 *                     before this option reads as). The budget's anneal stays one tenfold drop (docs/QUALITY.md)
 * @param annealAt     with a time budget ({@link OtFlowTrainer#deadline}): at the first validation past this fraction of
 *                     the budget, the learning rate drops tenfold (one early-stopping stage) unless a plateau has
 *                     already lowered it; a run that the budget ends then ends at a low rate instead of in the noise of
 *                     a high one (docs/QUALITY.md). 0: never; without a budget it does nothing
 * @param weightDecay  decoupled weight decay (AdamW): each step multiplies the parameters by 1 - lr x weightDecay
 *                     before Adam's update; 0 (the reference's value, and what a config.json written before this option
 *                     reads as) turns it off
 * @param anneal       with a time budget: {@link BudgetAnneal#STEP} (annealAt's tenfold drop) or {@link BudgetAnneal#COSINE}
 *                     (half a cosine over the budget, with annealAt 0); null (what a config.json written before this option
 *                     reads as) is STEP
 * @param ema          the decay of an exponential moving average of the parameters, updated after every step: validation
 *                     judges the average, and the best model kept is an average. It smooths out the noise of Adam's steps
 *                     at a high rate without lowering the rate (docs/QUALITY.md). 0 (the reference's training, and what a
 *                     config.json written before this option reads as): validation judges the parameters themselves
 */
public record TrainConfig(PhiShape shape, Alpha alpha, int nt, int ntVal, int batch, int valBatch, int iters,
                          double lr, int lrDropEvery, double lrDropFactor, double clamp, int resampleEvery,
                          int valEvery, long seed, DType dtype, int threads, int earlyStopping, double gradTol, int warmup,
                          double annealAt, int dropsPerDecade, double weightDecay, BudgetAnneal anneal, double ema) {

    /**
     * The reference's training: no early stopping, gradient rule, warm-up, budget anneal, weight decay or average. The
     * {@code with...} methods below add each of those, so that a caller names only what it turns on.
     */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public TrainConfig(PhiShape shape, Alpha alpha, int nt, int ntVal, int batch, int valBatch, int iters,
                       double lr, int lrDropEvery, double lrDropFactor, double clamp, int resampleEvery,
                       int valEvery, long seed, DType dtype, int threads) {
        this(shape, alpha, nt, ntVal, batch, valBatch, iters, lr, lrDropEvery, lrDropFactor, clamp, resampleEvery,
                valEvery, seed, dtype, threads, 0, 0, 0, 0, 1, 0, BudgetAnneal.STEP, 0);
    }

    /** The same configuration with another iteration budget. */
    public TrainConfig withIters(int newIters) {
        return new TrainConfig(shape, alpha, nt, ntVal, batch, valBatch, newIters, lr, lrDropEvery, lrDropFactor, clamp, resampleEvery,
                valEvery, seed, dtype, threads, earlyStopping, gradTol, warmup, annealAt, dropsPerDecade, weightDecay, anneal, ema);
    }

    /** The same configuration with another early-stopping patience, in validations (0: none). */
    public TrainConfig withEarlyStopping(int newEarlyStopping) {
        return optional(newEarlyStopping, gradTol, warmup, annealAt, dropsPerDecade, weightDecay, anneal, ema);
    }

    /** The same configuration with another relative-gradient stopping rule (0: none). */
    public TrainConfig withGradTol(double newGradTol) {
        return optional(earlyStopping, newGradTol, warmup, annealAt, dropsPerDecade, weightDecay, anneal, ema);
    }

    /** The same configuration with another warm-up, in iterations (0: none). */
    public TrainConfig withWarmup(int newWarmup) {
        return optional(earlyStopping, gradTol, newWarmup, annealAt, dropsPerDecade, weightDecay, anneal, ema);
    }

    /** The same configuration with the budget's step anneal at another fraction of it (0: never). */
    public TrainConfig withAnnealAt(double newAnnealAt) {
        return optional(earlyStopping, gradTol, warmup, newAnnealAt, dropsPerDecade, weightDecay, anneal, ema);
    }

    /** The same configuration with another number of early-stopping drops per tenfold fall of the rate. */
    public TrainConfig withDropsPerDecade(int newDropsPerDecade) {
        return optional(earlyStopping, gradTol, warmup, annealAt, newDropsPerDecade, weightDecay, anneal, ema);
    }

    /** The same configuration with another decoupled weight decay (0: none). */
    public TrainConfig withWeightDecay(double newWeightDecay) {
        return optional(earlyStopping, gradTol, warmup, annealAt, dropsPerDecade, newWeightDecay, anneal, ema);
    }

    /** The same configuration with another kind of budget anneal. */
    public TrainConfig withAnneal(BudgetAnneal newAnneal) {
        return optional(earlyStopping, gradTol, warmup, annealAt, dropsPerDecade, weightDecay, newAnneal, ema);
    }

    /** The same configuration with another decay of the parameters' average (0: no average). */
    public TrainConfig withEma(double newEma) {
        return optional(earlyStopping, gradTol, warmup, annealAt, dropsPerDecade, weightDecay, anneal, newEma);
    }

    /** This configuration's core with other optional parts: what the {@code with...} methods share. */
    private TrainConfig optional(int earlyStopping, double gradTol, int warmup, double annealAt, int dropsPerDecade,
                                 double weightDecay, BudgetAnneal anneal, double ema) {
        return new TrainConfig(shape, alpha, nt, ntVal, batch, valBatch, iters, lr, lrDropEvery, lrDropFactor, clamp, resampleEvery,
                valEvery, seed, dtype, threads, earlyStopping, gradTol, warmup, annealAt, dropsPerDecade, weightDecay, anneal, ema);
    }

    /** The early-stopping drops per tenfold fall of the rate, with 0 (a config written before the option) read as 1. */
    public int dropsPerTenfold() {
        return Math.max(1, dropsPerDecade);
    }

    // the messages name the train command's options: the same names config.json, --config files and FlowBuilder's
    // methods use, and the ones the other layers' messages give (e.g. "--width must be >= 1")
    public TrainConfig {
        positive("--nt", nt);
        positive("--nt-val", ntVal);
        positive("--batch", batch);
        positive("--val-batch", valBatch);
        positive("--iters", iters);
        positive("--resample-every", resampleEvery);
        positive("--val-every", valEvery);
        positive("--threads", threads);
        if (!(lr > 0) || !Double.isFinite(lr)) throw new IllegalArgumentException("--lr must be a positive number, got " + lr);
        if (lrDropEvery < 0) throw new IllegalArgumentException("--drop-every must be >= 0, got " + lrDropEvery);
        if (!(lrDropFactor > 0)) throw new IllegalArgumentException("--lr-drop must be > 0, got " + lrDropFactor);
        // the reference's lr_drop divides (2.0 halves the rate); ours multiplies, so its 2.0 here would double the rate
        if (lrDropFactor > 1) {
            throw new IllegalArgumentException("--lr-drop must be at most 1: it multiplies the rate, so " + lrDropFactor + " would raise it (the "
                    + "OT-Flow reference's lr_drop " + lrDropFactor + " divides: --lr-drop " + (1 / lrDropFactor) + " here)");
        }
        if (earlyStopping < 0) throw new IllegalArgumentException("--early-stopping must be >= 0, got " + earlyStopping);
        if (shape == null || alpha == null || dtype == null) throw new IllegalArgumentException("shape, alpha and dtype are required");
        if (!Double.isFinite(lrDropFactor)) throw new IllegalArgumentException("--lr-drop must be finite, got " + lrDropFactor);
        if (!Double.isFinite(clamp)) throw new IllegalArgumentException("--clamp must be finite, got " + clamp);
        if (clamp < 0) throw new IllegalArgumentException("--clamp must be >= 0, got " + clamp);
        if (dropsPerDecade < 0 || dropsPerDecade > 10) throw new IllegalArgumentException("--drops-per-decade must be in 1..10, got " + dropsPerDecade);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        // each step scales the parameters by 1 - lr x weightDecay (the rate only falls from lr): at 1 or more that wipes or flips them
        if (!(weightDecay >= 0 && weightDecay * lr < 1))
            throw new IllegalArgumentException("--weight-decay must be >= 0 with weight-decay x lr below 1 (lr " + lr + "), got " + weightDecay);
        if (!(annealAt >= 0) || annealAt >= 1) throw new IllegalArgumentException("--anneal-at must be a fraction of the time budget in [0, 1), got " + annealAt);
        if (anneal == null) anneal = BudgetAnneal.STEP;
        if (anneal == BudgetAnneal.COSINE && annealAt > 0)
            throw new IllegalArgumentException("--anneal-at is the step anneal's moment; the cosine anneal has none (got " + annealAt + ")");
        if (!(ema >= 0 && ema < 1)) throw new IllegalArgumentException("--ema must be a decay in [0, 1) (0: no average), got " + ema);
        if (!(gradTol >= 0) || gradTol >= 1) throw new IllegalArgumentException("--grad-tol must be in [0, 1), got " + gradTol);
    }

    private static void positive(String name, int v) {
        if (v < 1) throw new IllegalArgumentException(name + " must be >= 1, got " + v);
    }
}
