package org.cnf4j.spark.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.cnf4j.spark.EngineSpec;
import org.cnf4j.spark.Sweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cnf4j-spark sweep}: a grid of cnf4j train runs, one Spark task per cell. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the cross product of a grid file's option lists, one Spark task per cell, each exactly as cnf4j train "
            + "with those options would; writes DIR/cells/cell-NNN (run directories), DIR/results.csv and DIR/results.md.",
            "A cell that fails is recorded (status failed and the reason), not fatal. The grid file: top-level keys are options "
                + "for every cell, 'grid:' maps option names to lists, e.g. 'data: 8gaussians', 'grid: {width: [16, 32], seed: [1, 2]}'."})
public final class SweepCommand implements Callable<Integer> {
    @Option(names = "--grid", required = true, paramLabel = "GRID.yaml", description = "The grid (YAML or JSON).") Path grid;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder; must not exist.") Path out;
    @Mixin SparkOptions spark = new SparkOptions();

    @Override
    public Integer call() throws Exception {
        int cells = Sweep.readGrid(grid).size();
        if (java.nio.file.Files.exists(out)) throw new IllegalArgumentException("--out " + out + " exists; remove it or choose another folder");
        EngineSpec e = spark.engine();
        // training defaults to float32 (as cnf4j train); one engine thread per cell unless --threads
        EngineSpec cellEngine = new EngineSpec(e.device(), spark.dtype == null ? "float32" : e.dtype(), spark.threads == null ? 1 : spark.threads);
        SparkSession s = spark.session("sweep");
        long t0 = System.nanoTime();
        Sweep.Summary r = Sweep.run(s, grid, out, cellEngine, Sweep.defaultTrainer());
        for (Sweep.CellResult c : r.results()) {
            System.out.println(c.ok() ? String.format(Locale.ROOT, "%s ok: validation NLL %.4f (%.1f s)", c.id(), c.validationNll(), c.seconds())
                    : c.id() + " failed: " + c.error());
        }
        System.out.printf(Locale.ROOT, "sweep: %d cells, %d ok, %d failed in %.1f s; results in %s%n", cells, r.ok(), cells - r.ok(),
                (System.nanoTime() - t0) / 1e9, out.resolve("results.csv"));
        return 0;
    }
}
