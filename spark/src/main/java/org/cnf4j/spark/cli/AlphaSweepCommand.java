package org.cnf4j.spark.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.cnf4j.experiments.AlphaSweep;
import org.cnf4j.spark.AlphaSweepOnSpark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cnf4j-spark alpha-sweep}: {@code cnf4j experiment alpha-sweep} with one Spark task per cell. */
@Command(name = "alpha-sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"cnf4j experiment alpha-sweep with its cells (OT-Flow and JKO-Flow over a1, data sets and seeds) as Spark tasks, one "
            + "engine thread each; the same result files (results.csv, results.md, nll-vs-alpha.png, densities-*.png) and numbers."})
public final class AlphaSweepCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "experiments/results/alpha-sweep", description = "Output folder (default ${DEFAULT-VALUE}).") Path out;
    @Option(names = "--quick", description = "A tiny smoke version (one data set, two alphas, K=2, 8 iterations).") boolean quick;
    @Option(names = "--datasets", split = ",", description = "Toy data sets (default 8gaussians,checkerboard,swissroll).") List<String> datasets;
    @Option(names = "--budget", description = "Total training iterations per cell (default 600).") Integer budget;
    @Option(names = "--seeds", split = ",", description = "Seeds; every cell runs once per seed (default 0,1,2).") List<Long> seeds;
    @Mixin SparkOptions spark = new SparkOptions();

    @Override
    public Integer call() throws Exception {
        AlphaSweep.Settings s = AlphaSweep.Settings.of(quick, budget, null, datasets, seeds);
        new AlphaSweep(s).run(out, "cnf4j-spark alpha-sweep" + (quick ? " --quick" : ""), AlphaSweepOnSpark.runner(spark.session("alpha-sweep")));
        System.out.println("wrote " + out.resolve("results.md"));
        return 0;
    }
}
