package org.cnf4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.cnf4j.backend.BlasStaging;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.LossResult;
import org.cnf4j.engine.MemoryEstimate;
import org.cnf4j.model.PhiKernel;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.model.PhiWeights;
import org.cnf4j.ode.Alpha;
import org.cnf4j.ode.Tableau;
import org.junit.jupiter.api.Test;

/** A loss cuts smaller chunks when that lets the reverse pass keep its products, and nothing else changes. */
class LossChunkingTest {
    static final PhiShape S = new PhiShape(4, 16, 2);
    static final int N = 203, NT = 2;
    static final Alpha A = new Alpha(1, 20, 3);

    static double[] points() {
        SplittableRandom r = new SplittableRandom(5);
        double[] x = new double[N * S.d()];
        for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian();
        return x;
    }

    /** 512 bytes of products per column of a chunk (16 rows x 4 bytes x 2 steps x 4 stages); 40 columns' worth. */
    static EngineOptions options(int threads) {
        return EngineOptions.cpu(DType.FLOAT32, threads).withChunkColumns(64).withProductBudgetBytes(512 * 40);
    }

    @Test
    void theChunksShrinkUntilTheProductsFitThenStop() {
        assertEquals(36, CpuFlowEngine.lossColumns(S, DType.FLOAT32, 64, 512 * 40, NT, 4), "40 columns' worth, less d for the largest chunk");
        assertEquals(64, CpuFlowEngine.lossColumns(S, DType.FLOAT32, 64, 512 * 80, NT, 4), "they fit already");
        assertEquals(64, CpuFlowEngine.lossColumns(S, DType.FLOAT32, 64, 512 * 10, NT, 4), "not below a quarter: the default");
        assertEquals(64, CpuFlowEngine.lossColumns(S, DType.FLOAT32, 64, 0, NT, 4), "no budget");
        // the sizes of the benchmark: only BSDS300's (m = 512, nt = 14) changes, and its largest chunk then fits
        long budget = EngineOptions.defaults().productBudgetBytes();
        assertEquals(4096, CpuFlowEngine.lossColumns(new PhiShape(2, 32, 2), DType.FLOAT32, 4096, budget, 8, 4));
        assertEquals(4096, CpuFlowEngine.lossColumns(new PhiShape(43, 256, 2), DType.FLOAT32, 4096, budget, 6, 4));
        PhiShape bsds = new PhiShape(63, 512, 2);
        int cols = CpuFlowEngine.lossColumns(bsds, DType.FLOAT32, 4096, budget, 14, 4);
        assertTrue(cols < 4096 && cols >= 1024, "BSDS300: " + cols);
        // its batch of 300 in equal chunks (one chunk flow per worker), each keeping its products within the budget
        int[] starts = CpuFlowEngine.lossChunkStarts(300, bsds, DType.FLOAT32, 4096, budget, 14, 4);
        assertEquals(11, starts.length, "10 chunks of 30: " + java.util.Arrays.toString(starts));
        for (int c = 0; c + 1 < starts.length; c++) assertEquals(30, starts[c + 1] - starts[c]);
        assertTrue(14.0 * 4 * PhiKernel.productBytesPerStage(bsds, DType.FLOAT32, 30) <= budget);
        // a prime batch has no even split: sizes differing by one, as at the default size
        int[] odd = CpuFlowEngine.lossChunkStarts(307, bsds, DType.FLOAT32, 4096, budget, 14, 4);
        assertEquals(307, odd[odd.length - 1]);
        for (int c = 0; c + 1 < odd.length; c++) assertTrue(Math.abs(odd[c + 1] - odd[c] - 307.0 / (odd.length - 1)) < 1);
    }

    @Test
    void theSmallerChunksGiveTheSameLossForAnyThreadsAndWithOrWithoutGradient() {
        PhiParams p = PhiParams.initialise(S, 2);
        double[] x = points();
        LossResult one, two, noGrad, big;
        try (CpuFlowEngine e = new CpuFlowEngine(S, options(1))) {
            one = e.loss(p, x, N, NT, Tableau.RK4, A, true);
            noGrad = e.loss(p, x, N, NT, Tableau.RK4, A, false);
        }
        try (CpuFlowEngine e = new CpuFlowEngine(S, options(2))) {
            two = e.loss(p, x, N, NT, Tableau.RK4, A, true);
        }
        try (CpuFlowEngine e = new CpuFlowEngine(S, options(1).withProductBudgetBytes(1L << 30))) {
            big = e.loss(p, x, N, NT, Tableau.RK4, A, true);
        }
        assertEquals(one.j(), two.j(), 0.0);
        assertArrayEquals(one.gradient(), two.gradient(), 0.0);
        assertEquals(one.j(), noGrad.j(), 0.0, "the loss without gradient cuts the same chunks");
        assertEquals(big.j(), one.j(), 1e-5 * Math.abs(big.j()), "other chunks, the same loss to float round-off");
        for (int i = 0; i < big.gradient().length; i++) {
            assertEquals(big.gradient()[i], one.gradient()[i], 1e-4 * (1 + Math.abs(big.gradient()[i])), "gradient " + i);
        }
    }

    @Test
    void theMemoryEstimateFollowsTheSmallerChunks() {
        PhiParams p = PhiParams.initialise(S, 2);
        EngineOptions o = options(1);
        try (CpuFlowEngine e = new CpuFlowEngine(S, o)) {
            long nativeBefore = BlasStaging.allocatedBytes();
            e.loss(p, points(), N, NT, Tableau.RK4, A, true);
            double used = BlasStaging.allocatedBytes() - nativeBefore;
            MemoryEstimate.Bytes est = CpuFlowEngine.memory(S, o, N, NT, 4, true);
            assertEquals(used + PhiWeights.matrixBytes(S, DType.FLOAT32), est.offHeap(), 0.0);
        }
    }
}
