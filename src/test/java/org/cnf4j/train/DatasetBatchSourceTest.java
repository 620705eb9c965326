package org.cnf4j.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DatasetBatchSourceTest {
    private static double[] rows(int n, int d) {
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) x[i * d + j] = i + j / 10.0;
        return x;
    }

    @Test
    void eachEpochVisitsDistinctRowsAndDrawsAreReproducible() {
        DatasetBatchSource s = new DatasetBatchSource(rows(103, 3), 103, 3, 5);
        assertEquals(10, s.batchesPerEpoch(10));
        Set<Double> seen = new HashSet<>();
        for (int k = 0; k < 10; k++) {
            double[] b = s.batch(10, k);
            for (int i = 0; i < 10; i++) {
                assertTrue(seen.add(b[i * 3]), "row seen twice in one epoch");
                assertEquals(b[i * 3] + 0.1, b[i * 3 + 1], 1e-12, "rows stay whole");
            }
        }
        assertEquals(100, seen.size());
        // a fresh source (as after --resume) gives the same draw, in any order of requests
        DatasetBatchSource t = new DatasetBatchSource(rows(103, 3), 103, 3, 5);
        assertArrayEquals(s.batch(10, 23), t.batch(10, 23), 0.0);
        assertArrayEquals(s.batch(10, 3), t.batch(10, 3), 0.0);
        // epochs are shuffled differently, and seeds matter
        assertFalse(java.util.Arrays.equals(s.batch(10, 0), s.batch(10, 10)));
        assertFalse(java.util.Arrays.equals(s.batch(10, 0), new DatasetBatchSource(rows(103, 3), 103, 3, 6).batch(10, 0)));
    }

    @Test
    void fewerRowsThanABatchIsAClearError() {
        DatasetBatchSource s = new DatasetBatchSource(rows(5, 2), 5, 2, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.batch(8, 0));
        assertTrue(e.getMessage().contains("fewer than one batch"), e.getMessage());
    }
}
