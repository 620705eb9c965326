package org.cnf4j.run;

import static org.cnf4j.testing.Fixtures.swissroll;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;
import org.cnf4j.backend.DType;
import org.cnf4j.data.DataTransform;
import org.cnf4j.data.Dataset;
import org.cnf4j.engine.EngineOptions;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.eval.Flow;
import org.cnf4j.eval.FlowModel;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.plot.Histogram2D;
import org.junit.jupiter.api.Test;

/** The contents of the plot's panels: which columns, and that each panel holds the points it names. */
class RunPlotTest {
    private static final EngineOptions EO = EngineOptions.cpu(DType.FLOAT64, 2);

    private static RunPlot.Options options(int samples, RunPlot.Pair columns, boolean allPairs, RunPlot.ImageShape image) {
        return new RunPlot.Options(null, samples, 10, 3, 7, columns, allPairs, 33, 4, image);
    }

    private static RunModel model(int d, int maps, DataTransform t) {
        List<PhiParams> ps = new java.util.ArrayList<>();
        for (int k = 0; k < maps; k++) ps.add(PhiParams.initialise(new PhiShape(d, 8, 2), 100 + k));
        return new RunModel(null, ps, new Alpha(1, 10, 5), 3, t, null, 0);
    }

    /** Test rows with column j around j - d/2, so that each pair of columns has its own picture. */
    private static Dataset data(int d, int n) {
        SplittableRandom r = new SplittableRandom(5);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) x[i] = (i % d) - d / 2.0 + 0.5 * r.nextGaussian();
        return new Dataset("test", d, x.clone(), n, x.clone(), n, x, n, new double[d], ones(d), null, List.of());
    }

    private static double[] ones(int d) {
        double[] a = new double[d];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    private static List<String> pairs(RunPlot.Options o, int d) {
        return RunPlot.pairs(o, d).stream().map(RunPlot.Pair::toString).toList();
    }

    @Test
    void pairsFollowTheReferenceSlicesAndTheRequest() {
        assertEquals(List.of("1,2"), pairs(RunPlot.Options.defaults(), 2));
        assertEquals(List.of("1,2", "3,4", "5,6"), pairs(RunPlot.Options.defaults(), 16));
        assertEquals(List.of("1,2", "2,3"), pairs(RunPlot.Options.defaults(), 3));
        assertEquals(List.of("1,2", "3,4", "5,6", "6,7"), pairs(options(10, null, true, null), 7));
        assertEquals(8, pairs(options(10, null, true, null), 16).size());
        assertEquals(List.of("4,2"), pairs(options(10, new RunPlot.Pair(3, 1), false, null), 16));
        assertEquals(List.of("1,1"), pairs(RunPlot.Options.defaults(), 1));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunPlot.pairs(options(10, new RunPlot.Pair(-1, 98), false, null), 16));
        assertEquals("--columns 0,99: the model has d=16 columns, numbered 1 to 16", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RunPlot.pairs(options(10, null, false, new RunPlot.ImageShape(9, 9)), 64));
        assertEquals("--image 9x9 has 81 pixels but the model has d=64 columns", e.getMessage());
        assertDoesNotThrow(() -> RunPlot.pairs(options(10, null, false, new RunPlot.ImageShape(8, 8)), 64));
        assertThrows(IllegalArgumentException.class, () -> options(10, new RunPlot.Pair(1, 1), false, null));
        assertThrows(IllegalArgumentException.class, () -> options(10, new RunPlot.Pair(0, 1), true, null));
        assertThrows(IllegalArgumentException.class, () -> new RunPlot.Options(null, 10, 10, 3, 7, null, false, 1, 4, null));
        assertThrows(IllegalArgumentException.class, () -> new RunPlot.Options(null, 10, 10, 3, 7, null, false, 33, 0, null));
    }

    /** The reference's toy model: f(x) is the flow's push of the test rows, f^-1(y) its samples, and the paths end where the flow does. */
    @Test
    void swissrollPanelsHoldXFxTheRoundTripAndTheSamples() throws Exception {
        ReferenceModel ref = ReferenceModel.load(swissroll());
        RunModel m = new RunModel(null, List.of(ref.params()), ref.alpha(), 8, DataTransform.identity(2), "swissroll", 0);
        RunPlot.Options o = options(500, null, false, null);
        RunPlot.Figure f = RunPlot.figure(m, o, EO, null);
        assertNull(f.note());
        assertEquals(1, f.pairs().size());
        RunPlot.PairPanels p = f.pairs().get(0);
        int n = f.test().length / 2;
        assertEquals(500, n);
        try (FlowEngine e = Engines.create(m.shape(), EO)) {
            Flow flow = m.flow(e, 3);
            double[] fx = flow.push(f.test(), n, null);
            assertArrayEquals(Histogram2D.of(f.test(), 2, 0, 1, 33, -4, 4, -4, 4).counts(), p.x().counts());
            assertArrayEquals(Histogram2D.of(fx, 2, 0, 1, 33, -4, 4, -4, 4).counts(), p.fx().counts());
            assertFalse(java.util.Arrays.equals(p.x().counts(), p.fx().counts()), "f(x) is not x");
            assertArrayEquals(Histogram2D.of(flow.sample(500, 7, null), 2, 0, 1, 33, -4, 4, -4, 4).counts(), p.samples().counts());
            assertEquals(n, p.fx().total(), 5, "f(x) of the swiss roll lies in [-4, 4]^2");
            assertTrue(f.inverseError() < 1e-3, "inverse error " + f.inverseError());
            assertEquals(p.x().total(), p.back().total());

            assertEquals(RunPlot.TRAJECTORIES, p.forward().size());
            assertEquals(RunPlot.TRAJECTORIES, p.inverse().size());
            double[] start = {p.forward().get(1).xs()[0], p.forward().get(1).ys()[0]};
            RunPlot.Path2D fwd = p.forward().get(1);
            assertEquals(4, fwd.xs().length, "nt + 1 points");
            double[] end = flow.push(start, 1, null);
            assertEquals(end[0], fwd.xs()[3], 1e-12);
            assertEquals(end[1], fwd.ys()[3], 1e-12);
            double[] smp = flow.sample(RunPlot.TRAJECTORIES, 7, null);
            double[] y = FlowModel.gaussians(2 * RunPlot.TRAJECTORIES, 7);
            for (int k = 0; k < RunPlot.TRAJECTORIES; k++) {
                RunPlot.Path2D inv = p.inverse().get(k);
                assertEquals(y[2 * k], inv.xs()[0]);
                assertEquals(smp[2 * k + 1], inv.ys()[3], 1e-12);
            }
        }
        assertEquals(10 * 10, f.density().length);
        assertEquals(RunPlot.TRAJECTORIES, f.inverse2d().size());
    }

    /** d = 7, a JKO-Flow composition of two maps: the requested columns are the ones counted, in x, f(x) and the samples. */
    @Test
    void requestedColumnsAreTheOnesCounted() throws Exception {
        int d = 7, n = 300;
        RunModel m = model(d, 2, DataTransform.identity(d));
        Dataset ds = data(d, n);
        RunPlot.Figure f = RunPlot.figure(m, options(n, new RunPlot.Pair(2, 5), false, null), EO, ds);
        assertEquals(1, f.pairs().size());
        RunPlot.PairPanels p = f.pairs().get(0);
        assertEquals(new RunPlot.Pair(2, 5), p.columns());
        try (FlowEngine e = Engines.create(m.shape(), EO)) {
            Flow flow = m.flow(e, 3);
            double[] fx = flow.push(ds.test(), n, null);
            assertArrayEquals(Histogram2D.of(ds.test(), d, 2, 5, 33, -4, 4, -4, 4).counts(), p.x().counts());
            assertArrayEquals(Histogram2D.of(fx, d, 2, 5, 33, -4, 4, -4, 4).counts(), p.fx().counts());
            assertArrayEquals(Histogram2D.of(flow.sample(n, 7, null), d, 2, 5, 33, -4, 4, -4, 4).counts(), p.samples().counts());
            assertFalse(java.util.Arrays.equals(Histogram2D.of(ds.test(), d, 0, 1, 33, -4, 4, -4, 4).counts(), p.x().counts()));
            // the forward path runs through both maps: 2 x nt steps, ending at F_2(F_1(x))
            RunPlot.Path2D fwd = p.forward().get(0);
            assertEquals(2 * 3 + 1, fwd.xs().length);
            assertEquals(fx[2], fwd.xs()[6], 1e-12);
            assertEquals(fx[5], fwd.ys()[6], 1e-12);
        }
        RunPlot.Figure all = RunPlot.figure(m, options(n, null, true, null), EO, ds);
        assertEquals(List.of(new RunPlot.Pair(0, 1), new RunPlot.Pair(2, 3), new RunPlot.Pair(4, 5), new RunPlot.Pair(5, 6)),
                all.pairs().stream().map(RunPlot.PairPanels::columns).toList());
        assertArrayEquals(Histogram2D.of(ds.test(), d, 5, 6, 33, -4, 4, -4, 4).counts(), all.pairs().get(3).x().counts());
        assertNull(all.density(), "no density map for d > 2");
    }

    /** Images come in the data's units, rounded to the integers of integer data, on the integers' grey scale. */
    @Test
    void imagesAreInTheDataUnitsRoundedForIntegerData() throws Exception {
        int d = 4, n = 50;
        DataTransform t = new DataTransform(new double[] {0.5, 0.4, 0.5, 0.6}, new double[] {0.3, 0.2, 0.3, 0.25}, 0, 17);
        RunModel m = model(d, 1, t);
        Dataset ds = data(d, n);
        RunPlot.Figure f = RunPlot.figure(m, options(n, null, false, new RunPlot.ImageShape(2, 2)), EO, ds);
        RunPlot.Images im = f.images();
        assertEquals(n, im.nData());
        assertEquals(n, im.nSamples());
        assertEquals(0, im.lo());
        assertEquals(16, im.hi());
        assertTrue(im.rounded());
        assertArrayEquals(t.fromModelRounded(ds.test()), im.data());
        assertArrayEquals(t.fromModelRounded(f.samples()), im.samples());
        for (double v : im.samples()) assertTrue(v == Math.rint(v) && v >= 0 && v <= 16, "pixel " + v);

        RunModel plain = model(d, 1, DataTransform.identity(d));
        RunPlot.Images cont = RunPlot.figure(plain, options(n, null, false, new RunPlot.ImageShape(1, 4)), EO, ds).images();
        assertFalse(cont.rounded());
        assertArrayEquals(ds.test(), cont.data());
        assertEquals(java.util.Arrays.stream(ds.test()).min().getAsDouble(), cont.lo());
    }
}
