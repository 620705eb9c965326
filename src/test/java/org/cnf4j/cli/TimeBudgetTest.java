package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.run.RunListener;
import org.cnf4j.run.RunModel;
import org.cnf4j.run.TrainingOptions;
import org.cnf4j.run.TrainingRun;
import org.cnf4j.train.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --time-budget: training stops after the iteration that passes it, with a checkpoint that --resume continues. */
class TimeBudgetTest {
    static final EngineOptions F64 = EngineOptions.defaults().withDtype(DType.FLOAT64).withThreads(1);

    @Test
    void durationsAreReadWithTheirUnits() {
        assertEquals(Duration.ofMinutes(20), TrainCommand.duration("20m"));
        assertEquals(Duration.ofSeconds(90), TrainCommand.duration("90s"));
        assertEquals(Duration.ofMinutes(90), TrainCommand.duration("1h30m"));
        assertEquals(Duration.ofMinutes(90), TrainCommand.duration("1.5h"));
        for (String bad : new String[] {"20", "m", "", "-5m", "5x", "0s", "5m 3s"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainCommand.duration(bad), bad);
            assertTrue(e.getMessage().contains("is not a wall time"), e.getMessage());
        }
    }

    /** Slows every iteration down, so that a small budget runs out after a few. */
    static final class Slow implements RunListener {
        int last;
        boolean timeUp;

        @Override public void onIteration(int iter, org.cnf4j.engine.LossResult r, double lr) {
            last = iter;
            try {
                Thread.sleep(40);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override public void onTimeUp(int iter) { timeUp = true; }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** {@link Slow}, keeping every iteration's rate. */
    static final class Rates implements RunListener {
        final java.util.List<Double> lr = new java.util.ArrayList<>();
        final Slow slow = new Slow();

        @Override public void onIteration(int iter, org.cnf4j.engine.LossResult r, double rate) {
            lr.add(rate);
            slow.onIteration(iter, r, rate);
        }

        @Override public void onTimeUp(int iter) { slow.onTimeUp(iter); }
    }

    @Test
    void aCosineStoppedByTimeIsResumedWhereItStoppedNotAtTheFullRate(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("cos");
        TrainingOptions o = new TrainingOptions().data("8gaussians").iters(60).width(6).batch(64).valBatch(64).nt(2).ntVal(2).valEvery(5)
                .seed(1L).plot(false).dropEvery(0).lr(0.05).anneal("cosine").timeBudget(Duration.ofMillis(400)).out(run);
        Rates first = new Rates();
        TrainingRun.start(o, F64, first);
        assertTrue(first.slow.timeUp, "the budget ran out");
        int n = first.lr.size();
        assertTrue(n >= 2 && n < 60, "iterations: " + n);
        for (int i = 1; i < n; i++) assertTrue(first.lr.get(i) <= first.lr.get(i - 1), "falling: " + first.lr);
        assertTrue(first.lr.get(n - 1) < first.lr.get(0), "down the cosine by the end: " + first.lr);
        assertTrue(Files.readString(run.resolve("config.json")).contains("COSINE"), "the anneal is saved with the run");
        TrainState ck = TrainState.load(run.resolve("checkpoint.bin"), RunModel.load(run).shape());
        assertTrue(ck.budgetUsed > 0 && ck.budgetUsed <= 1, "budget used " + ck.budgetUsed);
        double expected = 0.05 * org.cnf4j.train.BudgetAnneal.cosineFactor(ck.budgetUsed);
        assertEquals(expected, first.lr.get(n - 1), 1e-15, "the checkpoint holds the last iteration's place on the cosine");
        // resumed without a budget: the rest at the rate where the cosine stopped
        Rates rest = new Rates();
        TrainingRun.resume(run, null, null, null, false, null, F64, rest, null);
        assertEquals(60 - n, rest.lr.size());
        rest.lr.forEach(r -> assertEquals(expected, r, 1e-15));
    }

    @Test
    void aRunStoppedByTimeResumesToItsBudget(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        TrainingOptions o = new TrainingOptions().data("8gaussians").iters(200).width(6).batch(64).valBatch(64).nt(2).ntVal(2).valEvery(5)
                .seed(1L).plot(false).checkpointEvery(1000).timeBudget(Duration.ofMillis(400)).out(run);
        Slow slow = new Slow();
        TrainingRun.start(o, F64, slow);
        assertTrue(slow.timeUp, "the budget ran out");
        assertTrue(slow.last >= 2 && slow.last < 100, "stopped after " + slow.last + " of 200 iterations");
        TrainState ck = TrainState.load(run.resolve("checkpoint.bin"), RunModel.load(run).shape());
        assertEquals(slow.last, ck.iteration, "checkpointed where it stopped");
        assertTrue(Files.readString(run.resolve("log.csv")).contains("time budget reached"));
        Slow more = new Slow();
        TrainingRun.resume(run, null, null, null, false, null, F64, more, null);
        assertEquals(200, more.last, "resumed to the end of its budget");
        // JKO-Flow: the budget is shared by the maps, every map is trained
        TrainingOptions j = new TrainingOptions().data("8gaussians").method("jko").steps(3).iters(100).width(6).batch(64).valBatch(64).nt(2)
                .ntVal(2).valEvery(5).seed(1L).plot(false).timeBudget(Duration.ofMillis(600));
        assertEquals(3, TrainingRun.start(j, F64, new Slow()).model().maps().size());
        // the console says when the cosine is what moves the rate, and only then
        String[] small = {"--data", "8gaussians", "--iters", "2", "--width", "4", "--batch", "32", "--val-batch", "32", "--nt", "1", "--nt-val", "1",
                "--no-plot"};
        Cli.Result cos = Cli.run(concat(new String[] {"train", "--anneal", "cosine", "--time-budget", "1m", "--out", dir.resolve("c").toString()}, small));
        assertEquals(0, cos.code(), cos.err());
        assertTrue(cos.out().contains("lr anneals along a cosine over the time budget (--anneal)"), cos.out());
        // without a budget the cosine would do nothing: asked for by name, it is refused before anything is written
        Cli.Result plain = Cli.run(concat(new String[] {"train", "--anneal", "cosine", "--out", dir.resolve("p").toString()}, small));
        assertEquals(2, plain.code(), plain.out());
        assertTrue(plain.err().contains("--anneal cosine anneals the rate over the time budget"), plain.err());
        assertFalse(Files.exists(dir.resolve("p")));
        Cli.Result bad = Cli.run("train", "--data", "8gaussians", "--time-budget", "soon", "--out", dir.resolve("b").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--time-budget 'soon' is not a wall time"), bad.err());
    }
}
