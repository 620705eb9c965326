package org.cnf4j.ode;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.cpu.CpuFlowEngine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.cnf4j.backend.DType;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Central finite differences in float64 on random small models: the gradient and Hessian trace of
 * Phi, and dJ/dparameter for every entry of every parameter tensor, through RK4 and Euler.
 */
class FiniteDifferenceTest {

    /** A random model whose every tensor is non-trivial (w != 1, c != 0, ...). */
    static PhiParams randomModel(PhiShape s, long seed) {
        PhiParams p = PhiParams.initialise(s, seed);
        SplittableRandom rng = new SplittableRandom(seed + 1);
        for (int i = 0; i < p.size(); i++) p.data[i] += 0.3 * (2 * rng.nextDouble() - 1);
        return p;
    }

    static double[] randomPoints(int n, int d, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) x[i] = 2 * rng.nextDouble() - 1;
        return x;
    }

    @ParameterizedTest(name = "d={0} m={1} nTh={2}")
    // d = 21: the low-rank quadratic term of the CPU kernel (model.PhiHostMath.lowRank)
    @CsvSource({"3,8,3", "1,5,2", "2,4,4", "5,6,2", "21,4,2"})
    void gradientAndTraceMatchCentralDifferences(int d, int m, int nTh) {
        PhiShape s = new PhiShape(d, m, nTh);
        PhiParams p = randomModel(s, 11);
        int n = 5;
        double[] x = randomPoints(n, d, 3);
        double t = 0.37, eps = 1e-5;
        try (CpuFlowEngine e = new CpuFlowEngine(s, DType.FLOAT64, 1)) {
            FlowEngine.PhiValues v = e.evaluatePhi(p, x, n, t);
            double maxGradErr = 0, maxTrErr = 0;
            for (int i = 0; i < n; i++) {
                double trFd = 0;
                for (int k = 0; k <= d; k++) {
                    double[] xp = x.clone(), xm = x.clone();
                    double tp = t, tm = t;
                    if (k < d) {
                        xp[i * d + k] += eps;
                        xm[i * d + k] -= eps;
                    } else {
                        tp += eps;
                        tm -= eps;
                    }
                    FlowEngine.PhiValues vp = e.evaluatePhi(p, xp, n, tp), vm = e.evaluatePhi(p, xm, n, tm);
                    double fd = (vp.phi()[i] - vm.phi()[i]) / (2 * eps);
                    double g = v.grad()[i * (d + 1) + k];
                    maxGradErr = Math.max(maxGradErr, Math.abs(fd - g) / Math.max(1, Math.abs(g)));
                    if (k < d) trFd += (vp.grad()[i * (d + 1) + k] - vm.grad()[i * (d + 1) + k]) / (2 * eps);
                }
                maxTrErr = Math.max(maxTrErr, Math.abs(trFd - v.trH()[i]) / Math.max(1, Math.abs(trFd)));
            }
            assertTrue(maxGradErr < 1e-8, "gradient vs central differences: " + maxGradErr);
            assertTrue(maxTrErr < 1e-8, "trace vs central differences of the gradient: " + maxTrErr);
        }
    }

    @ParameterizedTest(name = "d={0} m={1} nTh={2} {3}")
    @CsvSource({"3,8,3,rk4", "1,5,2,rk4", "2,4,4,euler", "4,6,2,rk4", "21,3,2,rk4"})
    void lossGradientMatchesCentralDifferencesForEveryParameter(int d, int m, int nTh, String method) {
        PhiShape s = new PhiShape(d, m, nTh);
        PhiParams p = randomModel(s, 5);
        int n = 7, nt = 3;
        double[] x = randomPoints(n, d, 9);
        Alpha alpha = new Alpha(1.3, 7, 2.5);
        Tableau tab = Tableau.byName(method);
        double eps = 1e-6;
        try (CpuFlowEngine e = new CpuFlowEngine(s, DType.FLOAT64, 2)) {
            double[] g = e.loss(p, x, n, nt, tab, alpha, true).gradient();
            for (PhiParams.Tensor t : p.tensors()) {
                double worst = 0;
                for (int i = t.offset(); i < t.offset() + t.size(); i++) {
                    PhiParams pp = p.copy(), pm = p.copy();
                    pp.data[i] += eps;
                    pm.data[i] -= eps;
                    double fd = (e.loss(pp, x, n, nt, tab, alpha, false).j() - e.loss(pm, x, n, nt, tab, alpha, false).j()) / (2 * eps);
                    worst = Math.max(worst, Math.abs(fd - g[i]) / Math.max(1, Math.abs(fd)));
                }
                assertTrue(worst < 2e-7, "dJ/d" + t.name() + " vs central differences: " + worst);
            }
        }
    }
}
