package org.cnf4j.jmh;

import java.util.Locale;
import java.util.SplittableRandom;
import org.cnf4j.model.PhiShape;

/**
 * The benchmark configurations, matching the rows of shared/bench/README.md (and the arguments that
 * jmh/compare.sh passes to torch_otflow.py): toy (2-d data), the default recipe for files at d = 16 (width 64 below
 * 10,000 training rows, 128 from there on, as {@code experiment quality} trains its 16-D mixture) and on digits,
 * POWER-like and MINIBOONE-like sizes.
 */
enum BenchSize {
    TOY(2, 32, 2, 2048, 8),
    D16(16, 64, 2, 1000, 8),
    /** The default recipe for files of at least 10,000 training rows at d = 16 (width 128: run.Recipe.WIDE_WIDTH). */
    D16W(16, 128, 2, 1000, 8),
    /** The default recipe for files on digits (d = 64): the widest model the stacked opening product takes. */
    DIGITS(64, 64, 2, 1000, 8),
    POWER(6, 128, 2, 10000, 10),
    MINIBOONE(43, 256, 2, 2000, 6);

    final int d, m, nTh, n, nt;

    BenchSize(int d, int m, int nTh, int n, int nt) {
        this.d = d;
        this.m = m;
        this.nTh = nTh;
        this.n = n;
        this.nt = nt;
    }

    PhiShape shape() { return new PhiShape(d, m, nTh); }

    static BenchSize of(String name) { return valueOf(name.toUpperCase(Locale.ROOT)); }

    /** n x d standard normal inputs, row-major. */
    double[] inputs(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextGaussian();
        return x;
    }
}
