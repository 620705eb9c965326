package org.cnf4j.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.run.RunModel;

/**
 * Log-densities of a flow over a Spark {@code Dataset<Row>}: {@link #transform} appends a column {@code logp} (nats, in
 * the data's units: what {@code cnf4j logp} writes for the same rows, bit for bit in float64) and, when bad rows give
 * null ({@link BadRows#NULL}, the default), a column {@code logp_error} with the reason (null for good rows).
 *
 * <pre>{@code
 * Dataset<Row> scored = FlowScorer.of(Path.of("runs/digits")).withColumns("a", "b", "c").transform(df);
 * }</pre>
 *
 * The model travels to the executors as a broadcast of its bytes ({@link ModelBundle}); each executor JVM rebuilds it
 * and its engine once ({@link ExecutorModels}) and scores its partitions in blocks of rows. A column may hold any
 * numeric type or strings (parsed as {@code cnf4j logp} parses CSV cells). A row is bad when a value is null, not a
 * number or not finite, or when the reader marked it malformed (the column named by
 * {@code spark.sql.columnNameOfCorruptRecord}, {@code _corrupt_record} by default, is not null: e.g. a CSV line with the
 * wrong number of fields); that column is dropped from the output.
 */
public final class FlowScorer {
    /** What a bad row gives: a null log-density with the reason in the error column, or a failed job. */
    public enum BadRows { NULL, FAIL }

    /** Rows per block handed to the engine (default). */
    public static final int DEFAULT_BLOCK_ROWS = 4096;

    private final ModelBundle bundle;
    private final RunModel model;
    private List<String> columns;
    private Integer nt;
    private EngineSpec engine = EngineSpec.defaults();
    private BadRows badRows = BadRows.NULL;
    private String outputColumn = "logp";
    private int blockRows = DEFAULT_BLOCK_ROWS;
    private boolean standardised;
    private LongAccumulator rowCounter, badCounter;

    private FlowScorer(ModelBundle bundle, RunModel model) {
        this.bundle = bundle;
        this.model = model;
    }

    /** A scorer for the model of run directory {@code runDir} (read once, here on the driver). */
    public static FlowScorer of(Path runDir) throws IOException {
        ModelBundle b = ModelBundle.of(runDir);
        return new FlowScorer(b, b.open());
    }

    /** A scorer for a model already in a bundle. */
    public static FlowScorer of(ModelBundle bundle) throws IOException {
        return new FlowScorer(bundle, bundle.open());
    }

    /** The model's dimension d: how many columns are scored. */
    public int dimension() { return model.d(); }

    /** The d input columns, in the order of the model's coordinates (default: all columns, if there are d). */
    public FlowScorer withColumns(String... names) { return withColumns(Arrays.asList(names)); }

    public FlowScorer withColumns(List<String> names) {
        this.columns = names == null ? null : List.copyOf(names);
        return this;
    }

    /** RK4 steps per map (default: the run's nt_val, as {@code cnf4j logp}). */
    public FlowScorer withNt(int steps) {
        if (steps < 1) throw new IllegalArgumentException("--nt must be >= 1, got " + steps);
        this.nt = steps;
        return this;
    }

    /** The engine each executor builds (default: cpu, float64, one worker per executor core). */
    public FlowScorer withEngine(EngineSpec spec) {
        this.engine = spec;
        return this;
    }

    /** What bad rows give (default {@link BadRows#NULL}). */
    public FlowScorer onBadRow(BadRows policy) {
        this.badRows = policy;
        return this;
    }

    /** Name of the log-density column (default {@code logp}); the reason column is this name + {@code _error}. */
    public FlowScorer withOutputColumn(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("the output column needs a name");
        this.outputColumn = name;
        return this;
    }

    /** Rows per block given to the engine at once (default 4096); results do not depend on it. */
    public FlowScorer withBlockRows(int rows) {
        if (rows < 1) throw new IllegalArgumentException("block rows must be >= 1, got " + rows);
        this.blockRows = rows;
        return this;
    }

    /** The rows are already in the model's standardised space (as {@code cnf4j logp --standardised}). */
    public FlowScorer standardised(boolean s) {
        this.standardised = s;
        return this;
    }

