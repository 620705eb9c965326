package org.cnf4j.cli;

import java.nio.file.Path;
import java.util.List;
import org.cnf4j.experiments.AlphaSweep;
import picocli.CommandLine.Option;

/** The alpha sweep's options, shared by {@code cnf4j experiment alpha-sweep} and {@code cnf4j-spark alpha-sweep}. */
public final class AlphaSweepOptions {
    @Option(names = "--out", defaultValue = "experiments/results/alpha-sweep", description = "Output folder (default ${DEFAULT-VALUE}).") Path out;
    @Option(names = "--quick", description = "A tiny smoke version (one data set, two alphas, K=2, 8 iterations).") boolean quick;
    @Option(names = "--datasets", split = ",", description = "Toy data sets (default 8gaussians,checkerboard,swissroll).") List<String> datasets;
    @Option(names = "--budget", description = "Total training iterations per cell (default 600).") Integer budget;
    @Option(names = "--seeds", split = ",", description = "Seeds; every cell runs once per seed (default 0,1,2).") List<Long> seeds;

    public Path out() { return out; }

    public boolean quick() { return quick; }

    /** The sweep's settings from these options, with {@code workers} cells at a time on one machine (null: the default). */
    public AlphaSweep.Settings settings(Integer workers) { return AlphaSweep.Settings.of(quick, budget, workers, datasets, seeds); }
}
