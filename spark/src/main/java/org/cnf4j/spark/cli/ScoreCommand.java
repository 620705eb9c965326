package org.cnf4j.spark.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.cnf4j.spark.FlowScorer;
import org.cnf4j.spark.SparkFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cnf4j-spark score}: {@code cnf4j logp} as a Spark job, appending a logp column to a table. */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Log-density (nats, in the data's units: what cnf4j logp writes, bit for bit in float64) of every row of a table, "
            + "appended as a column logp; with --on-bad-row null (default) bad rows get a null logp and a reason in logp_error.",
            "Reads Parquet, ORC, JSON lines or CSV (header optional); writes Parquet or CSV (with a header) to a folder of part files, "
                + "renamed into place only when the job succeeds."})
public final class ScoreCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "RUN_DIR", description = "Run directory (cnf4j train, JKO-Flow included, or import-otflow).") Path model;
    @Option(names = "--input", required = true, paramLabel = "PATH", description = "Table to score: a file or a folder of part files.") String input;
    @Option(names = "--output", required = true, paramLabel = "PATH", description = "Output folder; must not exist.") String output;
    @Option(names = "--columns", split = ",", paramLabel = "a,b,...", description = "The d columns, in the model's order (default: all columns, if there are d).") List<String> columns;
    @Option(names = "--format", paramLabel = "parquet|csv", description = "Output format (default: from --output's name, else parquet; orc and json too).") String format;
    @Option(names = "--input-format", paramLabel = "FORMAT", description = "parquet, csv, orc or json (default: from --input's name or its files).") String inputFormat;
    @Option(names = "--on-bad-row", paramLabel = "null|fail", defaultValue = "null",
            description = "A row with a null, non-numeric or non-finite value, or the wrong number of fields: null logp with a reason (default), or fail the job.") String onBadRow;
    @Option(names = "--nt", description = "RK4 steps (per map for JKO-Flow runs; default: the run's nt_val).") Integer nt;
    @Option(names = "--standardised", description = "The rows are already in the model's (standardised) space.") boolean standardised;
    @Option(names = "--partitions", description = "Repartition the input into this many partitions first (a shuffle: rows change order; default: as Spark reads it).") Integer partitions;
    @Mixin SparkOptions spark = new SparkOptions();

    @Override
    public Integer call() throws Exception {
        FlowScorer.BadRows bad = switch (SparkOptions.lower(onBadRow)) {
            case "null" -> FlowScorer.BadRows.NULL;
            case "fail" -> FlowScorer.BadRows.FAIL;
            default -> throw new IllegalArgumentException("unknown --on-bad-row '" + onBadRow + "': use null or fail");
        };
        String outFormat = format != null ? SparkFiles.checkFormat(format, "--format") : SparkFiles.formatOfName(output);
        if (outFormat == null) outFormat = "parquet";
        if (partitions != null && partitions < 1) throw new IllegalArgumentException("--partitions must be >= 1, got " + partitions);
        FlowScorer scorer = FlowScorer.of(model).onBadRow(bad).withEngine(spark.engine()).standardised(standardised);
        if (nt != null) scorer.withNt(nt);
        if (columns != null) scorer.withColumns(columns.stream().map(String::trim).toList());
        SparkSession s = spark.session("score");
        SparkFiles.checkOutput(s, output);
        String inFormat = SparkFiles.inputFormat(s, input, inputFormat);
        Dataset<Row> in = SparkFiles.read(s, input, inFormat);
        if (partitions != null) in = in.repartition(partitions);
        LongAccumulator rows = s.sparkContext().longAccumulator("rows"), badRows = s.sparkContext().longAccumulator("bad rows");
        Dataset<Row> scored = scorer.withCounters(rows, badRows).transform(in);
        long t0 = System.nanoTime();
        SparkFiles.writeAtomically(scored, output, outFormat);
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "scored %d rows (%d bad) of d=%d from %s to %s (%s) in %.1f s (%.0f rows/s)%n", rows.value(), badRows.value(),
                scorer.dimension(), input, output, outFormat, secs, rows.value() / secs);
        return 0;
    }
}
