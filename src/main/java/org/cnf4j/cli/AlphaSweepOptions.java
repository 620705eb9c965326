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
    @Option(names = "--a2", paramLabel = "A2|scaled", description = "The HJB weight: a number held fixed for every a1 (default 5, the toy "
            + "recipe's at a1 = 100), or scaled for a2 = 0.05 * a1 (the balance of both papers' toy recipes, which moves a2 with a1).") String a2;
    @Option(names = "--a1", split = ",", description = "The a1 values (default 1,5,10,50,100).") List<Double> a1s;
    @Option(names = "--ks", split = ",", description = "JKO-Flow's K values (default 3,5,10).") List<Integer> ks;
    @Option(names = "--jko-budget", paramLabel = "total|per-map", description = "total (default): JKO-Flow splits the cell's --budget "
            + "over its K maps, the cost of OT-Flow; per-map: every map gets all of it, as the papers run JKO-Flow.") String jkoBudget;
    @Option(names = "--jko-adam", paramLabel = "reset|carry", description = "JKO-Flow's optimiser across subproblems: reset (default) "
            + "or carry (one Adam state through all, as the reference).") String jkoAdam;

    public Path out() { return out; }

    public boolean quick() { return quick; }

    /** The sweep's settings from these options, with {@code workers} cells at a time on one machine (null: the default). */
    public AlphaSweep.Settings settings(Integer workers) {
        return AlphaSweep.Settings.of(quick, budget, workers, ListOptions.distinct("--datasets", datasets), ListOptions.distinct("--seeds", seeds), a2,
                ListOptions.distinct("--a1", a1s), ListOptions.distinct("--ks", ks), jkoBudget, jkoAdam);
    }
}
