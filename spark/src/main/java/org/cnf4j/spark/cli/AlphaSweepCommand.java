package org.cnf4j.spark.cli;

import java.util.concurrent.Callable;
import org.cnf4j.cli.AlphaSweepOptions;
import org.cnf4j.experiments.AlphaSweep;
import org.cnf4j.spark.AlphaSweepOnSpark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cnf4j-spark alpha-sweep}: {@code cnf4j experiment alpha-sweep} (its options but --workers) with one Spark task per cell. */
@Command(name = "alpha-sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"cnf4j experiment alpha-sweep with its cells (OT-Flow and JKO-Flow over a1, data sets and seeds) as Spark tasks, one "
            + "engine thread each; the same result files (results.csv, results.md, nll-vs-alpha.png, densities-*.png) and numbers."})
public final class AlphaSweepCommand implements Callable<Integer> {
    @Mixin AlphaSweepOptions sweep = new AlphaSweepOptions();
    @Mixin SparkOptions spark = new SparkOptions();

    @Override
    public Integer call() throws Exception {
        if (spark.device != null || spark.dtype != null || spark.threads != null) {
            throw new IllegalArgumentException("alpha-sweep runs each cell as cnf4j experiment alpha-sweep does (CPU, float32 training and "
                    + "float64 evaluation, one thread): drop --device, --dtype and --threads");
        }
        new AlphaSweep(sweep.settings(null)).run(sweep.out(), "cnf4j-spark alpha-sweep" + (sweep.quick() ? " --quick" : ""),
                AlphaSweepOnSpark.runner(spark.session("alpha-sweep")));
        System.out.println("wrote " + sweep.out().resolve("results.md"));
        return 0;
    }
}
