package org.cnf4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.cnf4j.backend.DType;
import org.cnf4j.backend.Mat;
import org.cnf4j.engine.LossResult;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.ode.Alpha;
import org.cnf4j.ode.Tableau;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The float loops' deferred sums over samples ({@link DeferredSums}) give what summing at once gives: per pass, and
 * for the whole gradient of a training loss, on both sides of the width where deferring stops.
 */
class DeferredSumsTest {
    private static final int CS = 37, D = 3, M = 5;

    private static Mat random(int rows, int cols, SplittableRandom r) {
        Mat m = Mat.create(DType.FLOAT32, rows, cols);
        for (int i = 0; i < m.size(); i++) m.set(i, r.nextDouble() - 0.5);
        return m;
    }

    @Test
    void flushAddsEachRowOnceAndDiscardDropsIt() {
        DeferredSums s = new DeferredSums(4);
        double[] target = {10, 20};
        float[] rows = s.flatRows(target);
        for (int i = 0; i < rows.length; i++) rows[i] = i;       // row 0: 0+1+2+3, row 1: 4+5+6+7
        Mat mat = Mat.create(DType.FLOAT32, 1, 2);
        float[][] entries = s.entryRows(mat, 2);
        entries[1][3] = 2.5f;
        s.flush();
        assertArrayEquals(new double[] {16, 42}, target, 0.0);
        assertEquals(2.5, mat.get(1), 0.0);
        assertEquals(0, mat.get(0), 0.0);
        s.flush();                                                // the rows were zeroed: nothing is added twice
        assertArrayEquals(new double[] {16, 42}, target, 0.0);
        s.flatRows(target)[5] = 100;
        s.discard();
        s.flush();
        assertArrayEquals(new double[] {16, 42}, target, 0.0);
        assertSame(rows, s.flatRows(target), "rows are reused");
    }

    /** Each pass that sums over samples, twice (two RK stages), deferred and at once: the same accumulators. */
    @Test
    void deferredPassesEqualImmediateOnes() {
        FloatLoops now = new FloatLoops(CS, D, 0.5, false), later = new FloatLoops(CS, D, 0.5, true);
        double[] k0x = new double[M * D], g0 = new double[M];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < k0x.length; i++) k0x[i] = r.nextDouble() - 0.5;
        for (int i = 0; i < g0.length; i++) g0[i] = r.nextDouble();
        double[] bias1 = new double[M], bias2 = new double[M], k0xBar1 = new double[M * D], k0xBar2 = new double[M * D],
                coef1 = new double[M], coef2 = new double[M];
        Mat outer1 = Mat.create(DType.FLOAT32, M, D + 1), outer2 = Mat.create(DType.FLOAT32, M, D + 1);
        double[] trHBar = new double[CS];
        for (int stage = 0; stage < 2; stage++) {
            for (int n = 0; n < CS; n++) trHBar[n] = r.nextDouble();
            now.traceBar(trHBar);
            later.traceBar(trHBar);
            Mat x = random(M, CS, r);
            now.addRowSums(x, bias1);
            later.addRowSums(x, bias2);
            Mat tau = random(M, CS, r), z1 = random(M, CS, r), jBar = random(M, CS * D, r);
            Mat tb1 = random(M, CS, r), zb1 = random(M, CS, r), tb2 = Mat.create(DType.FLOAT32, M, CS), zb2 = Mat.create(DType.FLOAT32, M, CS);
            tb2.copyFrom(tb1);
            zb2.copyFrom(zb1);
            now.openingTraceAdjoint(tau, z1, jBar, tb1, zb1, k0x, g0, k0xBar1, coef1);
            later.openingTraceAdjoint(tau, z1, jBar, tb2, zb2, k0x, g0, k0xBar2, coef2);
            for (int i = 0; i < tb1.size(); i++) {
                assertEquals(tb1.get(i), tb2.get(i), 0.0, "tauBar is not deferred");
                assertEquals(zb1.get(i), zb2.get(i), 0.0, "z1Bar is not deferred");
            }
            Mat a = random(M, CS, r), b = random(D + 1, CS, r);
            assertFalse(now.accumulateOuter(a, b, outer1), "loops that sum at once leave it to a product");
            now.narrowProduct(false, true, 1, a, b, 1, outer1);
            assertTrue(later.accumulateOuter(a, b, outer2));
        }
        assertEquals(0, bias2[0], 0.0, "nothing lands before the flush");
        assertEquals(0, outer2.get(0), 0.0, "nothing lands before the flush");
        later.flush();
        assertArrayEquals(bias1, bias2, 1e-5);
        assertArrayEquals(k0xBar1, k0xBar2, 1e-5);
        assertArrayEquals(coef1, coef2, 1e-5);
        for (int i = 0; i < outer1.size(); i++) assertEquals(outer1.get(i), outer2.get(i), 1e-5, "outer product " + i);
    }

    /**
     * The whole float32 training gradient against float64 (which never defers) at d = 2 and 7 (deferred) and d = 8
     * (summed at once): the same agreement either way, and a second step from the same engine equals the first (the
     * per-sample rows start from zero at every step).
     */
    @ParameterizedTest(name = "d={0}")
    @ValueSource(ints = {2, 7, 8})
    void float32GradientMatchesFloat64(int d) {
        assertEquals(d + 1 <= ElementLoops.NARROW, ElementLoops.defers(d));
        PhiShape shape = new PhiShape(d, 16, 2);
        PhiParams p = PhiParams.initialise(shape, 3);
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < p.size(); i++) p.data[i] += 0.3 * (r.nextDouble() - 0.5);
        int n = 150;
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) x[i] = 2 * (r.nextDouble() - 0.5);
        Alpha alpha = new Alpha(1, 100, 15);
        try (CpuFlowEngine f32 = new CpuFlowEngine(shape, DType.FLOAT32, 2);
             CpuFlowEngine f64 = new CpuFlowEngine(shape, DType.FLOAT64, 2)) {
            LossResult a = f32.loss(p, x, n, 4, Tableau.RK4, alpha, true);
            LossResult again = f32.loss(p, x, n, 4, Tableau.RK4, alpha, true);
            LossResult b = f64.loss(p, x, n, 4, Tableau.RK4, alpha, true);
            assertArrayEquals(a.gradient(), again.gradient(), 0.0, "a second step gives the same gradient");
            double norm = 0, err = 0;
            for (int i = 0; i < b.gradient().length; i++) {
                norm = Math.max(norm, Math.abs(b.gradient()[i]));
                err = Math.max(err, Math.abs(a.gradient()[i] - b.gradient()[i]));
            }
            assertTrue(err < 1e-4 * norm, "float32 vs float64 gradient: max error " + err + " against max |g| " + norm);
        }
    }
}
