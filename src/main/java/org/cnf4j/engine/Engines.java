package org.cnf4j.engine;

import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.engine.cuda.CudaFlowEngine;
import org.cnf4j.engine.cuda.CudaUnavailableException;
import org.cnf4j.model.PhiShape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place engines are made: {@code cpu} ({@link CpuFlowEngine}), {@code cuda} ({@link CudaFlowEngine}; a
 * {@link CudaUnavailableException} with a one-line message when no driver, device or library answers) or
 * {@code auto} (cuda when a device and driver answer, else cpu). Every command and the Java API go through it.
 */
public final class Engines {
    private static final Logger LOG = LoggerFactory.getLogger(Engines.class);

    private Engines() {}

    /** An engine for models of {@code shape}; {@link FlowEngine#describe} says which one it is. */
    public static FlowEngine create(PhiShape shape, EngineOptions options) {
        switch (options.device()) {
            case EngineOptions.CPU:
                return new CpuFlowEngine(shape, options);
            case EngineOptions.CUDA:
                return CudaFlowEngine.open(shape, options);
            default: // auto
                try {
                    return CudaFlowEngine.open(shape, options);
                } catch (CudaUnavailableException e) {
                    LOG.info("device auto: using cpu: {}", e.getMessage());
                    return new CpuFlowEngine(shape, options);
                }
        }
    }

    /**
     * Fails with the one-line {@link CudaUnavailableException} when {@code options} ask for cuda and none answers:
     * commands call it before they write anything.
     */
    public static void checkAvailable(EngineOptions options) {
        if (!options.device().equals(EngineOptions.CUDA)) return;
        String why = cudaUnavailableReason();
        if (why != null) throw new CudaUnavailableException(why);
    }

    /**
     * The host memory an engine of {@code options} takes for one kind of call on n samples (see
     * {@link CpuFlowEngine#memory}). A CUDA engine keeps its buffers on the device, which it cuts into chunks by its
     * own budget (EngineOptions.cudaMaxBytes); on the host it holds the states it uploads and downloads. {@code auto}
     * counts the engine it would choose.
     */
    public static MemoryEstimate.Bytes memory(PhiShape shape, EngineOptions options, int n, int nt, int stages, boolean gradient) {
        boolean cuda = options.device().equals(EngineOptions.CUDA) || (options.device().equals(EngineOptions.AUTO) && cudaUnavailableReason() == null);
        if (!cuda) return CpuFlowEngine.memory(shape, options, n, nt, stages, gradient);
        return new MemoryEstimate.Bytes(8.0 * 3 * n * (shape.d() + 3) + (gradient ? 16.0 * org.cnf4j.model.PhiParams.count(shape) : 0), 0);
    }

    /** Null when a CUDA driver and device answer, else the one-line reason ({@code --device cuda} fails with it). */
    public static String cudaUnavailableReason() { return CudaFlowEngine.unavailableReason(); }
}