    /**
     * Accumulators that count the rows scored and the bad ones (for reports; a retried task counts its rows again).
     * Either may be null.
     */
    public FlowScorer withCounters(LongAccumulator rows, LongAccumulator bad) {
        this.rowCounter = rows;
        this.badCounter = bad;
        return this;
    }

    /** The name of the reason column. */
    public String errorColumn() { return outputColumn + "_error"; }

    /**
     * The input with the log-density column (and, for {@link BadRows#NULL}, the reason column) appended; lazy, as
     * every Spark transformation: bad rows fail the job ({@link BadRows#FAIL}) when it runs, with a
     * {@link BadRowException}. Throws IllegalArgumentException at once for unknown, missing or non-numeric columns.
     */
    public Dataset<Row> transform(Dataset<Row> input) {
        StructType schema = input.schema();
        String corrupt = input.sparkSession().conf().get("spark.sql.columnNameOfCorruptRecord", "_corrupt_record");
        int malformed = Arrays.asList(schema.fieldNames()).indexOf(corrupt);
        List<String> cols = columns;
        if (cols == null) {
            cols = new ArrayList<>();
            for (String f : schema.fieldNames()) if (!f.equals(corrupt)) cols.add(f);
            if (cols.size() != model.d()) {
                throw new IllegalArgumentException("the input has " + cols.size() + " column(s) " + cols + " but the model has dimension d=" + model.d()
                        + "; choose " + model.d() + " of them with --columns");
            }
        } else if (cols.size() != model.d()) {
            throw new IllegalArgumentException("--columns names " + cols.size() + " column(s) but the model has dimension d=" + model.d());
        } else if (new java.util.HashSet<>(cols).size() < cols.size()) {
            // one column in two of the model's coordinates is a typo, not a point of the data: it scored silently
            String twice = null;
            for (String c : cols) if (twice == null && cols.indexOf(c) != cols.lastIndexOf(c)) twice = c;
            throw new IllegalArgumentException("--columns lists '" + twice + "' twice; each of the model's " + model.d() + " coordinates needs its own column");
        }
        int[] idx = new int[cols.size()];
        for (int j = 0; j < idx.length; j++) {
            String c = cols.get(j);
            int i = Arrays.asList(schema.fieldNames()).indexOf(c);
            if (i < 0 || i == malformed) {
                throw new IllegalArgumentException("no column '" + c + "' in the input (its columns: " + String.join(", ", schema.fieldNames()) + ")");
            }
            DataType t = schema.fields()[i].dataType();
            if (!(t instanceof NumericType) && !(t instanceof DecimalType) && !t.equals(DataTypes.StringType)) {
                throw new IllegalArgumentException("column '" + c + "' has type " + t.simpleString() + "; the model needs numbers (or strings of numbers)");
            }
            idx[j] = i;
        }
        List<StructField> out = new ArrayList<>();
        for (int i = 0; i < schema.fields().length; i++) if (i != malformed) out.add(schema.fields()[i]);
        for (String name : badRows == BadRows.NULL ? List.of(outputColumn, errorColumn()) : List.of(outputColumn)) {
            if (Arrays.asList(schema.fieldNames()).contains(name)) {
                throw new IllegalArgumentException("the input already has a column '" + name + "'; name the output otherwise");
            }
        }
        out.add(DataTypes.createStructField(outputColumn, DataTypes.DoubleType, true));
        if (badRows == BadRows.NULL) out.add(DataTypes.createStructField(errorColumn(), DataTypes.StringType, true));
        StructType outSchema = DataTypes.createStructType(out);
        Broadcast<ModelBundle> b = JavaSparkContext.fromSparkContext(input.sparkSession().sparkContext()).broadcast(bundle);
        Score f = new Score(b, engine, idx, cols.toArray(new String[0]), malformed, nt != null ? nt : model.nt(), standardised,
                badRows == BadRows.NULL, blockRows, rowCounter, badCounter);
        return input.mapPartitions(f, Encoders.row(outSchema));
    }

    /** The executor side: rows in blocks, bad rows sorted out, log-densities from the JVM's cached model and engine. */
    static final class Score implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<ModelBundle> bundle;
        private final EngineSpec engine;
        private final int[] idx;
        private final String[] names;
        private final int malformed;
        private final int nt;
        private final boolean standardised;
        private final boolean nullOnBad;
        private final int block;
        private final LongAccumulator rowCounter, badCounter;

