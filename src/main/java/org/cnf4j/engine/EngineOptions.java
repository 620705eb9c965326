package org.cnf4j.engine;

import java.util.Locale;
import org.cnf4j.backend.DType;

/**
 * Everything that chooses and tunes a compute engine, in one value: the device, the precision, the CPU worker
 * threads and the memory/speed knobs of each engine. {@link #defaults()} is what every command uses unless told
 * otherwise; the engines read nothing else (no system properties), so two engines in one process can differ.
 *
 * @param device             {@code cpu}, {@code cuda} or {@code auto} (cuda when a driver and device answer, else cpu)
 * @param dtype              storage and BLAS precision (arithmetic in the fused loops is always double)
 * @param threads            CPU worker threads (each with its own buffers and single-threaded BLAS)
 * @param chunkColumns       CPU: target columns (samples x d) of a chunk's K_i J products
 * @param productBudgetBytes CPU: per-worker memory for keeping every stage's K_i J products through the reverse pass
 * @param cudaDevice         CUDA: device ordinal
 * @param cudaMath           CUDA: GEMM mode: {@code default}, {@code pedantic}, {@code tf32} or {@code bf16x9}
 * @param cudaDebugSync      CUDA: synchronise and check after every launch (slow; for finding a failing kernel)
 * @param cudaMaxBytes       CUDA: memory budget of a chunk's Jacobians; larger batches are cut into chunks
 * @param cudaMaxChunk       CUDA: most samples per chunk
 * @param cudaStoreBytes     CUDA: memory for keeping every stage's K_l J_{l-1} through the reverse pass
 * @param cudaStoreProducts  CUDA: whether to keep them at all (false: recompute, as the CPU engine does past its budget)
 * @param cudaGraphs         CUDA: replay repeated single-chunk loss evaluations from a captured CUDA graph
 * @param memoryCheck        refuse a run or command whose {@link MemoryEstimate} exceeds the memory limits before it
 *                           allocates (default); off, it tries anyway (an OutOfMemoryError may follow)
 */
