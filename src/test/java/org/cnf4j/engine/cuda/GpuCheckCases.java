package org.cnf4j.engine.cuda;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.cnf4j.format.Npy;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.ode.Tableau;

/**
 * The problems of the GPU checks, shared by {@link GpuReference} (computes the CPU engine's answers
 * here, where ND4J runs) and {@link GpuChecks} (compares the GPU engine with them on the device
 * machine, where only the CUDA path is shipped). Everything is deterministic in its seeds.
 */
final class GpuCheckCases {
    private GpuCheckCases() {}

    record Case(String name, PhiParams params, double[] x, int n, int nt, Alpha alpha, double tPhi) {}

    static Case swissroll(Path refDir) throws IOException {
        ReferenceModel m = ReferenceModel.load(refDir);
        Npy.Array in = Npy.read(refDir.resolve("inputs.npy"));
        return new Case("swissroll", m.params(), in.data(), in.rows(), 8, m.alpha(), 0.3);
    }

    static Case miniboone() {
        PhiShape s = new PhiShape(43, 256, 2);
        int n = 96;
        return new Case("miniboone_shape", randomModel(s, 11), gaussian(n * s.d(), 12), n, 6, new Alpha(1, 100, 15), 0.4);
    }

    static Case deep() {
        PhiShape s = new PhiShape(5, 16, 3);
        int n = 64;
        return new Case("nTh3", randomModel(s, 21), gaussian(n * s.d(), 22), n, 4, new Alpha(1, 50, 10), 0.6);
    }

    static Case[] synthetic() { return new Case[] {miniboone(), deep()}; }

    /** The reference initialisation with every parameter perturbed (breaks w = 1 and the layer copies). */
    static PhiParams randomModel(PhiShape s, long seed) {
        PhiParams p = PhiParams.initialise(s, seed);
        SplittableRandom rng = new SplittableRandom(seed + 1);
        for (int i = 0; i < p.data.length; i++) p.data[i] += 0.1 * (2 * rng.nextDouble() - 1);
        return p;
    }

    static double[] gaussian(int count, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] out = new double[count];
        for (int i = 0; i < count; i += 2) {
            double u1 = 1 - rng.nextDouble(), u2 = rng.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1));
            out[i] = r * Math.cos(2 * Math.PI * u2);
            if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
        }
        return out;
    }

    /** The 2-D swissroll of ALGORITHMS.md section 7. */
    static double[] swissrollData(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] noise = gaussian(2 * n, seed + 1);
        double[] x = new double[2 * n];
        for (int i = 0; i < n; i++) {
            double t = 1.5 * Math.PI * (1 + 2 * rng.nextDouble());
            x[2 * i] = (t * Math.cos(t) + noise[2 * i]) / 5;
            x[2 * i + 1] = (t * Math.sin(t) + noise[2 * i + 1]) / 5;
        }
        return x;
    }

    /** Loss, gradient and Phi values of one case on one engine, as JSON-ready values. */
    static Map<String, Object> evaluate(FlowEngine e, Case c) {
        Map<String, Object> out = new LinkedHashMap<>();
        LossResult r = e.loss(c.params(), c.x(), c.n(), c.nt(), Tableau.RK4, c.alpha(), true);
        out.put("J", r.j());
        out.put("L", r.l());
        out.put("C", r.c());
        out.put("R", r.r());
        out.put("gradient", r.gradient());
        FlowEngine.PhiValues v = e.evaluatePhi(c.params(), c.x(), c.n(), c.tPhi());
        out.put("phi", v.phi());
        out.put("grad", v.grad());
        out.put("trH", v.trH());
        return out;
    }

    static final PhiShape TOY = new PhiShape(2, 32, 2);
    static final int TOY_N = 1024, TOY_NT = 8, TOY_ITERS = 20;
    static final Alpha TOY_ALPHA = new Alpha(1, 100, 5);

    /** J over TOY_ITERS Adam steps (lr 0.05) on a fixed swissroll batch, from the reference initialisation. */
    static double[] trainCurve(FlowEngine e) {
        PhiParams p = PhiParams.initialise(TOY, 3);
        double[] x = swissrollData(TOY_N, 4);
        double lr = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        double[] mo = new double[p.size()], ve = new double[p.size()], curve = new double[TOY_ITERS];
        for (int it = 0; it < TOY_ITERS; it++) {
            LossResult r = e.loss(p, x, TOY_N, TOY_NT, Tableau.RK4, TOY_ALPHA, true);
            curve[it] = r.j();
            double[] g = r.gradient();
            double c1 = 1 - Math.pow(b1, it + 1), c2 = 1 - Math.pow(b2, it + 1);
            for (int i = 0; i < g.length; i++) {
                mo[i] = b1 * mo[i] + (1 - b1) * g[i];
                ve[i] = b2 * ve[i] + (1 - b2) * g[i] * g[i];
                p.data[i] -= lr * (mo[i] / c1) / (Math.sqrt(ve[i] / c2) + eps);
            }
        }
        return curve;
    }

    /** max|a - b| / max|b| */
    static double relErr(double[] a, double[] b) {
        if (a.length != b.length) return Double.POSITIVE_INFINITY;
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double dd = Math.abs(a[i] - b[i]);
            num = Double.isNaN(dd) ? Double.POSITIVE_INFINITY : Math.max(num, dd);
            den = Math.max(den, Math.abs(b[i]));
        }
        return den == 0 ? num : num / den;
    }

    static double relErr(double a, double b) { return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300); }
}
