package org.cnf4j.engine.cuda;

import org.cnf4j.engine.EngineOptions;

/**
 * Makes {@code cuda} engines run on the Java twins of the kernels ({@link JavaDev}) until closed, so the command
 * line's GPU path (Engines, CudaFlowEngine, every command's --device) is exercised on a machine without a GPU.
 */
public final class Emulation implements AutoCloseable {
    private final CudaFlowEngine.DeviceSource saved;

    private Emulation() {
        saved = CudaFlowEngine.devices;
        CudaFlowEngine.devices = new CudaFlowEngine.DeviceSource() {
            @Override public Dev open(EngineOptions options) { return new JavaDev(options.dtype(), options.cudaMath()); }

            @Override public String unavailableReason() { return null; }
        };
    }

    /** Installs the emulation; close it to get the real GPU back. */
    public static Emulation install() { return new Emulation(); }

    @Override public void close() { CudaFlowEngine.devices = saved; }
}
