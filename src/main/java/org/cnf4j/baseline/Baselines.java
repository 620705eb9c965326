package org.cnf4j.baseline;

import java.util.Arrays;
import org.cnf4j.data.Dataset;

/**
 * The two baselines a flow should beat on a data set, fitted on its training rows and measured on its validation and
 * test rows, in the model's standardised space (the flow's NLL is measured there too): a full-covariance Gaussian, and
 * a Gaussian mixture whose number of components is chosen by validation likelihood among {@code components} (the
 * experiments' protocol, docs/DESIGN.md).
 */
public final class Baselines {
    private Baselines() {}

    /** The component counts tried by default: up to 40. */
    public static final int[] COMPONENTS = {1, 2, 5, 10, 20, 40};
    /** Ridge added to every covariance, as in the experiments. */
    public static final double REG = 1e-4;

    /** One baseline's NLL (nats) on the validation and test rows, and its fitting time. */
    public record Fit(String name, int components, double validationNll, double testNll, double seconds) {}

    /** The Gaussian and the selected mixture; {@code offset} turns an NLL into the data's units ({@link Dataset#nllOffset}). */
    public record Report(Fit gaussian, Fit mixture, double offset, int[] componentsTried) {}

    /** The full-covariance Gaussian alone: cheap (O(n d^2) to fit), what {@code train} reports beside the flow. */
    public static Fit gaussian(Dataset ds) {
        long t0 = System.nanoTime();
        GaussianDensity g = GaussianDensity.fit(ds.train(), ds.nTrain(), ds.d(), REG);
        return new Fit("Gaussian", 1, nll(g, ds.validation(), ds.nValidation()), nll(g, ds.test(), ds.nTest()), (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Both baselines; mixtures with more components than a tenth of the training rows are not tried (each component
     * needs data for its covariance).
     */
    public static Report fit(Dataset ds, int[] components, long seed) {
        int[] tried = Arrays.stream(components).filter(k -> k >= 1 && (k == 1 || k <= ds.nTrain() / 10)).distinct().sorted().toArray();
        if (tried.length == 0) throw new IllegalArgumentException("no mixture size to try among " + Arrays.toString(components) + " for " + ds.nTrain() + " training rows");
        Fit g = gaussian(ds);
        long t0 = System.nanoTime();
        GaussianMixture m = GaussianMixture.selectByValidation(ds.train(), ds.nTrain(), ds.validation(), ds.nValidation(), ds.d(), tried, REG, seed);
        Fit mix = new Fit("Gaussian mixture", m.components(), nll(m, ds.validation(), ds.nValidation()), nll(m, ds.test(), ds.nTest()),
                (System.nanoTime() - t0) / 1e9);
        return new Report(g, mix, ds.nllOffset(), tried);
    }

    private static double nll(Density p, double[] x, int n) {
        double s = 0;
        for (double v : p.logDensity(x, n)) s += v;
        return -s / n;
    }
}
