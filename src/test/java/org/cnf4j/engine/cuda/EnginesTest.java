package org.cnf4j.engine.cuda;

import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.cnf4j.backend.DType;
import org.cnf4j.model.PhiShape;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.engine.FlowEngine;
import org.junit.jupiter.api.Test;

/** Device selection on a machine without a CUDA driver (CI); on a GPU machine the no-driver cases do not apply. */
class EnginesTest {
    static final PhiShape SHAPE = new PhiShape(2, 8, 2);

    @Test
    void cpuIsTheCpuEngine() {
        try (FlowEngine e = Engines.create(SHAPE, EngineOptions.cpu(DType.FLOAT64, 1).withDevice("cpu"))) {
            assertInstanceOf(CpuFlowEngine.class, e);
        }
    }

    @Test
    void cudaWithoutDriverFailsWithOneClearLine() {
        String reason = Engines.cudaUnavailableReason();
        assumeTrue(reason != null, "a CUDA driver and device answer here");
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> Engines.create(SHAPE, EngineOptions.cpu(DType.FLOAT32, 1).withDevice("cuda")));
        assertEquals(reason, e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("no CUDA driver/device found") || e.getMessage().contains("not loadable"), e.getMessage());
        assertTrue(e.getMessage().endsWith("use --device cpu"), e.getMessage());
        if (!new java.io.File("/usr/lib/x86_64-linux-gnu/libcuda.so.1").exists() && System.getenv("LD_LIBRARY_PATH") == null) {
            assertEquals("no CUDA driver/device found (libcuda.so.1 not loadable): use --device cpu", e.getMessage());
        }
    }

    @Test
    void autoFallsBackToCpuWithoutDriver() {
        assumeTrue(Engines.cudaUnavailableReason() != null, "a CUDA driver and device answer here");
        try (FlowEngine e = Engines.create(SHAPE, EngineOptions.cpu(DType.FLOAT32, 1).withDevice("auto"))) {
            assertInstanceOf(CpuFlowEngine.class, e);
        }
    }

    @Test
    void unknownDeviceIsAUsageError() {
        assertThrows(IllegalArgumentException.class, () -> Engines.create(SHAPE, EngineOptions.cpu(DType.FLOAT32, 1).withDevice("tpu")));
    }
}
