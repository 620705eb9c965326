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

    /** Null when a CUDA driver and device answer, else the one-line reason ({@code --device cuda} fails with it). */
    public static String cudaUnavailableReason() { return CudaFlowEngine.unavailableReason(); }
}
