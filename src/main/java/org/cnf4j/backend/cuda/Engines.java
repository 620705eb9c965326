package org.cnf4j.backend.cuda;

import java.util.Locale;
import org.cnf4j.backend.DType;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.CpuFlowEngine;
import org.cnf4j.ode.FlowEngine;

/**
 * Chooses the compute engine: {@code cpu} ({@link CpuFlowEngine}), {@code cuda}
 * ({@link CudaFlowEngine}; a {@link CudaUnavailableException} with a one-line message when no driver,
 * device or library answers) or {@code auto} (cuda when a device and driver answer, else cpu; the
 * choice is logged on stderr).
 */
public final class Engines {
    private Engines() {}

    public static FlowEngine create(String device, PhiShape shape, DType dtype, int threads) {
        String dv = device == null ? "auto" : device.toLowerCase(Locale.ROOT);
        switch (dv) {
            case "cpu":
                return new CpuFlowEngine(shape, dtype, threads);
            case "cuda":
            case "gpu":
                return new CudaFlowEngine(shape, dtype);
            case "auto":
                try {
                    CudaFlowEngine e = new CudaFlowEngine(shape, dtype);
                    System.err.println("cnf4j: device auto: using cuda, " + e.device() + ", " + dtype.label());
                    return e;
                } catch (CudaUnavailableException e) {
                    System.err.println("cnf4j: device auto: using cpu (" + threads + " threads, " + dtype.label() + "): " + e.getMessage());
                    return new CpuFlowEngine(shape, dtype, threads);
                }
            default:
                throw new IllegalArgumentException("unknown device '" + device + "': use cpu, cuda or auto");
        }
    }

    /**
     * Whether a CUDA driver and device answer: null when they do, else the one-line reason
     * (the message {@code --device cuda} would fail with).
     */
    public static String cudaUnavailableReason() {
        try {
            CudaDev.probe();
            return null;
        } catch (CudaUnavailableException e) {
            return e.getMessage();
        }
    }
}
