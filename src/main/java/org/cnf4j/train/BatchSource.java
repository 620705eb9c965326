package org.cnf4j.train;

/** Supplies training batches (row-major, n x d). */
public interface BatchSource {
    int dimension();

    /** A batch of n samples; {@code draw} counts the draws, so a seeded source is reproducible. */
    double[] batch(int n, int draw);
}
