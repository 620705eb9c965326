package org.cnf4j.spark.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.cnf4j.spark.FlowSampler;
import org.cnf4j.spark.SparkFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cnf4j-spark sample}: {@code cnf4j sample} in P partitions at once. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw n samples by the inverse flow in P partitions: partition i draws n_i = n/P samples (the first n mod P one more) "
            + "with a seed derived from (--seed, i), so the output depends only on (n, P, seed); columns x0..x(d-1) in the data's units.",
            "Writes Parquet or CSV (with a header) to a folder of part files, renamed into place only when the job succeeds."})
public final class SampleCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN_DIR", description = "Run directory (cnf4j train, JKO-Flow included, or import-otflow).") Path model;
    @Option(names = "-n", required = true, description = "Number of samples.") long n;
    @Option(names = "--partitions", defaultValue = "1", description = "Partitions P, each one task (default ${DEFAULT-VALUE}).") int partitions;
    @Option(names = "--seed", defaultValue = "0", description = "Seed S (default ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--output", required = true, paramLabel = "PATH", description = "Output folder; must not exist.") String output;
    @Option(names = "--with-logp", description = "Add a last column logp with each sample's log-density.") boolean withLogp;
    @Option(names = "--format", paramLabel = "parquet|csv", description = "Output format (default: from --output's name, else parquet; orc and json too).") String format;
    @Option(names = "--nt", description = "RK4 steps (per map for JKO-Flow runs; default: the run's nt_val).") Integer nt;
    @Mixin SparkOptions spark = new SparkOptions();

    @Override
    public Integer call() throws Exception {
        if (n < 1) throw new IllegalArgumentException("-n must be >= 1, got " + n);
        if (partitions < 1) throw new IllegalArgumentException("--partitions must be >= 1, got " + partitions);
        String outFormat = format != null ? SparkFiles.checkFormat(format, "--format") : SparkFiles.formatOfName(output);
        if (outFormat == null) outFormat = "parquet";
        FlowSampler sampler = FlowSampler.of(model).withLogp(withLogp).withEngine(spark.engine());
        if (nt != null) sampler.withNt(nt);
        SparkSession s = spark.session("sample");
        SparkFiles.checkOutput(s, output);
        long t0 = System.nanoTime();
        SparkFiles.writeAtomically(sampler.sample(s, n, partitions, seed), output, outFormat);
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "wrote %d samples (d=%d%s) in %d partitions to %s (%s) in %.1f s%n", n, sampler.dimension(),
                withLogp ? ", last column logp" : "", partitions, output, outFormat, secs);
        return 0;
    }
}
