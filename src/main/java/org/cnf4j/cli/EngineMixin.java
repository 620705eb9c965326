package org.cnf4j.cli;

import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;
import picocli.CommandLine.Option;

/**
 * The options every command that runs a model shares: {@code --device}, {@code --dtype}, {@code --threads},
 * {@code --gpu-math} and {@code --verbose}. Each command says its own defaults (training in float32, evaluation in float64) through
 * {@link #options}; the engine's tuning knobs come from {@code -Dcnf4j.*} properties
 * ({@link EngineOptions#withOverrides}). {@code --verbose} is read by {@link Main} for stack traces.
 */
public final class EngineMixin {
    @Option(names = "--device", paramLabel = "cpu|cuda|auto", description = "Compute engine: cpu, cuda or auto (cuda when a driver and device answer, else cpu; default cpu).")
    String device;
    @Option(names = "--dtype", paramLabel = "float32|float64", description = "Precision of the engine (default: float32 for train and bench, float64 otherwise).")
    String dtype;
    @Option(names = "--threads", description = "CPU worker threads (default 2; bench 1).")
    Integer threads;
    @Option(names = "--gpu-math", paramLabel = "fp32|tf32", description = "GPU matrix products (--device cuda or auto): fp32 (default, strict float32) "
            + "or tf32 (opt-in: the Hessian trace's big products on the tensor cores, operands rounded to 10 mantissa bits, sums in "
            + "float32; 1.7-2.2x faster at large sizes on an H200, see docs/GPU.md).")
    String gpuMath;
    @Option(names = "--verbose", description = "Print stack traces on errors.")
    boolean verbose;

    /** The engine options these flags give, with the command's default precision and threads where a flag is absent. */
    EngineOptions options(DType defaultDtype, int defaultThreads) {
        int t = threads != null ? threads : defaultThreads;
        if (t < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + t);
        // each worker runs its own single-threaded BLAS: more workers than processors only share the same cores, each
        // step slower than with as many as there are (and every worker holds buffers of its own)
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads != null && t > cores)
            throw new IllegalArgumentException("--threads " + t + " is more than the " + cores + " processors this machine has; use at most " + cores);
        EngineOptions o = EngineOptions.defaults().withDevice(device).withDtype(dtype(defaultDtype)).withThreads(t)
                .withOverrides(System.getProperties());
        return gpuMath == null ? o : o.withGpuMath(gpuMath);
    }

    /** {@link #options}, after checking that the device answers (so nothing is written for a run that cannot start). */
    EngineOptions checkedOptions(DType defaultDtype, int defaultThreads) {
        EngineOptions o = options(defaultDtype, defaultThreads);
        Engines.checkAvailable(o);
        return o;
    }

    DType dtype(DType dflt) {
        if (dtype == null) return dflt;
        String t = dtype.trim().toLowerCase(java.util.Locale.ROOT);
        if (!t.equals("float32") && !t.equals("float64")) throw new IllegalArgumentException("unknown --dtype '" + dtype + "': use float32 or float64");
        return DType.parse(t);
    }

    /** Whether --dtype was given. */
    boolean dtypeGiven() { return dtype != null; }

    /** Whether --threads was given. */
    boolean threadsGiven() { return threads != null; }
}
