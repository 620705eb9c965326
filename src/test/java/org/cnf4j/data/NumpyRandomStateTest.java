package org.cnf4j.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Expected values from NumPy 2.4 (legacy RandomState, unchanged since 1.x). */
class NumpyRandomStateTest {
    @Test
    void randMatchesNumpy() {
        // np.random.RandomState(42).rand(2)
        NumpyRandomState r = new NumpyRandomState(42);
        assertEquals(0.3745401188473625, r.rand(), 0);
        assertEquals(0.9507143064099162, r.rand(), 0);
    }

    @Test
    void shuffleThenRandMatchesNumpy() {
        // r = RandomState(42); a = np.arange(20.).reshape(10, 2); r.shuffle(a); a[:, 0]; r.rand(3, 1)
        NumpyRandomState r = new NumpyRandomState(42);
        double[] a = new double[20];
        for (int i = 0; i < 20; i++) a[i] = i;
        r.shuffleRows(a, 10, 2);
        double[] first = new double[10];
        for (int i = 0; i < 10; i++) {
            first[i] = a[2 * i];
            assertEquals(a[2 * i] + 1, a[2 * i + 1], 0, "rows move as a whole");
        }
        assertArrayEquals(new double[] {16, 2, 10, 0, 14, 4, 18, 8, 6, 12}, first, 0);
        assertEquals(0.15599452033620265, r.rand(), 0);
        assertEquals(0.05808361216819946, r.rand(), 0);
        assertEquals(0.8661761457749352, r.rand(), 0);
    }
}
