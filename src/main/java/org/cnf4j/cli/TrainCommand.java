package org.cnf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cnf4j.backend.DType;
import org.cnf4j.data.ToyData;
import org.cnf4j.io.RunDirectory;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.ode.CpuFlowEngine;
import org.cnf4j.ode.LossResult;
import org.cnf4j.train.OtFlowTrainer;
import org.cnf4j.train.ToyBatchSource;
import org.cnf4j.train.TrainConfig;
import org.cnf4j.train.TrainListener;
import org.cnf4j.train.TrainState;
import java.nio.file.StandardOpenOption;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cnf4j train}: OT-Flow on a toy generator, leaving a run directory with the best model. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train an OT-Flow model on a toy data set.")
public final class TrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--data", description = "Toy data set: ${COMPLETION-CANDIDATES}", completionCandidates = ToyNames.class)
    String data;
    @Option(names = "--out", required = true, description = "Run directory to create (must not exist or be empty).")
    Path out;
    @Option(names = "--iters", defaultValue = "500", description = "Training iterations (default ${DEFAULT-VALUE}).")
    int iters;
    @Option(names = "--batch", defaultValue = "2048", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--val-batch", defaultValue = "2048", description = "Validation set size (default ${DEFAULT-VALUE}).")
    int valBatch;
    @Option(names = "--nt", defaultValue = "8", description = "RK4 steps in training (default ${DEFAULT-VALUE}).")
    int nt;
    @Option(names = "--nt-val", defaultValue = "8", description = "RK4 steps in validation (default ${DEFAULT-VALUE}).")
    int ntVal;
    @Option(names = "--width", defaultValue = "32", description = "Hidden width m (default ${DEFAULT-VALUE}).")
    int width;
    @Option(names = "--layers", defaultValue = "2", description = "ResNet layers nTh >= 2 (default ${DEFAULT-VALUE}).")
    int layers;
    @Option(names = "--alpha", defaultValue = "1,100,5", description = "Loss weights a0,a1,a2 (default ${DEFAULT-VALUE}).")
    String alpha;
    @Option(names = "--lr", defaultValue = "0.1", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    double lr;
    @Option(names = "--drop-every", defaultValue = "100", description = "Halve the learning rate every N iterations; 0 never (default ${DEFAULT-VALUE}).")
    int dropEvery;
    @Option(names = "--val-every", defaultValue = "10", description = "Validate every N iterations (default ${DEFAULT-VALUE}).")
    int valEvery;
    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--dtype", defaultValue = "float32", description = "float32 or float64 (default ${DEFAULT-VALUE}).")
    String dtype;
    @Option(names = "--threads", defaultValue = "2", description = "Worker threads (default ${DEFAULT-VALUE}).")
    int threads;
    @Option(names = "--verbose", description = "Print stack traces on errors.")
    boolean verbose;

    static final class ToyNames implements Iterable<String> {
        @Override public java.util.Iterator<String> iterator() { return ToyData.names().iterator(); }
    }

    @Option(names = "--checkpoint-every", defaultValue = "50", description = "Write a checkpoint every N iterations (default ${DEFAULT-VALUE}); always at the end.")
    int checkpointEvery;
    @Option(names = "--resume", description = "Continue the run in --out from its checkpoint (the saved configuration is used; --iters may raise the budget).")
    boolean resume;

    @Override
    public Integer call() throws IOException {
        RunDirectory run;
        TrainConfig cfg;
        String source;
        TrainState state;
        if (resume) {
            run = RunDirectory.open(out);
            TrainConfig saved = run.loadConfig();
            source = run.loadDataSource();
            cfg = new TrainConfig(saved.shape(), saved.alpha(), saved.nt(), saved.ntVal(), saved.batch(), saved.valBatch(),
                    Math.max(saved.iters(), iterSetByUser() ? iters : saved.iters()), saved.lr(), saved.lrDropEvery(),
                    saved.lrDropFactor(), saved.clamp(), saved.resampleEvery(), saved.valEvery(), saved.seed(), saved.dtype(), saved.threads());
            state = TrainState.load(run.checkpointFile(), cfg.shape());
            truncateLog(run.logFile(), state.iteration);
            System.out.printf("resuming %s at iteration %d of %d%n", out, state.iteration, cfg.iters());
        } else {
            if (data == null) throw new IllegalArgumentException("--data is required (or --resume to continue a run)");
            if (!ToyData.names().contains(data)) {
                throw new IllegalArgumentException("unknown data set '" + data + "': use one of " + String.join(", ", ToyData.names()));
            }
            if (checkpointEvery < 0) throw new IllegalArgumentException("--checkpoint-every must be >= 0, got " + checkpointEvery);
            cfg = new TrainConfig(new PhiShape(2, width, layers), Alpha.parse(alpha), nt, ntVal, batch, valBatch,
                    iters, lr, dropEvery, 0.5, 0, 25, valEvery, seed, DType.parse(dtype), threads);
            source = data;
            run = RunDirectory.create(out);
            run.saveConfig(cfg, source);
            state = TrainState.start(PhiParams.initialise(cfg.shape(), cfg.seed()), cfg.lr());
        }
        double[] val = ToyData.sample(source, cfg.valBatch(), cfg.seed() ^ 0x5eed5eedL);
        long t0 = System.nanoTime();
        boolean fresh = !Files.exists(run.logFile());
        try (CpuFlowEngine engine = new CpuFlowEngine(cfg.shape(), cfg.dtype(), cfg.threads());
             PrintWriter log = new PrintWriter(Files.newBufferedWriter(run.logFile(), StandardOpenOption.CREATE, StandardOpenOption.APPEND))) {
            if (fresh) log.println("iter,J,L,C,R,lr,val_J,val_C,seconds");
            OtFlowTrainer trainer = new OtFlowTrainer(cfg, engine).checkpointEvery(checkpointEvery).addListener(new TrainListener() {
                LossResult last;
                double lastLr;

                @Override public void onIteration(int iter, LossResult r, double lrNow) {
                    last = r;
                    lastLr = lrNow;
                    if (iter % cfg.valEvery() != 0 && iter != cfg.iters()) {
                        log.printf("%d,%.6g,%.6g,%.6g,%.6g,%.3g,,,%.2f%n", iter, r.j(), r.l(), r.c(), r.r(), lrNow, (System.nanoTime() - t0) / 1e9);
                    }
                }

                @Override public void onValidation(int iter, LossResult v, boolean best) {
                    double secs = (System.nanoTime() - t0) / 1e9;
                    log.printf("%d,%.6g,%.6g,%.6g,%.6g,%.3g,%.6g,%.6g,%.2f%n", iter, last.j(), last.l(), last.c(), last.r(), lastLr, v.j(), v.c(), secs);
                    System.out.printf("iter %5d/%d  J %.4f  L %.4f  C %.4f  R %.4f  | val J %.4f  NLL %.4f%s  (%.0fs)%n",
                            iter, cfg.iters(), last.j(), last.l(), last.c(), last.r(), v.j(), v.c(), best ? " *" : "", secs);
                }

                @Override public void onRecovery(int iter, double newLr) {
                    System.out.printf("iter %5d: loss or gradient not finite; restored the last good state, lr now %.3g%n", iter, newLr);
                }

                @Override public void onCheckpoint(TrainState st) {
                    log.flush();
                    try {
                        run.saveWeights(st.best);
                        st.save(run.checkpointFile());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            OtFlowTrainer.Result res = trainer.train(state, new ToyBatchSource(source, cfg.seed()), val, cfg.valBatch());
            double entropy = ToyData.entropy(source);
            System.out.printf("best validation NLL %.4f nats at iteration %d%s; model in %s%n", res.bestValidation().c(), res.bestIter(),
                    Double.isNaN(entropy) ? "" : String.format(" (data entropy %.4f)", entropy), out);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        return 0;
    }

    private boolean iterSetByUser() {
        return spec.commandLine().getParseResult().hasMatchedOption("--iters");
    }

    /** Drops log lines past the checkpoint's iteration: those iterations are about to be replayed. */
    private static void truncateLog(Path log, int iteration) throws IOException {
        if (!Files.exists(log)) return;
        java.util.List<String> keep = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            int comma = line.indexOf(',');
            if (comma < 0) continue;
            String head = line.substring(0, comma);
            if (head.equals("iter") || (head.matches("\\d+") && Integer.parseInt(head) <= iteration)) keep.add(line);
        }
        Path tmp = log.resolveSibling(".log.csv.tmp");
        Files.write(tmp, keep);
        Files.move(tmp, log, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
