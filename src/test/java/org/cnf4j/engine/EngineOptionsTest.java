package org.cnf4j.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Properties;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.model.PhiShape;
import org.junit.jupiter.api.Test;

/** EngineOptions: the one value engines read, and the only place the old cnf4j.* properties are mapped. */
class EngineOptionsTest {
    @Test
    void defaultsAreTheMeasuredOnes() {
        EngineOptions o = EngineOptions.defaults();
        assertEquals("cpu", o.device());
        assertEquals(DType.FLOAT32, o.dtype());
        assertEquals(2, o.threads());
        assertEquals(4096, o.chunkColumns());
        assertEquals(256L << 20, o.productBudgetBytes());
        assertTrue(o.cudaStoreProducts());
        assertTrue(o.cudaGraphs());
        assertEquals("default", o.cudaMath());
    }

    @Test
    void devicesAreNormalisedAndCheckedAtConstruction() {
        assertEquals("cuda", EngineOptions.defaults().withDevice("GPU").device());
        assertEquals("auto", EngineOptions.defaults().withDevice(" Auto ").device());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EngineOptions.defaults().withDevice("tpu"));
        assertEquals("unknown device 'tpu': use cpu, cuda or auto", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EngineOptions.defaults().withThreads(0));
        assertThrows(IllegalArgumentException.class, () -> EngineOptions.defaults().withCudaMath("fp8"));
        EngineOptions gpu = EngineOptions.defaults().withDevice("cuda");
        assertEquals("tf32", gpu.withGpuMath(" TF32 ").cudaMath());
        assertEquals("default", gpu.withGpuMath("fp32").cudaMath());
        assertEquals("tf32", EngineOptions.defaults().withDevice("auto").withGpuMath("tf32").cudaMath(), "auto: for when the GPU is taken");
        assertEquals("default", EngineOptions.defaults().withGpuMath("fp32").cudaMath(), "fp32 on the CPU is what it does anyway");
        assertThrows(IllegalArgumentException.class, () -> EngineOptions.defaults().withGpuMath("tf32"));
        assertThrows(IllegalArgumentException.class, () -> gpu.withGpuMath("bf16"));
        assertThrows(IllegalArgumentException.class, () -> gpu.withGpuMath(null));
    }

    @Test
    void propertiesOverrideOnlyWhatTheyName() {
        Properties p = new Properties();
        p.setProperty("cnf4j.chunkColumns", "1024");
        p.setProperty("cnf4j.cuda.recompute", "true");
        p.setProperty("cnf4j.cuda.math", "TF32");
        EngineOptions o = EngineOptions.cpu(DType.FLOAT64, 3).withOverrides(p);
        assertEquals(1024, o.chunkColumns());
        assertFalse(o.cudaStoreProducts());
        assertEquals("tf32", o.cudaMath());
        assertEquals(3, o.threads());
        assertEquals(DType.FLOAT64, o.dtype());
        assertEquals(EngineOptions.defaults().productBudgetBytes(), o.productBudgetBytes());
        assertEquals(EngineOptions.cpu(DType.FLOAT64, 3), EngineOptions.cpu(DType.FLOAT64, 3).withOverrides(new Properties()));
    }

    @Test
    void badPropertyValuesAreOneLineUsageErrors() {
        Properties p = new Properties();
        p.setProperty("cnf4j.cuda.maxChunk", "lots");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EngineOptions.defaults().withOverrides(p));
        assertEquals("-Dcnf4j.cuda.maxChunk must be an integer, got 'lots'", e.getMessage());
        p.setProperty("cnf4j.cuda.maxChunk", "99999999999");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EngineOptions.defaults().withOverrides(p)).getMessage().contains("out of range"));
        Properties b = new Properties();
        b.setProperty("cnf4j.cuda.graphs", "maybe");
        assertThrows(IllegalArgumentException.class, () -> EngineOptions.defaults().withOverrides(b));
    }

    @Test
    void theFactoryGivesTheCpuEngineWithTheseOptions() {
        try (FlowEngine e = Engines.create(new PhiShape(2, 4, 2), EngineOptions.cpu(DType.FLOAT64, 1))) {
            assertInstanceOf(CpuFlowEngine.class, e);
            assertEquals("cpu, 1 thread, float64", e.describe());
        }
    }
}
