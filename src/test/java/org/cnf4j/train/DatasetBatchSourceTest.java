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

    private static org.cnf4j.data.Dataset dataset(int nTrain, int d) {
        return new org.cnf4j.data.Dataset("rows", d, rows(nTrain, d), nTrain, rows(7, d), 7, rows(3, d), 3, new double[d], ones(d), null, java.util.List.of());
    }

    private static double[] ones(int d) {
        double[] o = new double[d];
        java.util.Arrays.fill(o, 1);
        return o;
    }

    @Test
    void oneShardIsThePlainLoopBitForBit() {
        DatasetBatchSource plain = new DatasetBatchSource(rows(103, 3), 103, 3, 5);
        DatasetBatchSource one = DatasetBatchSource.of(org.cnf4j.data.DataShard.whole(dataset(103, 3), 1), 5);
        for (int draw : new int[] {0, 1, 9, 10, 23, 57}) assertArrayEquals(plain.batch(10, draw), one.batch(10, draw), 0.0);
    }

    @Test
    void shardedBatchesAreTheTasksPartsInOrder() {
        org.cnf4j.data.Dataset ds = dataset(101, 2);
        DatasetBatchSource whole = DatasetBatchSource.of(org.cnf4j.data.DataShard.whole(ds, 3), 8);
        DatasetBatchSource[] parts = new DatasetBatchSource[3];
        for (int r = 0; r < 3; r++) parts[r] = DatasetBatchSource.of(org.cnf4j.data.DataShard.cut(ds, r, 3, 6), 8);
        // blocks of 33, 34, 34 rows; a batch of 10 takes 3, 3, 4 of them: min(33/3, 34/3, 34/4) = 8 batches an epoch
        assertEquals(8, whole.batchesPerEpoch(10));
        for (DatasetBatchSource p : parts) assertEquals(8, p.batchesPerEpoch(10));
        Set<Double> seen = new HashSet<>();
        for (int draw = 0; draw < 20; draw++) {
            double[] b = whole.batch(10, draw);
            double[] glued = new double[0];
            for (DatasetBatchSource p : parts) {
                double[] q = p.batch(10, draw);
                int at = glued.length;
                glued = java.util.Arrays.copyOf(glued, at + q.length);
                System.arraycopy(q, 0, glued, at, q.length);
            }
            assertArrayEquals(b, glued, 0.0, "draw " + draw + ": the whole batch is the tasks' parts in rank order");
            for (int i = 0; i < 10; i++) {
                double row = b[i * 2];
                int block = i < 3 ? 0 : i < 6 ? 1 : 2;   // rows 0..32, 33..66, 67..100
                assertTrue(row >= new int[] {0, 33, 67}[block] && row < new int[] {33, 67, 101}[block], "row " + row + " from block " + block);
                if (draw < 8) assertTrue(seen.add(row), "row seen twice in one epoch");
            }
        }
        assertFalse(java.util.Arrays.equals(whole.batch(10, 0), new DatasetBatchSource(rows(101, 2), 101, 2, 8).batch(10, 0)), "other batches than unsharded");
    }

    @Test
    void aShardWithFewerRowsThanItsPartIsAClearError() {
        DatasetBatchSource s = DatasetBatchSource.of(org.cnf4j.data.DataShard.whole(dataset(7, 2), 3), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.batch(8, 0));
        assertTrue(e.getMessage().contains("shard 2 of 3 has 2 training rows, fewer than its 3 rows of a batch of 8"), e.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> s.batch(2, 0));
        assertTrue(small.getMessage().contains("cannot be cut into 3 shards"), small.getMessage());
    }
}
