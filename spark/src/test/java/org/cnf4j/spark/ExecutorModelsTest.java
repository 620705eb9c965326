package org.cnf4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The JVM's model + engine cache: reused while among the most recently used, evicted and closed beyond its limit. */
class ExecutorModelsTest {
    @Test
    void leastRecentlyUsedPairsAreClosedAndAHolderGetsAFreshOne() throws Exception {
        ModelBundle bundle = ModelBundle.of(Fixtures.otflowRun());
        int old = ExecutorModels.limit(2);
        try {
            EngineSpec s1 = new EngineSpec("cpu", "float64", 1), s2 = new EngineSpec("cpu", "float64", 2), s3 = new EngineSpec("cpu", "float32", 1);
            ExecutorModels.Loaded a = ExecutorModels.get(bundle, s1);
            double[][] table = Fixtures.trainingRows();
            double[] rows = new double[5 * Fixtures.D];
            for (int i = 0; i < 5; i++) System.arraycopy(table[i], 0, rows, i * Fixtures.D, Fixtures.D);
            double[] before = a.call((m, e) -> m.logDensity(e, 4, rows, 5, false));
            ExecutorModels.Loaded b = ExecutorModels.get(bundle, s2);
            assertSame(a, ExecutorModels.get(bundle, s1));   // reused; now s2 is the least recently used
            int built = ExecutorModels.built();
            ExecutorModels.get(bundle, s3);
            assertEquals(built + 1, ExecutorModels.built());
            assertTrue(b.isClosed(), "the least recently used pair beyond the limit is closed");
            assertFalse(a.isClosed());
            // a task still holding the evicted pair computes on a fresh one, with the same numbers
            double[] viaOld = b.call((m, e) -> m.logDensity(e, 4, rows, 5, false));
            assertArrayEquals(before, viaOld);
            assertNotSame(b, ExecutorModels.get(bundle, s2));
        } finally {
            ExecutorModels.limit(old);
        }
    }
}
