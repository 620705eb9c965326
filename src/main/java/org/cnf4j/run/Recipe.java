package org.cnf4j.run;

import java.util.Locale;
import org.cnf4j.data.Dataset;
import org.cnf4j.train.BudgetAnneal;

/**
 * The defaults a training run takes for every option left unset: the reference's toy recipe for d <= 2, its row
 * of ALGORITHMS.md section 4 for {@code maf:NAME}, and a smaller recipe of ours for other files with d > 2.
 * {@code valEvery} {@link #PER_EPOCH} means once per epoch (the finite training set's batches per epoch), {@link
 * #PER_EPOCH_10_TO_50} once per epoch but at least every 50 and at most every 10 iterations. {@code lr} is the rate up to
 * {@code lrWidth} hidden units; a wider model takes {@link #lrFor(int)} (0: the same rate at every width). With a time
 * budget the rate anneals as {@code anneal} says: {@link BudgetAnneal#COSINE}, or {@link BudgetAnneal#STEP} at
 * {@code annealAt} of the budget (0: never).
 */
public record Recipe(int width, int layers, int nt, int ntVal, int batch, int valBatch, int iters, String alpha, double lr,
                     int dropEvery, int earlyStopping, double clamp, int resampleEvery, int valEvery, int warmup, double annealAt,
                     int lrWidth, BudgetAnneal anneal, double ema) {
    /** {@link #valEvery}: once per epoch (the reference's tabular rule). */
    public static final int PER_EPOCH = -1;
    /** {@link #valEvery}: once per epoch, clamped to every 10..50 iterations, so that the patience means 200..1000 iterations. */
    public static final int PER_EPOCH_10_TO_50 = -2;

    /** ALGORITHMS.md section 4, toy row: the reference's 8gaussians/swissroll/... recipe. */
    public static final Recipe TOY = new Recipe(32, 2, 8, 8, 2048, 2048, 500, "1,100,5", 0.1, 100, 0, 0, 25, 10, 0, 0, 0, BudgetAnneal.STEP, 0);

    /** Where the step anneal drops the rate when it is asked for (--anneal step) without a fraction (--anneal-at). */
    public static final double STEP_ANNEAL_AT = 0.75;

    /**
     * Ours, for files with d > 2 that are not a MAF set: the MAF recipes' model and loss, but lr 0.1 after a 50-iteration
     * warm-up, which leaves the plateau at the standard normal that lr 0.01 sits on for hundreds of iterations, and the
     * validation plateau (lr / 10, three times, then stop) as the end instead of a fixed budget; with a time budget, the
     * rate drops tenfold at 3/4 of it if no plateau has lowered it by then (files of many rows: {@link #COSINE_FROM_ROWS}); a
     * model wider than 64 takes lr 0.1 x 64 / width ({@link #lrFor}); validation scores a moving average of the parameters
     * (decay 0.99, {@code ema}), whose best is the model kept: at a high rate the average lies nearer the low loss than
     * the scattered parameters do. docs/QUALITY.md has the measurements behind each value.
     */
    public static final Recipe TABULAR = new Recipe(64, 2, 8, 16, 1000, 10000, 20000, "1,100,15", 0.1, 0, 20, 1.5, 1, PER_EPOCH_10_TO_50, 50, 0.75,
            64, BudgetAnneal.STEP, 0.99);

    /**
     * Files with at least this many training rows get {@link #WIDE_WIDTH} hidden units instead of {@link #TABULAR}'s 64.
     * On mixture16 (16,200 training rows) width 64 converges in about 12 minutes to a model that width 128 beats within
     * 20, on every seed measured; on digits (about 1,150 rows, d = 64) width 128 is three times the cost of a step and
     * ends 12 nats worse after 10 minutes. Many rows both pay for the capacity and hold it to the data; between the two
     * sizes the threshold is a round number, not a measured one (docs/QUALITY.md).
     */
    public static final int WIDE_FROM_ROWS = 10_000;
    /** The hidden width of {@link #TABULAR} for files of at least {@link #WIDE_FROM_ROWS} training rows. */
    public static final int WIDE_WIDTH = 128;
    /**
     * The loss weights of {@link #TABULAR} for files of at least {@link #WIDE_FROM_ROWS} training rows: the likelihood
     * ten times the weight of {@link #TABULAR}'s 1,100,15 against the transport cost and the HJB penalty (within the
     * papers' range: GAS trains with 1,1200,40). On mixture16 (16,200 training rows, width 128) it lowered the KL on
     * three seeds out of three and on the 60,000-row file; the flow's NLL on its training rows fell as much as on fresh
     * rows, so the weaker penalties cost no generalisation (docs/QUALITY.md). Files of fewer rows, not measured with it,
     * keep 1,100,15.
     */
    public static final String WIDE_ALPHA = "1,1000,15";

    /**
     * Files with at least this many training rows anneal along half a cosine over the time budget ({@link
     * BudgetAnneal#COSINE}) instead of {@link #TABULAR}'s tenfold drop at 3/4 of it. On the 60,000-row mixture16 (48,600
     * training rows, 20 minutes, 2 threads) the budget ends the run before the plateaus have spent their drops, and the
     * cosine ended 0.056 and 0.100 nats nearer the truth on seeds 0 and 1. On the 20,000-row one (16,200 training rows)
     * the plateaus end the run, their first drop at about iteration 1,170 is what finds the best model, and the cosine,
     * which keeps the rate up longer, ended 0.065 nats further off (seed 0). Between the two sizes the threshold is a
     * round number, not a measured one (docs/QUALITY.md).
     */
    public static final int COSINE_FROM_ROWS = 30_000;

    /**
     * The default learning rate for a model of {@code width} hidden units: {@link #lr} up to {@link #lrWidth} units, and
     * {@code lr x lrWidth / width} beyond. Why: Adam's first steps move every weight by about lr, and the potential is a
     * sum over the hidden units, so the change of the field per step grows with the width. On mixture16 every width-128
     * and width-256 run at lr 0.1 blew up within its first 450 iterations, and width 128 at lr 0.05 did not and ended
     * better on three seeds out of three (docs/QUALITY.md). The reference recipes ({@code lrWidth} 0) keep their rate.
     */
    public double lrFor(int width) {
        return lrWidth > 0 && width > lrWidth ? lr * lrWidth / width : lr;
    }

    /** The validation interval in iterations for a finite set of {@code batchesPerEpoch} batches per epoch. */
    public int validationInterval(int batchesPerEpoch) {
        int epoch = Math.max(1, batchesPerEpoch);
        if (valEvery == PER_EPOCH) return epoch;
        if (valEvery == PER_EPOCH_10_TO_50) return Math.min(50, Math.max(10, epoch));
        return valEvery;
    }

    /** ALGORITHMS.md section 4 for the MAF set {@code name} (lower case), or null for another name. */
    public static Recipe maf(String name) {
        switch (name) {
            case "power": return new Recipe(128, 2, 10, 22, 10000, 10000, 36000, "1,500,5", 0.03, 0, 20, 1.5, 1, PER_EPOCH, 0, 0, 0, BudgetAnneal.STEP, 0);
            case "gas": return new Recipe(350, 2, 10, 24, 2000, 10000, 60000, "1,1200,40", 0.01, 0, 20, 1.5, 1, PER_EPOCH, 0, 0, 0, BudgetAnneal.STEP, 0);
            case "hepmass": return new Recipe(256, 2, 12, 24, 2000, 10000, 40000, "1,500,40", 0.02, 0, 20, 1.5, 1, PER_EPOCH, 0, 0, 0, BudgetAnneal.STEP, 0);
            case "miniboone": return new Recipe(256, 2, 6, 10, 2000, 10000, 8000, "1,100,15", 0.02, 0, 20, 1.5, 1, PER_EPOCH, 0, 0, 0, BudgetAnneal.STEP, 0);
            case "bsds300": return new Recipe(512, 2, 14, 30, 300, 10000, 120000, "1,2000,800", 0.001, 0, 20, 1.5, 1, PER_EPOCH, 0, 0, 0, BudgetAnneal.STEP, 0);
            default: return null;
        }
    }

    /**
     * The recipe for a data source: {@link #TOY} for toy sets ({@code ds} null); for finite data with d <= 2 the toy
     * recipe without its schedule of redraws and early stopping, batch at most the training rows; {@code maf:NAME} its
     * row; other files {@link #TABULAR} with the batch at most the training rows, and wider, with the likelihood
     * weighted more ({@link #WIDE_ALPHA}), from {@link #WIDE_FROM_ROWS} training rows (the rate for the width is
     * {@link #lrFor}'s), and the cosine anneal from {@link #COSINE_FROM_ROWS}.
     */
    public static Recipe forData(String source, Dataset ds) {
        return ds == null ? TOY : forData(source, ds.d(), ds.nTrain());
    }

    /** {@link #forData(String, Dataset)} for finite data of d columns and nTrain training rows. */
    public static Recipe forData(String source, int d, int nTrain) {
        if (d <= 2) {
            return new Recipe(TOY.width, TOY.layers, TOY.nt, TOY.ntVal, Math.min(TOY.batch, nTrain), TOY.valBatch, TOY.iters,
                    TOY.alpha, TOY.lr, TOY.dropEvery, 0, 0, 1, TOY.valEvery, TOY.warmup, TOY.annealAt, TOY.lrWidth, TOY.anneal, TOY.ema);
        }
        String s = source == null ? "" : source.toLowerCase(Locale.ROOT);
        Recipe m = s.startsWith("maf:") ? maf(s.split(":")[1]) : null;
        if (m != null) return m;
        return TABULAR.sizedFor(nTrain);
    }

    /**
     * This recipe with its batch at most {@code rows}, from {@link #WIDE_FROM_ROWS} rows {@link #WIDE_WIDTH} hidden units
     * and the loss weights {@link #WIDE_ALPHA}, and from {@link #COSINE_FROM_ROWS} rows the cosine anneal (without the
     * step's moment).
     */
    private Recipe sizedFor(int rows) {
        boolean wide = rows >= WIDE_FROM_ROWS, cosine = rows >= COSINE_FROM_ROWS;
        return new Recipe(wide ? WIDE_WIDTH : width, layers, nt, ntVal, Math.min(batch, rows), valBatch, iters, wide ? WIDE_ALPHA : alpha,
                lr, dropEvery, earlyStopping, clamp, resampleEvery, valEvery, warmup, cosine ? 0 : annealAt, lrWidth,
                cosine ? BudgetAnneal.COSINE : anneal, ema);
    }

    /**
     * The test nt the OT-Flow paper evaluates a MAF set with (detailedSetup.md, evaluateLargeOTflow.py --nt): POWER 24,
     * GAS 30, HEPMASS 24, MINIBOONE 18, BSDS300 40; null for any other source.
     */
    public static Integer testNt(String source) {
        if (source == null || !source.trim().toLowerCase(Locale.ROOT).startsWith("maf:")) return null;
        return switch (source.trim().toLowerCase(Locale.ROOT).split(":")[1]) {
            case "power", "hepmass" -> 24;
            case "gas" -> 30;
            case "miniboone" -> 18;
            case "bsds300" -> 40;
            default -> null;
        };
    }

    /** Each subproblem's share of a total budget over K JKO-Flow maps, rounded up so the total is at least the budget. */
    public static int perSubproblem(int totalIters, int k) {
        return k <= 0 ? totalIters : (totalIters + k - 1) / k;
    }
}
