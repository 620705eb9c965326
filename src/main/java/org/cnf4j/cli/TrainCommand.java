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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cnf4j train}: OT-Flow on a toy generator, leaving a run directory with the best model. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train an OT-Flow model on a toy data set.")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "Toy data set: ${COMPLETION-CANDIDATES}", completionCandidates = ToyNames.class)
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

    @Override
    public Integer call() throws IOException {
        if (!ToyData.names().contains(data)) {
            throw new IllegalArgumentException("unknown data set '" + data + "': use one of " + String.join(", ", ToyData.names()));
        }
        TrainConfig cfg = new TrainConfig(new PhiShape(2, width, layers), Alpha.parse(alpha), nt, ntVal, batch, valBatch,
                iters, lr, dropEvery, 0.5, 0, 25, valEvery, seed, DType.parse(dtype), threads);
        RunDirectory run = RunDirectory.create(out);
        double[] val = ToyData.sample(data, valBatch, seed ^ 0x5eed5eedL);
        PhiParams init = PhiParams.initialise(cfg.shape(), seed);
        long t0 = System.nanoTime();
        try (CpuFlowEngine engine = new CpuFlowEngine(cfg.shape(), cfg.dtype(), threads);
             PrintWriter log = new PrintWriter(Files.newBufferedWriter(run.tempFile("log.csv")))) {
            log.println("iter,J,L,C,R,lr,val_J,val_C,seconds");
            OtFlowTrainer trainer = new OtFlowTrainer(cfg, engine).addListener(new TrainListener() {
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
                    log.flush();
                    System.out.printf("iter %5d/%d  J %.4f  L %.4f  C %.4f  R %.4f  | val J %.4f  NLL %.4f%s  (%.0fs)%n",
                            iter, cfg.iters(), last.j(), last.l(), last.c(), last.r(), v.j(), v.c(), best ? " *" : "", secs);
                }
            });
            OtFlowTrainer.Result res = trainer.train(init, new ToyBatchSource(data, seed), val, valBatch);
            log.flush();
            run.saveModel(res.best(), cfg);
            run.commit("log.csv");
            double entropy = ToyData.entropy(data);
            System.out.printf("best validation NLL %.4f nats at iteration %d%s; model in %s%n", res.bestValidation().c(), res.bestIter(),
                    Double.isNaN(entropy) ? "" : String.format(" (data entropy %.4f)", entropy), out);
        }
        return 0;
    }
}