public record EngineOptions(String device, DType dtype, int threads, int chunkColumns, long productBudgetBytes,
                            int cudaDevice, String cudaMath, boolean cudaDebugSync, long cudaMaxBytes, int cudaMaxChunk,
                            long cudaStoreBytes, boolean cudaStoreProducts, boolean cudaGraphs, boolean memoryCheck) {
    /** The devices {@link #device} accepts. */
    public static final String CPU = "cpu", CUDA = "cuda", AUTO = "auto";

    public EngineOptions {
        device = normaliseDevice(device);
        if (dtype == null) throw new IllegalArgumentException("dtype is required");
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (chunkColumns < 1) throw new IllegalArgumentException("chunk columns must be >= 1, got " + chunkColumns);
        if (productBudgetBytes < 0) throw new IllegalArgumentException("product budget must be >= 0, got " + productBudgetBytes);
        if (cudaDevice < 0) throw new IllegalArgumentException("CUDA device ordinal must be >= 0, got " + cudaDevice);
        cudaMath = cudaMath == null ? "default" : cudaMath.trim().toLowerCase(Locale.ROOT);
        if (!java.util.Set.of("default", "pedantic", "tf32", "bf16x9").contains(cudaMath)) {
            throw new IllegalArgumentException("CUDA math mode must be default, pedantic, tf32 or bf16x9, got " + cudaMath);
        }
        if (cudaMaxBytes < 1) throw new IllegalArgumentException("CUDA max bytes must be >= 1, got " + cudaMaxBytes);
        if (cudaMaxChunk < 1) throw new IllegalArgumentException("CUDA max chunk must be >= 1, got " + cudaMaxChunk);
        if (cudaStoreBytes < 0) throw new IllegalArgumentException("CUDA store bytes must be >= 0, got " + cudaStoreBytes);
    }

    /** CPU, float32, 2 threads, and each engine's measured defaults (docs/DESIGN.md, docs/GPU.md). */
    public static EngineOptions defaults() {
        return new EngineOptions(CPU, DType.FLOAT32, 2, 4096, 256L << 20, 0, "default", false, 16L << 30, Integer.MAX_VALUE,
                32L << 30, true, true, true);
    }

    /** The CPU engine with this precision and thread count, everything else at its default. */
    public static EngineOptions cpu(DType dtype, int threads) {
        return defaults().withDtype(dtype).withThreads(threads);
    }

    /** Lower case; "gpu" is taken for "cuda". */
    public static String normaliseDevice(String device) {
        String dv = device == null ? CPU : device.trim().toLowerCase(Locale.ROOT);
        if (dv.equals("gpu")) dv = CUDA;
        if (!dv.equals(CPU) && !dv.equals(CUDA) && !dv.equals(AUTO)) {
            throw new IllegalArgumentException("unknown device '" + device + "': use cpu, cuda or auto");
        }
        return dv;
    }

    public EngineOptions withDevice(String v) { return edit(e -> e.device = v); }

    public EngineOptions withDtype(DType v) { return edit(e -> e.dtype = v); }

    public EngineOptions withThreads(int v) { return edit(e -> e.threads = v); }

    public EngineOptions withProductBudgetBytes(long v) { return edit(e -> e.productBudgetBytes = v); }

    public EngineOptions withChunkColumns(int v) { return edit(e -> e.chunkColumns = v); }

    public EngineOptions withCudaMath(String v) { return edit(e -> e.cudaMath = v); }

    /**
     * The GPU products as users name them (--gpu-math, FlowBuilder.gpuMath): fp32, strict (cuBLAS default math), or
     * tf32, the Hessian trace's products on the tensor cores. It means nothing to the CPU engine, so tf32 there is an
     * error rather than silently ignored; with device auto it applies when the GPU is taken.
     */
    public EngineOptions withGpuMath(String mode) {
        String g = mode == null ? "" : mode.trim().toLowerCase(Locale.ROOT);
        if (!g.equals("fp32") && !g.equals("tf32")) throw new IllegalArgumentException("unknown GPU math '" + mode + "': use fp32 or tf32");
        if (g.equals("tf32") && device.equals(CPU)) {
            throw new IllegalArgumentException("GPU math tf32 applies to the GPU engine: use device cuda (or auto), or leave it out");
        }
        return withCudaMath(g.equals("fp32") ? "default" : g);
    }

    public EngineOptions withCudaMaxChunk(int v) { return edit(e -> e.cudaMaxChunk = v); }

    public EngineOptions withCudaStoreProducts(boolean v) { return edit(e -> e.cudaStoreProducts = v); }

    public EngineOptions withMemoryCheck(boolean v) { return edit(e -> e.memoryCheck = v); }

    public EngineOptions withCudaGraphs(boolean v) { return edit(e -> e.cudaGraphs = v); }

    /** These options with {@code change} applied to a mutable copy (one place that lists every component in order). */
    private EngineOptions edit(java.util.function.Consumer<Edit> change) {
        Edit e = new Edit(this);
        change.accept(e);
        return new EngineOptions(e.device, e.dtype, e.threads, e.chunkColumns, e.productBudgetBytes, e.cudaDevice, e.cudaMath, e.cudaDebugSync,
                e.cudaMaxBytes, e.cudaMaxChunk, e.cudaStoreBytes, e.cudaStoreProducts, e.cudaGraphs, e.memoryCheck);
    }

    /** A mutable copy for {@link #edit}; validation happens when the record is built from it. */
    private static final class Edit {
        String device, cudaMath;
        DType dtype;
        int threads, chunkColumns, cudaDevice, cudaMaxChunk;
        long productBudgetBytes, cudaMaxBytes, cudaStoreBytes;
        boolean cudaDebugSync, cudaStoreProducts, cudaGraphs, memoryCheck;

        Edit(EngineOptions o) {
            device = o.device; dtype = o.dtype; threads = o.threads; chunkColumns = o.chunkColumns; productBudgetBytes = o.productBudgetBytes;
            cudaDevice = o.cudaDevice; cudaMath = o.cudaMath; cudaDebugSync = o.cudaDebugSync; cudaMaxBytes = o.cudaMaxBytes;
            cudaMaxChunk = o.cudaMaxChunk; cudaStoreBytes = o.cudaStoreBytes; cudaStoreProducts = o.cudaStoreProducts; cudaGraphs = o.cudaGraphs;
            memoryCheck = o.memoryCheck;
        }
    }

    /**
     * These options with the tuning knobs that are set as {@code cnf4j.*} system properties in {@code props} (the
     * names the GPU scripts and earlier releases used: cnf4j.chunkColumns, cnf4j.productBudgetBytes,
     * cnf4j.cuda.device, .math, .debugSync, .maxBytes, .maxChunk, .storeBytes, .recompute, .graphs; cnf4j.memoryCheck). Only the
     * command-line launcher calls this; the library never reads system properties itself.
     */
    public EngineOptions withOverrides(java.util.Properties props) {
        return new EngineOptions(device, dtype, threads,
                intProp(props, "cnf4j.chunkColumns", chunkColumns),
                longProp(props, "cnf4j.productBudgetBytes", productBudgetBytes),
                intProp(props, "cnf4j.cuda.device", cudaDevice),
                props.getProperty("cnf4j.cuda.math", cudaMath),
                boolProp(props, "cnf4j.cuda.debugSync", cudaDebugSync),
                longProp(props, "cnf4j.cuda.maxBytes", cudaMaxBytes),
                intProp(props, "cnf4j.cuda.maxChunk", cudaMaxChunk),
                longProp(props, "cnf4j.cuda.storeBytes", cudaStoreBytes),
                !boolProp(props, "cnf4j.cuda.recompute", !cudaStoreProducts),
                boolProp(props, "cnf4j.cuda.graphs", cudaGraphs),
                boolProp(props, "cnf4j.memoryCheck", memoryCheck));
    }

    private static int intProp(java.util.Properties p, String key, int dflt) {
        long v = longProp(p, key, dflt);
        if (v != (int) v) throw new IllegalArgumentException("-D" + key + " is out of range, got " + v);
        return (int) v;
    }

    private static long longProp(java.util.Properties p, String key, long dflt) {
        String v = p.getProperty(key);
        if (v == null) return dflt;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + key + " must be an integer, got '" + v + "'");
        }
    }

    private static boolean boolProp(java.util.Properties p, String key, boolean dflt) {
        String v = p.getProperty(key);
        if (v == null) return dflt;
        String t = v.trim().toLowerCase(Locale.ROOT);
        if (!t.equals("true") && !t.equals("false")) throw new IllegalArgumentException("-D" + key + " must be true or false, got '" + v + "'");
        return t.equals("true");
    }
}
