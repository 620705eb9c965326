package org.cnf4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.cnf4j.data.DataSets;
import org.cnf4j.experiments.AlphaSweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cnf4j experiment}: the reproducible comparisons of experiments/README.md. */
@Command(name = "experiment", mixinStandardHelpOptions = true, description = "Run a benchmark experiment (see experiments/README.md).",
        subcommands = {ExperimentCommand.AlphaSweepCommand.class, ExperimentCommand.TabularCommand.class, ExperimentCommand.QualityCommand.class,
            ExperimentCommand.SpeedReportCommand.class})
public final class ExperimentCommand implements Runnable {
    @Override public void run() { picocli.CommandLine.usage(this, System.out); }

    /** The command line as the result pages quote it. */
    static String commandLine(picocli.CommandLine.Model.CommandSpec spec) {
        List<String> all = new ArrayList<>(List.of("./cnf4j"));
        all.addAll(spec.commandLine().getParseResult().originalArgs());
        return String.join(" ", all);
    }

    @Command(name = "alpha-sweep", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"OT-Flow with a1 in {1,5,10,50,100} versus JKO-Flow with the same fixed a1 and K in {3,5,10}, at an equal total "
                + "iteration budget, on 8gaussians, checkerboard and swissroll, over seeds 0, 1, 2. Writes results.csv, results.md, nll-vs-alpha.png and densities-*.png.",
                "On a Spark cluster, one task per cell: ./cnf4j-spark alpha-sweep (same options but --workers; docs/SPARK.md)."})
    static final class AlphaSweepCommand implements Callable<Integer> {
        @picocli.CommandLine.Mixin AlphaSweepOptions sweep = new AlphaSweepOptions();
        @Option(names = "--workers", description = "Cells trained at the same time, one thread each (default 2).") Integer workers;
        @picocli.CommandLine.Mixin VerboseOption verbose = new VerboseOption();
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            new AlphaSweep(sweep.settings(workers)).run(sweep.out(), commandLine(spec));
            System.out.println("wrote " + sweep.out().resolve("results.md"));
            return 0;
        }
    }

    @Command(name = "tabular", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"OT-Flow and JKO-Flow versus a full-covariance Gaussian and a Gaussian mixture on real tabular files "
                + "(default data/digits.csv and data/breast_cancer.csv), test NLL with standard errors over seeds 0, 1, 2. "
                + "Writes results.csv, results.md and nll.png."})
    static final class TabularCommand implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "experiments/results/tabular", description = "Output folder (default ${DEFAULT-VALUE}).") Path out;
        @Option(names = "--data", split = ",", paramLabel = "FILE", description = "Data files (.csv or .npy).") List<String> data;
        @Option(names = "--quick", description = "A tiny smoke version (two seeds, 6 iterations, small model).") boolean quick;
        @Option(names = "--budget", description = "Total training iterations per flow (default 400).") Integer budget;
        @Option(names = "--workers", description = "Flows trained at the same time, one thread each (default 2).") Integer workers;
        @picocli.CommandLine.Mixin VerboseOption verbose = new VerboseOption();
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            org.cnf4j.experiments.TabularComparison.Settings d = org.cnf4j.experiments.TabularComparison.Settings.defaults();
            if (quick) d = org.cnf4j.experiments.TabularComparison.Settings.quick(d.sources());
            List<String> given = ListOptions.distinct("--data", data);
            List<String> sources = given != null ? given : d.sources();
            requireFiles(sources, null);
            int b = budget != null ? ModelSupport.positive("--budget", budget) : d.budget();
            if (b < d.steps()) throw new IllegalArgumentException("--budget " + b + " is smaller than K=" + d.steps());
            var s = new org.cnf4j.experiments.TabularComparison.Settings(sources, d.seeds(), b, d.steps(), d.width(), d.maxBatch(), d.nt(), d.ntEval(), d.lr(),
                    d.alpha(), d.valEvery(), d.gmmComponents(), d.reg(), workers != null ? ModelSupport.positive("--workers", workers) : d.workers());
            new org.cnf4j.experiments.TabularComparison(s).run(out, commandLine(spec));
            System.out.println("wrote " + out.resolve("results.md"));
            return 0;
        }
    }

    @Command(name = "quality", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Density quality with the defaults: cnf4j train --data FILE --seed S (nothing else but a wall-time budget) on "
                + "data/digits.csv, data/breast_cancer.csv and a synthetic 16-dimensional mixture of 10 Gaussians with a known density, "
                + "seeds 0, 1, 2, against a Gaussian and a validation-selected Gaussian mixture; test NLL in the data's units and, for the "
                + "synthetic set, the KL divergence to the truth. Writes results.csv and results.md (hours on 2 cores: see experiments/README.md)."})
    static final class QualityCommand implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "experiments/results/quality", description = "Output folder (default ${DEFAULT-VALUE}).") Path out;
        @Option(names = "--quick", description = "A smoke version (the synthetic set, 600 rows, one seed, 4 iterations).") boolean quick;
        @Option(names = "--seeds", split = ",", description = "Seeds (default 0,1,2).") List<Long> seeds;
        @Option(names = "--time-budget", paramLabel = "TIME", description = "Wall-time budget of each training run (default 20m).") String timeBudget;
        @Option(names = "--data", split = ",", paramLabel = "SOURCE", description = "Data sets, files or "
                + org.cnf4j.experiments.QualityBenchmark.MIXTURE + " (default data/digits.csv,data/breast_cancer.csv,"
                + org.cnf4j.experiments.QualityBenchmark.MIXTURE + "; --quick: " + org.cnf4j.experiments.QualityBenchmark.MIXTURE + ").") List<String> data;
        @Option(names = "--synthetic-rows", paramLabel = "N", description = "Rows drawn from the synthetic mixture (default 20000, --quick 600; "
                + "at 20000 even the true family misses by about 0.05 nats of KL: docs/QUALITY.md).") Integer syntheticRows;
        @picocli.CommandLine.Mixin VerboseOption verbose = new VerboseOption();
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            var d = quick ? org.cnf4j.experiments.QualityBenchmark.Settings.quick() : org.cnf4j.experiments.QualityBenchmark.Settings.defaults();
            List<String> given = ListOptions.distinct("--data", data);
            List<Long> seedsGiven = ListOptions.distinct("--seeds", seeds);
            List<String> sources = given != null ? given : d.sources();
            requireFiles(sources, org.cnf4j.experiments.QualityBenchmark.MIXTURE);
            int rows = syntheticRows != null ? syntheticRows : d.syntheticRows();
            if (rows < 100) throw new IllegalArgumentException("--synthetic-rows must be >= 100, got " + rows);
            var s = new org.cnf4j.experiments.QualityBenchmark.Settings(sources, seedsGiven != null ? seedsGiven : d.seeds(),
                    timeBudget != null ? TrainCommand.duration(timeBudget) : d.timeBudget(), rows, d.components(), d.threads(), d.iters());
            new org.cnf4j.experiments.QualityBenchmark(s).run(out, commandLine(spec));
            System.out.println("wrote " + out.resolve("results.md"));
            return 0;
        }
    }

    @Command(name = "speed-report", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Turn the JSON lines of jmh/compare.sh (experiments/speed.sh writes them) into results.csv, results.md and "
                + "steps-per-second.png: training steps per second of cnf4j and torch per size and thread count."})
    static final class SpeedReportCommand implements Callable<Integer> {
        @Option(names = "--input", required = true, paramLabel = "FILE", description = "compare.sh output (JSON lines).") Path input;
        @Option(names = "--out", defaultValue = "experiments/results/speed", description = "Output folder (default ${DEFAULT-VALUE}).") Path out;
        @Option(names = "--command", description = "The command that produced --input, quoted in results.md.") String command;
        @picocli.CommandLine.Mixin VerboseOption verbose = new VerboseOption();

        @Override public Integer call() throws Exception {
            var cells = org.cnf4j.experiments.SpeedReport.parse(input);
            org.cnf4j.experiments.SpeedReport.write(cells, out, command != null ? command : "jmh/compare.sh (see experiments/speed.sh)",
                    org.cnf4j.experiments.ResultFiles.machine());
            System.out.println("wrote " + out.resolve("results.md"));
            return 0;
        }
    }

    /** Every source must be a file, except {@code builtIn} (a data set the experiment makes; null: none). */
    static void requireFiles(List<String> sources, String builtIn) throws java.nio.file.NoSuchFileException {
        for (String f : sources) {
            if (f.equals(builtIn) || java.nio.file.Files.isRegularFile(Path.of(f))) continue;
            throw new java.nio.file.NoSuchFileException(null, null, f + ": file not found"
                    + (builtIn == null ? "" : " (--data takes files and " + builtIn + ")"));
        }
    }
}
