package org.cnf4j.spark;

import java.io.Serializable;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;

/**
 * The engine an executor builds, as the driver chose it: device (cpu, cuda, auto), precision and CPU worker threads
 * (0: as many as the executor has cores, so the tasks running at once share one engine's workers). Serializable,
 * unlike {@link EngineOptions}, which the executor makes from it.
 */
public record EngineSpec(String device, String dtype, int threads) implements Serializable {
    public EngineSpec {
        device = EngineOptions.normaliseDevice(device);
        String t = dtype == null ? "float64" : dtype.trim().toLowerCase(Locale.ROOT);
        if (!t.equals("float32") && !t.equals("float64")) throw new IllegalArgumentException("unknown --dtype '" + dtype + "': use float32 or float64");
        dtype = t;
        if (threads < 0) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
    }

    /** CPU, float64 (as {@code cnf4j logp} and {@code cnf4j sample}), one worker per executor core. */
    public static EngineSpec defaults() { return new EngineSpec("cpu", "float64", 0); }

    /** The options of the engine, with {@code threads} resolved against this JVM's Spark configuration. */
    public EngineOptions options() {
        return EngineOptions.defaults().withDevice(device).withDtype(DType.parse(dtype)).withThreads(threads > 0 ? threads : executorCores());
    }

    /**
     * The cores of this executor: {@code spark.executor.cores} when set, N of a {@code local[N]} master, else the
     * processors the JVM sees.
     */
    static int executorCores() {
        SparkEnv env = SparkEnv.get();
        int cpus = Runtime.getRuntime().availableProcessors();
        if (env == null) return cpus;
        SparkConf conf = env.conf();
        if (conf.contains("spark.executor.cores")) return Math.max(1, conf.getInt("spark.executor.cores", cpus));
        String master = conf.get("spark.master", "");
        var m = java.util.regex.Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?]").matcher(master);
        if (m.matches() && !m.group(1).equals("*")) return Math.max(1, Integer.parseInt(m.group(1)));
        return cpus;
    }
}
