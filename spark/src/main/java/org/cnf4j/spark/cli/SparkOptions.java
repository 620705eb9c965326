package org.cnf4j.spark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;
import org.cnf4j.spark.EngineSpec;
import picocli.CommandLine.Option;

/**
 * What every cnf4j-spark command shares: the Spark master and settings, and the engine each executor builds
 * ({@code --device}, {@code --dtype}, {@code --threads}, as the core commands), and {@code --verbose}.
 */
public final class SparkOptions {
    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master: local[N], local[*], spark://HOST:PORT, yarn, ... (default: the spark.master that spark-submit set, else local[*]).")
    String master;
    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting, as spark-submit's --conf (repeatable).")
    List<String> conf = new ArrayList<>();
    @Option(names = "--device", paramLabel = "cpu|cuda|auto", description = "Engine on each executor (default cpu).")
    String device;
    @Option(names = "--dtype", paramLabel = "float32|float64", description = "Engine precision (default: float64 for score and sample, as cnf4j logp and sample; float32 for sweep and train, "
                + "as cnf4j train).")
    String dtype;
    @Option(names = "--threads", description = "Engine worker threads: per executor for score and sample (default: the executor's cores), per task for sweep "
                + "cells (default 1) and train (default spark.task.cpus); results do not depend on it.")
    Integer threads;
    @Option(names = "--verbose", description = "Print stack traces on errors and Spark's log at INFO.")
    boolean verbose;

    EngineSpec engine() {
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        EngineSpec s = new EngineSpec(device == null ? "cpu" : device, dtype, threads == null ? 0 : threads);
        if (s.device().equals(EngineOptions.CUDA)) Engines.checkAvailable(EngineOptions.defaults().withDevice("cuda"));
        return s;
    }

    /** The Spark session: --master (or spark-submit's), --conf, the command's name as the application name. */
    SparkSession session(String command) {
        String m = master != null ? master : System.getProperty("spark.master", "local[*]");
        SparkSession.Builder b = SparkSession.builder().master(m).appName("cnf4j-spark " + command).config("spark.ui.showConsoleProgress", "false");
        if (m.startsWith("local")) b = b.config("spark.ui.enabled", "false");
        for (String kv : conf) {
            int eq = kv.indexOf('=');
            if (eq < 1) throw new IllegalArgumentException("--conf " + kv + ": use KEY=VALUE");
            b = b.config(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        SparkSession s = b.getOrCreate();
        if (!verbose) s.sparkContext().setLogLevel("WARN");
        return s;
    }

    static String lower(String s) { return s == null ? null : s.trim().toLowerCase(Locale.ROOT); }
}
