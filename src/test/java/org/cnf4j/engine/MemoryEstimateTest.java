package org.cnf4j.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.cnf4j.backend.BlasStaging;
import org.cnf4j.backend.DType;
import org.cnf4j.backend.Mat;
import org.cnf4j.engine.cpu.ChunkFlow;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.model.PhiWeights;
import org.cnf4j.ode.Alpha;
import org.cnf4j.ode.Tableau;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The memory estimates follow what the engine allocates, and a refusal says how much, of what, and what to change. */
class MemoryEstimateTest {
    static final double GB = 1 << 30;

    static double[] points(int n, int d) {
        SplittableRandom r = new SplittableRandom(n * 31L + d);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian();
        return x;
    }

    @ParameterizedTest(name = "d={0} m={1} nTh={2} {3} cs={4} nt={5} record={6} budget={7}")
    @CsvSource({"2,32,2,float32,512,8,true,268435456", "24,6,3,float64,40,3,true,268435456", "5,16,3,float32,100,2,false,268435456",
        "2,8,2,float64,7,4,true,0", "30,4,2,float32,9,2,true,268435456"})
    void aChunkFlowAllocatesWhatItsEstimateSays(int d, int m, int nTh, String dtype, int cs, int nt, boolean record, long budget) {
        PhiShape s = new PhiShape(d, m, nTh);
        DType t = DType.parse(dtype);
        long before = Mat.createdBytes(), nativeBefore = BlasStaging.allocatedBytes();
        PhiWeights w = new PhiWeights(PhiParams.initialise(s, 3), t);
        assertEquals(PhiWeights.matrixBytes(s, t), Mat.createdBytes() - before, 0.0, "weights");
        assertEquals(PhiWeights.matrixBytes(s, t), BlasStaging.allocatedBytes() - nativeBefore, 0.0, "weights' native copies");
        before = Mat.createdBytes();
        nativeBefore = BlasStaging.allocatedBytes();
        ChunkFlow f = new ChunkFlow(s, t, cs, budget);
        f.kernel().reset(w);
        int width = d + 3;
        double[] z = new double[cs * width];
        double[] x = points(cs, d);
        for (int i = 0; i < cs; i++) System.arraycopy(x, i * d, z, i * width, d);
        f.forward(w, z, 0, 0, 1, nt, Tableau.RK4, 1.0, record);
        if (record) f.backward(new double[cs * width], 0);
        // and again: the slots are reused, nothing new is allocated
        f.forward(w, z, 0, 0, 1, nt, Tableau.RK4, 1.0, record);
        assertEquals(ChunkFlow.matrixBytes(s, t, cs, nt, 4, record, budget), Mat.createdBytes() - before, 0.0, "chunk flow's matrices");
        assertEquals(ChunkFlow.bytes(s, t, cs, nt, 4, record, budget)[1], BlasStaging.allocatedBytes() - nativeBefore, 0.0, "chunk flow, off the heap");
        assertTrue(ChunkFlow.bytes(s, t, cs, nt, 4, record, budget)[0] > ChunkFlow.matrixBytes(s, t, cs, nt, 4, record, budget), "the heap part holds the matrices");
    }

    @Test
    void theCpuEngineEstimateCoversALossEvaluation() {
        PhiShape s = new PhiShape(3, 16, 3);
        PhiParams p = PhiParams.initialise(s, 1);
        int n = 999;   // chunks of two sizes
        EngineOptions o = EngineOptions.cpu(DType.FLOAT32, 1).withProductBudgetBytes(1 << 20);
        try (CpuFlowEngine e = new CpuFlowEngine(s, o)) {
            long before = Mat.createdBytes(), nativeBefore = BlasStaging.allocatedBytes();
            e.loss(p, points(n, 3), n, 5, Tableau.RK4, new Alpha(1, 10, 1), true);
            double used = BlasStaging.allocatedBytes() - nativeBefore, matrices = Mat.createdBytes() - before;
            MemoryEstimate.Bytes est = CpuFlowEngine.memory(s, o, n, 5, 4, true);
            // one worker met both chunk sizes; the estimate also counts the previous step's weights, not yet collected
            assertEquals(used + PhiWeights.matrixBytes(s, DType.FLOAT32), est.offHeap(), 0.0);
            assertTrue(matrices + PhiWeights.matrixBytes(s, DType.FLOAT32) < est.heap(), matrices + " of matrices, estimate " + est.heap());
        }
    }

    @Test
    void theParameterCountIsTheLayoutsAndDoesNotOverflow() {
        for (PhiShape s : new PhiShape[] {new PhiShape(2, 32, 2), new PhiShape(43, 256, 3), new PhiShape(9, 5, 4)}) {
            assertEquals(new PhiParams(s).size(), PhiParams.count(s), s.toString());
        }
        assertEquals(1e10, PhiParams.count(new PhiShape(2, 100_000, 2)), 1e6, "width 100000: 10^10 parameters, beyond an int");
    }

