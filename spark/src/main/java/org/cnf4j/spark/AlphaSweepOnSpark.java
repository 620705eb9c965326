package org.cnf4j.spark;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.cnf4j.experiments.AlphaSweep;

/**
 * The alpha-sweep experiment ({@code cnf4j experiment alpha-sweep}) with its cells as Spark tasks, one task per cell:
 * each task runs the experiment's own {@link AlphaSweep#runCell} (one engine thread), and the driver writes the same
 * result files as the command on one machine. The cells' numbers do not depend on where they ran (tested).
 */
public final class AlphaSweepOnSpark {
    private AlphaSweepOnSpark() {}

    /** A runner that trains the cells on {@code spark}'s executors. */
    public static AlphaSweep.Runner runner(SparkSession spark) {
        return (sweep, cells) -> {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            List<AlphaSweep.CellResult> out = jsc.parallelize(cells, cells.size()).map(sweep::runCell).collect();
            return List.copyOf(out);
        };
    }
}