        Score(Broadcast<ModelBundle> bundle, EngineSpec engine, int[] idx, String[] names, int malformed, int nt, boolean standardised,
              boolean nullOnBad, int block, LongAccumulator rowCounter, LongAccumulator badCounter) {
            this.rowCounter = rowCounter;
            this.badCounter = badCounter;
            this.bundle = bundle;
            this.engine = engine;
            this.idx = idx;
            this.names = names;
            this.malformed = malformed;
            this.nt = nt;
            this.standardised = standardised;
            this.nullOnBad = nullOnBad;
            this.block = block;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> input) {
            ExecutorModels.Loaded loaded = ExecutorModels.get(bundle.value(), engine);
            TaskContext tc = TaskContext.get();
            int partition = tc == null ? 0 : tc.partitionId();
            int d = idx.length;
            return new Iterator<>() {
                final Row[] rows = new Row[block];
                final String[] why = new String[block];
                final double[] x = new double[block * d];
                double[] logp = new double[0];
                int filled, next, seen;

                @Override public boolean hasNext() {
                    if (next < filled) return true;
                    fill();
                    return next < filled;
                }

                @Override public Row next() {
                    if (!hasNext()) throw new NoSuchElementException();
                    int k = next++;
                    Row r = rows[k];
                    rows[k] = null;
                    int width = r.length() - (malformed >= 0 ? 1 : 0);
                    Object[] v = new Object[width + (nullOnBad ? 2 : 1)];
                    for (int i = 0, o = 0; i < r.length(); i++) if (i != malformed) v[o++] = r.get(i);
                    v[width] = why[k] == null ? logp[valid[k]] : null;
                    if (nullOnBad) v[width + 1] = why[k];
                    return RowFactory.create(v);
                }

                final int[] valid = new int[block];

                private void fill() {
                    filled = 0;
                    next = 0;
                    int n = 0;
                    while (filled < block && input.hasNext()) {
                        Row r = input.next();
                        seen++;
                        String bad = read(r, x, n * d);
                        if (bad != null && !nullOnBad) {
                            throw new BadRowException("bad input row " + seen + " of partition " + partition + ": " + bad
                                    + "; fix or drop it, or give it a null log-density with --on-bad-row null");
                        }
                        rows[filled] = r;
                        why[filled] = bad;
                        valid[filled] = bad == null ? n++ : -1;
                        filled++;
                    }
                    if (rowCounter != null) rowCounter.add(filled);
                    if (badCounter != null) badCounter.add(filled - n);
                    if (n == 0) return;
                    double[] rowsX = n == block ? x : Arrays.copyOf(x, n * d);
                    int count = n;
                    logp = loaded.call((m, e) -> m.logDensity(e, nt, rowsX, count, standardised));
                }
            };
        }

        /** Writes the row's d values at x[off..]; returns null, or why the row is bad. */
        String read(Row r, double[] x, int off) {
            if (malformed >= 0 && !r.isNullAt(malformed)) {
                String raw = r.get(malformed).toString().strip();
                return "malformed record (wrong number of fields?): '" + (raw.length() > 60 ? raw.substring(0, 57) + "..." : raw) + "'";
            }
            for (int j = 0; j < idx.length; j++) {
                Object o = r.get(idx[j]);
                double v;
                if (o == null) return "column '" + names[j] + "' is null (empty or missing)";
                if (o instanceof Number num) {
                    v = num.doubleValue();
                } else {
                    String s = o.toString().strip();
                    try {
                        v = MatrixFile.parse(s);
                    } catch (NumberFormatException e) {
                        return "column '" + names[j] + "'" + (s.isEmpty() ? " is empty" : ": '" + (s.length() > 40 ? s.substring(0, 37) + "..." : s) + "' is not a number");
                    }
                }
                if (!Double.isFinite(v)) return "column '" + names[j] + "' is " + (Double.isNaN(v) ? "NaN" : v > 0 ? "+infinity" : "-infinity");
                x[off + j] = v;
            }
            return null;
        }
    }
}
