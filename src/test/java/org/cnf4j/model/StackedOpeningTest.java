package org.cnf4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.cnf4j.backend.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * K1 J_0 formed as B tanh(a_0) ({@link PhiKernel#stackedOpening}) gives what forming J_0 gives: the gradient and
 * trace of every stage, and through the adjoint dLoss/dx and every parameter's gradient, with the products kept per
 * stage or recomputed, in float64 to rounding and in float32 to float accuracy.
 */
class StackedOpeningTest {

    private record Run(double[] grads, double[] traces, double[] xBar, double[] paramGrad) {}

    /** Three stages of one chunk, then their adjoints in reverse, twice (two steps: the accumulators start anew). */
    private static Run run(PhiShape shape, DType dtype, PhiParams p, int cs, boolean stacked, boolean keep, long seed) {
        PhiKernel k = new PhiKernel(shape, dtype, cs, stacked);
        k.keepProducts(keep);
        int d = shape.d(), stages = 3;
        double[] grads = new double[stages * cs * (d + 1)], traces = new double[stages * cs], xBar = new double[stages * cs * d];
        double[] paramGrad = new double[p.size()];
        for (int step = 0; step < 2; step++) {
            SplittableRandom r = new SplittableRandom(seed);
            k.reset(new PhiWeights(p, dtype));
            for (int st = 0; st < stages; st++) {
                double[] x = new double[cs * d];
                for (int i = 0; i < x.length; i++) x[i] = 2 * r.nextDouble() - 1;
                k.evaluate(x, 0, 0.25 * st, true, st);
                for (int n = 0; n < cs; n++) {
                    traces[st * cs + n] = k.traceHessian(n);
                    for (int q = 0; q <= d; q++) grads[(st * cs + n) * (d + 1) + q] = k.gradient(n, q);
                }
            }
            for (int st = stages - 1; st >= 0; st--) {
                double[] gBar = new double[cs * (d + 1)], tBar = new double[cs];
                for (int i = 0; i < gBar.length; i++) gBar[i] = r.nextDouble() - 0.5;
                for (int i = 0; i < tBar.length; i++) tBar[i] = r.nextDouble() - 0.5;
                k.restore(st);
                k.vjp(gBar, tBar, xBar, st * cs * d);
            }
            java.util.Arrays.fill(paramGrad, 0);
            k.addGradientTo(p, paramGrad);
        }
        return new Run(grads, traces, xBar, paramGrad);
    }

    private static void assertClose(double[] want, double[] got, double rel, String what) {
        double norm = 0, err = 0;
        for (int i = 0; i < want.length; i++) {
            norm = Math.max(norm, Math.abs(want[i]));
            err = Math.max(err, Math.abs(want[i] - got[i]));
        }
        assertTrue(norm > 0, what + " is all zeros");
        assertTrue(err <= rel * norm, what + ": max error " + err + " against max " + norm);
    }

    @ParameterizedTest(name = "d={0} m={1} {2} keep={3}")
    @CsvSource({"3,6,float64,true", "3,6,float64,false", "16,12,float64,true", "1,5,float64,false",
        "3,6,float32,true", "16,12,float32,false"})
    void stackedEqualsFormingJ0(int d, int m, String type, boolean keep) {
        PhiShape shape = new PhiShape(d, m, 2);
        DType dtype = DType.parse(type);
        PhiParams p = PhiParams.initialise(shape, 5);
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < p.size(); i++) p.data[i] += 0.4 * (r.nextDouble() - 0.5); // every weight matters
        int cs = 13;
        Run formed = run(shape, dtype, p, cs, false, keep, 9), stacked = run(shape, dtype, p, cs, true, keep, 9);
        double rel = dtype == DType.FLOAT64 ? 1e-12 : 2e-5;
        assertClose(formed.grads, stacked.grads, rel, "gradient");
        assertClose(formed.traces, stacked.traces, rel, "trace");
        assertClose(formed.xBar, stacked.xBar, rel, "dLoss/dx");
        assertClose(formed.paramGrad, stacked.paramGrad, rel, "parameter gradient");
        // K1 and K0's x columns are where the two forms differ: their gradients are nonzero and agree entry by entry
        double[] k1 = java.util.Arrays.copyOfRange(stacked.paramGrad, p.tensor(PhiParams.layerWeight(1)).offset(),
                p.tensor(PhiParams.layerWeight(1)).offset() + m * m);
        assertTrue(java.util.Arrays.stream(k1).anyMatch(v -> v != 0), "dLoss/dK1 is formed");
    }

    @Test
    void theRuleTakesSmallOneHiddenLayerModels() {
        assertTrue(PhiKernel.stackedOpening(new PhiShape(2, 32, 2)), "toy");
        assertTrue(PhiKernel.stackedOpening(new PhiShape(16, 64, 2)), "the file recipe at d = 16");
        assertFalse(PhiKernel.stackedOpening(new PhiShape(43, 256, 2)), "MINIBOONE: B would be 11 MB");
        assertFalse(PhiKernel.stackedOpening(new PhiShape(2, 32, 3)), "a deeper model carries J_0");
        assertThrows(IllegalArgumentException.class, () -> new PhiKernel(new PhiShape(2, 8, 3), DType.FLOAT64, 4, true));
    }
}
