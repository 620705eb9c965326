package org.cnf4j.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.cnf4j.run.RunModel;

/**
 * Samples of a flow as a Spark Dataset, drawn in parallel: partition i of P draws {@link #partitionCount n_i} samples
 * (n / P, the first n mod P partitions one more) by {@code RunModel.sample} with seed {@link #partitionSeed(long, int)
 * partitionSeed(S, i)}, so the result depends only on (n, P, S) and partition i holds exactly what
 * {@code cnf4j sample -n n_i --seed partitionSeed(S, i)} writes. Columns {@code x0 .. x(d-1)} in the data's units and,
 * with {@link #withLogp}, {@code logp}.
 */
public final class FlowSampler {
    private final ModelBundle bundle;
    private final RunModel model;
    private Integer nt;
    private EngineSpec engine = EngineSpec.defaults();
    private boolean withLogp;

    private FlowSampler(ModelBundle bundle, RunModel model) {
        this.bundle = bundle;
        this.model = model;
    }

    /** A sampler for the model of run directory {@code runDir}. */
    public static FlowSampler of(Path runDir) throws IOException {
        ModelBundle b = ModelBundle.of(runDir);
        return new FlowSampler(b, b.open());
    }

    public static FlowSampler of(ModelBundle bundle) throws IOException {
        return new FlowSampler(bundle, bundle.open());
    }

    public int dimension() { return model.d(); }

    /** RK4 steps per map (default: the run's nt_val). */
    public FlowSampler withNt(int steps) {
        if (steps < 1) throw new IllegalArgumentException("--nt must be >= 1, got " + steps);
        this.nt = steps;
        return this;
    }

    public FlowSampler withEngine(EngineSpec spec) {
        this.engine = spec;
        return this;
    }

    /** Add each sample's log-density (data units) as a last column {@code logp}. */
    public FlowSampler withLogp(boolean on) {
        this.withLogp = on;
        return this;
    }

    /** The seed of partition i for run seed S: SplitMix64 of S and i (distinct streams for distinct i). */
    public static long partitionSeed(long seed, int partition) {
        long z = seed + 0x9E3779B97F4A7C15L * (partition + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** How many of n samples partition i of P draws. */
    public static int partitionCount(long n, int partitions, int partition) {
        long c = n / partitions + (partition < n % partitions ? 1 : 0);
        return (int) c;
    }

    /** The output schema: x0 .. x(d-1) and, with logp, logp. */
    public StructType schema() {
        List<StructField> f = new ArrayList<>();
        for (int j = 0; j < model.d(); j++) f.add(DataTypes.createStructField("x" + j, DataTypes.DoubleType, false));
        if (withLogp) f.add(DataTypes.createStructField("logp", DataTypes.DoubleType, false));
        return DataTypes.createStructType(f);
    }

    /** n samples in {@code partitions} partitions from seed {@code seed} (lazy). */
    public Dataset<Row> sample(SparkSession spark, long n, int partitions, long seed) {
        if (n < 1) throw new IllegalArgumentException("-n must be >= 1, got " + n);
        if (partitions < 1) throw new IllegalArgumentException("--partitions must be >= 1, got " + partitions);
        long most = n / partitions + (n % partitions == 0 ? 0 : 1);
        if (most * (model.d() + 3) > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("-n " + n + " in " + partitions + " partitions is " + most + " samples per partition, too many; use more --partitions");
        }
        Broadcast<ModelBundle> b = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(bundle);
        Draw f = new Draw(b, engine, nt != null ? nt : model.nt(), n, partitions, seed, withLogp);
        return spark.range(0, partitions, 1, partitions).toDF("partition").mapPartitions(f, Encoders.row(schema()));
    }

    /** The executor side: each partition id i in the range draws its n_i samples with its own seed. */
    static final class Draw implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<ModelBundle> bundle;
        private final EngineSpec engine;
        private final int nt, partitions;
        private final long n, seed;
        private final boolean withLogp;

        Draw(Broadcast<ModelBundle> bundle, EngineSpec engine, int nt, long n, int partitions, long seed, boolean withLogp) {
            this.bundle = bundle;
            this.engine = engine;
            this.nt = nt;
            this.n = n;
            this.partitions = partitions;
            this.seed = seed;
            this.withLogp = withLogp;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> ids) {
            ExecutorModels.Loaded loaded = ExecutorModels.get(bundle.value(), engine);
            List<Row> out = new ArrayList<>();
            while (ids.hasNext()) {
                int i = (int) ids.next().getLong(0);
                int count = partitionCount(n, partitions, i);
                if (count == 0) continue;
                int d = loaded.model().d();
                double[] logp = withLogp ? new double[count] : null;
                double[] x = loaded.call((m, e) -> m.sample(e, nt, count, partitionSeed(seed, i), logp, false, false));
                for (int k = 0; k < count; k++) {
                    Object[] v = new Object[d + (withLogp ? 1 : 0)];
                    for (int j = 0; j < d; j++) v[j] = x[k * d + j];
                    if (withLogp) v[d] = logp[k];
                    out.add(RowFactory.create(v));
                }
            }
            return out.iterator();
        }
    }
}
