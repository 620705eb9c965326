package org.cnf4j.data;

/**
 * A bit-exact replica of the parts of NumPy's legacy {@code np.random.RandomState(seed)} (MT19937) that the MAF
 * preprocessing uses: {@code shuffle} of the rows of a 2-D array and {@code rand}. With it the POWER loader makes the
 * same row order and the same noise as the reference's {@code RandomState(42)}.
 */
final class NumpyRandomState {
    private static final int N = 624, M = 397;
    private final int[] mt = new int[N];
    private int pos;

    /** {@code RandomState(seed)} for a seed in [0, 2^32). */
    NumpyRandomState(long seed) {
        if (seed < 0 || seed > 0xffffffffL) throw new IllegalArgumentException("seed must be in [0, 2^32), got " + seed);
        long s = seed;
        for (int i = 0; i < N; i++) {
            mt[i] = (int) s;
            s = (1812433253L * (s ^ (s >>> 30)) + i + 1) & 0xffffffffL;
        }
        pos = N;
    }

    /** The next 32-bit output, as an unsigned value in a long. */
    long nextUint32() {
        if (pos >= N) generate();
        int y = mt[pos++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    private void generate() {
        for (int k = 0; k < N; k++) {
            int y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
            mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
        }
        pos = 0;
    }

    /** {@code rand()}: a double in [0, 1) from two 32-bit outputs (53 random bits). */
    double rand() {
        long a = nextUint32() >>> 5, b = nextUint32() >>> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /** NumPy's {@code random_interval(max)}: uniform in [0, max] by masked rejection. */
    long interval(long max) {
        if (max == 0) return 0;
        long mask = max;
        mask |= mask >>> 1; mask |= mask >>> 2; mask |= mask >>> 4; mask |= mask >>> 8; mask |= mask >>> 16; mask |= mask >>> 32;
        if (max > 0xffffffffL) throw new IllegalArgumentException("more than 2^32 rows");
        long v;
        while ((v = nextUint32() & mask) > max) { /* reject */ }
        return v;
    }

    /** {@code shuffle(x)} of the n rows (width d) of a row-major array, in place. */
    void shuffleRows(double[] x, int n, int d) {
        double[] buf = new double[d];
        for (int i = n - 1; i >= 1; i--) {
            int j = (int) interval(i);
            System.arraycopy(x, j * d, buf, 0, d);
            System.arraycopy(x, i * d, x, j * d, d);
            System.arraycopy(buf, 0, x, i * d, d);
        }
    }
}
