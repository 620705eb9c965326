package org.cnf4j.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.cnf4j.format.MatrixFile;

/**
 * Reading the inputs and writing the outputs of the cnf4j-spark commands. Inputs: Parquet, ORC, JSON (lines) and CSV
 * with or without a header (the first line is a header when one of its cells is not a number, as {@code cnf4j logp}
 * decides; cells are read as text and parsed by the scorer, and a line with the wrong number of fields is marked
 * malformed). Outputs: Parquet, CSV (with a header row), ORC or JSON, written to a hidden temporary sibling and renamed
 * into place when the job succeeds, so a failed job leaves nothing at the output path.
 */
public final class SparkFiles {
    /** The formats Spark reads and writes here. */
    public static final List<String> FORMATS = List.of("parquet", "csv", "orc", "json");

    private SparkFiles() {}

    /** The format a path's name says (.parquet, .csv, .orc, .json, .jsonl), or null. */
    public static String formatOfName(String path) {
        String n = path.toLowerCase(Locale.ROOT);
        while (n.endsWith("/")) n = n.substring(0, n.length() - 1);
        if (n.endsWith(".parquet") || n.endsWith(".pq")) return "parquet";
        if (n.endsWith(".csv")) return "csv";
        if (n.endsWith(".orc")) return "orc";
        if (n.endsWith(".json") || n.endsWith(".jsonl") || n.endsWith(".ndjson")) return "json";
        return null;
    }

    /** {@code format} checked (lower case), or the format of {@code path}'s name, or of the files in that folder. */
    public static String inputFormat(SparkSession spark, String path, String format) throws IOException {
        if (format != null) return checkFormat(format, "--input-format");
        String f = formatOfName(path);
        if (f != null) return f;
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(hadoop(spark));
        if (fs.isDirectory(p)) {
            for (FileStatus s : fs.listStatus(p)) {
                String name = s.getPath().getName();
                if (s.isFile() && !name.startsWith(".") && !name.startsWith("_")) {
                    String g = formatOfName(name.endsWith(".crc") ? "" : name.replaceAll("\\.(snappy|gz|zstd|lz4|zlib|bz2)(?=\\.|$)", ""));
                    if (g != null) return g;
                }
            }
        }
        throw new IllegalArgumentException("--input " + path + ": cannot tell its format from the name; give --input-format parquet|csv|orc|json");
    }

    public static String checkFormat(String format, String flag) {
        String f = format.trim().toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(f)) throw new IllegalArgumentException("unknown " + flag + " '" + format + "': use parquet, csv, orc or json");
        return f;
    }

    /** Reads {@code path} (a file or a folder of part files) in {@code format}. */
    public static Dataset<Row> read(SparkSession spark, String path, String format) throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(hadoop(spark));
        if (!fs.exists(p)) throw new java.nio.file.NoSuchFileException(null, null, path + ": file not found; check --input");
        if (!format.equals("csv")) return spark.read().format(format).load(path);
        String first = firstLine(spark, path);
        if (first == null) throw new IllegalArgumentException("--input " + path + ": no data rows");
        String[] cells = first.split(",", -1);
        boolean header = false;
        for (String c : cells) {
            try {
                MatrixFile.parse(unquote(c));
            } catch (NumberFormatException e) {
                header = true;
            }
        }
        List<StructField> fields = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (int j = 0; j < cells.length; j++) {
            String name = header ? unquote(cells[j]) : "_c" + j;
            if (name.isEmpty() || seen.contains(name)) name = "_c" + j;
            seen.add(name);
            fields.add(DataTypes.createStructField(name, DataTypes.StringType, true));
        }
        String corrupt = spark.conf().get("spark.sql.columnNameOfCorruptRecord", "_corrupt_record");
        fields.add(DataTypes.createStructField(corrupt, DataTypes.StringType, true));
        return spark.read().schema(DataTypes.createStructType(fields)).option("header", header).option("mode", "PERMISSIVE")
                .option("columnNameOfCorruptRecord", corrupt).option("ignoreLeadingWhiteSpace", true).option("ignoreTrailingWhiteSpace", true)
                .csv(path);
    }

    private static String firstLine(SparkSession spark, String path) {
        List<String> l = spark.read().textFile(path).filter((org.apache.spark.api.java.function.FilterFunction<String>) s -> !s.isBlank())
                .limit(1).collectAsList();
        if (l.isEmpty()) return null;
        String s = l.get(0);
        return !s.isEmpty() && s.charAt(0) == '\uFEFF' ? s.substring(1) : s;
    }

    private static String unquote(String cell) {
        String c = cell.trim();
        if (c.length() >= 2 && c.charAt(0) == '"' && c.charAt(c.length() - 1) == '"') c = c.substring(1, c.length() - 1).trim();
        return c;
    }

    /** Refuses an output path that exists (before any work starts). */
    public static void checkOutput(SparkSession spark, String output) throws IOException {
        Path out = new Path(output);
        FileSystem fs = out.getFileSystem(hadoop(spark));
        if (fs.exists(out)) throw new IllegalArgumentException("--output " + output + " exists; remove it or choose another path");
    }

    /**
     * Writes {@code df} to {@code output} in {@code format}: into a hidden sibling first, renamed to {@code output} when
     * Spark's job has succeeded; on any failure the sibling is removed and nothing is left at {@code output}.
     */
    public static void writeAtomically(Dataset<Row> df, String output, String format) throws IOException {
        SparkSession spark = df.sparkSession();
        checkOutput(spark, output);
        FileSystem fs = new Path(output).getFileSystem(hadoop(spark));
        Path out = fs.makeQualified(new Path(output));
        Path tmp = new Path(out.getParent(), "." + out.getName() + ".tmp-" + UUID.randomUUID());
        boolean done = false;
        try {
            var w = df.write().format(format);
            if (format.equals("csv")) w = w.option("header", true);
            w.save(tmp.toString());
            if (!fs.rename(tmp, out)) throw new IOException("cannot rename " + tmp + " to " + out);
            done = true;
        } finally {
            if (!done) fs.delete(tmp, true);
        }
    }

    private static Configuration hadoop(SparkSession spark) {
        return spark.sparkContext().hadoopConfiguration();
    }
}
