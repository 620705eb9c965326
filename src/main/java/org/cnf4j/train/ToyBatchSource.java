package org.cnf4j.train;

import org.cnf4j.data.ToyData;

/** Fresh batches from a named toy generator, seeded per draw so a run is reproducible. */
public final class ToyBatchSource implements BatchSource {
    private final String name;
    private final long seed;

    public ToyBatchSource(String name, long seed) {
        ToyData.sample(name, 1, seed); // fails early on an unknown name
        this.name = name;
        this.seed = seed;
    }

    @Override public int dimension() { return 2; }

    @Override public double[] batch(int n, int draw) { return ToyData.sample(name, n, seed * 1_000_003L + draw + 1); }
}