    @Test
    void aRefusalNamesTheNeedTheLargestPartTheLimitAndWhatToChange() {
        MemoryEstimate est = new MemoryEstimate("this run").add("the parameters", 30 * GB, 0).add("the batches", 7 * GB, 1 * GB);
        NotEnoughMemoryException heap = assertThrows(NotEnoughMemoryException.class,
                () -> est.check(new MemoryEstimate.Limits(4 * GB, 64 * GB), "use a smaller --width or --batch"));
        assertEquals("this run needs about 37 GB of Java heap, 30 GB of it for the parameters; the heap allows 4.0 GB: use a smaller --width or --batch, "
                + "or more heap (-Xmx)", heap.getMessage());
        assertEquals(NotEnoughMemoryException.Kind.HEAP, heap.kind());
        assertEquals(37 * GB, heap.needBytes(), 0.0);

        MemoryEstimate off = new MemoryEstimate("sampling").add("the engine", 1 * GB, 20 * GB);
        NotEnoughMemoryException all = assertThrows(NotEnoughMemoryException.class, () -> off.check(new MemoryEstimate.Limits(4 * GB, 12 * GB), "use a smaller -n"));
        assertEquals(NotEnoughMemoryException.Kind.PHYSICAL, all.kind());
        assertTrue(all.getMessage().startsWith("sampling needs about 21 GB on and off the heap, 21 GB of it for the engine; the memory limit"), all.getMessage());
        assertTrue(all.getMessage().contains("allows 12 GB: use a smaller -n, or a higher limit (-Dorg.bytedeco.javacpp.maxphysicalbytes)"), all.getMessage());

        new MemoryEstimate("small").add("x", 1 * GB, 1 * GB).check(new MemoryEstimate.Limits(4 * GB, 12 * GB), "never");
        // switched off, nothing is checked
        new MemoryEstimate("huge").add("x", 1e15, 0).check(EngineOptions.defaults().withMemoryCheck(false), "never");
    }

    @Test
    void workEstimatesWarnAboutManyStepsAndSlowIterationsOnly() {
        PhiShape toy = new PhiShape(2, 32, 2);
        assertNull(WorkEstimate.stepsWarning("--nt", 1000));
        assertTrue(WorkEstimate.stepsWarning("--nt", 100_000).startsWith("--nt 100000 is far beyond the 1000 RK4 steps"));
        double toyIteration = WorkEstimate.lossFlops(toy, 2048, 8, 4, true);
        assertNull(WorkEstimate.slowWarning("one training iteration", toyIteration, 2), "the toy recipe is not slow");
        String slow = WorkEstimate.slowWarning("one training iteration", WorkEstimate.lossFlops(toy, 2048, 100_000, 4, true), 2);
        assertTrue(slow.matches("one training iteration is about [0-9.]+ x 10\\^1[0-9] floating-point operations: roughly [0-9.]+ (minutes|hours) on 2 threads"), slow);
        // the trace's K_l J products dominate: 2 m^2 d per layer
        assertTrue(WorkEstimate.phiFlops(new PhiShape(5000, 16, 2)) > 2.0 * 16 * 16 * 5000);
        assertEquals("3.5 hours", WorkEstimate.duration(3.5 * 3600));
    }

    @Test
    void wideModelsAreEstimatedAtTheirGemmRate() {
        // the MINIBOONE benchmark (d 43, m 256, n 2000, nt 6, 4 training steps) takes about 20 s on 2 threads here:
        // no warning; at the nominal rate it would have announced "roughly 6 minutes"
        PhiShape mb = new PhiShape(43, 256, 2);
        double bench = 4 * WorkEstimate.lossFlops(mb, 2000, 6, 4, true);
        assertNotNull(WorkEstimate.slowWarning("this benchmark", bench, 2));
        assertNull(WorkEstimate.slowWarning("this benchmark", bench, 2, mb));
        assertEquals(WorkEstimate.seconds(bench, 2) / 8, WorkEstimate.seconds(bench, 2, mb), 1e-9);
        PhiShape toy = new PhiShape(2, 32, 2);
        assertEquals(WorkEstimate.seconds(1e12, 1), WorkEstimate.seconds(1e12, 1, toy), 0.0, "narrow models keep the nominal rate");
        assertEquals(WorkEstimate.seconds(1e12, 1) / 12, WorkEstimate.seconds(1e12, 1, new PhiShape(2, 4096, 2)), 1e-9, "capped at 12x");
    }
}
