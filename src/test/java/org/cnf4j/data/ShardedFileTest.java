package org.cnf4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.cnf4j.format.MatrixFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shard read by streaming the file ({@link ShardedFile}) holds what cutting the in-memory data set
 * ({@link DataSets#load} then {@link DataShard#cut}) holds: the same rows, the same dequantisation, the same
 * statistics up to the order of their sums.
 */
class ShardedFileTest {
    @TempDir Path tmp;

    @Test
    void randomAccessNoiseIsTheGeneratorsSequence() {
        for (long seed : new long[] {0, 1, -7, 0x5eed5eedL, Long.MAX_VALUE}) {
            SplittableRandom r = new SplittableRandom(seed);
            for (long k = 0; k < 2000; k++) assertEquals(r.nextDouble(), ShardedFile.noise(seed, k), "draw " + k + " of seed " + seed);
        }
    }

    private Path continuousCsv(int n, int d) throws IOException {
        SplittableRandom r = new SplittableRandom(3);
        StringBuilder b = new StringBuilder();
        for (int j = 0; j < d; j++) b.append(j > 0 ? "," : "").append("c").append(j);
        b.append('\n');
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) b.append(j > 0 ? "," : "").append(String.format(Locale.ROOT, "%.9g", (j + 1) * r.nextGaussian() + 3 * j));
            b.append('\n');
        }
        return DataTestUtil.write(tmp.resolve("rows.csv"), b.toString());
    }

    /** Asserts that shard r of s read by streaming equals the in-memory cut, rows to round-off. */
    private static void assertSameShards(String source, long seed, int s, int valBatch) throws IOException {
        Dataset full = DataSets.load(source, seed);
        ShardedFile f = DataSets.openShards(source, seed);
        assertNotNull(f);
        assertEquals(full.d(), f.cols());
        assertEquals(new Preprocessing.SplitSizes(full.nTrain(), full.nValidation(), full.nTest()), f.split());
        int trainRows = 0;
        for (int r = 0; r < s; r++) {
            DataShard want = DataShard.cut(full, r, s, valBatch), got = f.load(r, s, valBatch);
            assertEquals(want.rows().nTrain(), got.rows().nTrain());
            assertEquals(want.rows().nValidation(), got.rows().nValidation());
            assertEquals(want.rows().nTest(), got.rows().nTest());
            assertEquals(want.rows().dequantisation(), got.rows().dequantisation());
            assertClose(full.mean(), got.rows().mean(), 1e-14);
            assertClose(full.std(), got.rows().std(), 1e-14);
            assertClose(want.rows().train(), got.rows().train(), 1e-12);
            assertClose(want.rows().validation(), got.rows().validation(), 1e-12);
            assertClose(want.rows().test(), got.rows().test(), 1e-12);
            assertTrue(got.describe().startsWith("shard " + (r + 1) + " of " + s + " shards: " + got.rows().nTrain() + " of " + full.nTrain()), got.describe());
            trainRows += got.rows().nTrain();
        }
        assertEquals(full.nTrain(), trainRows, "the shards' training rows add up to the split");
    }

    private static void assertClose(double[] want, double[] got, double tol) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), "value " + i);
        }
    }

    @Test
    void continuousCsvShardsEqualTheInMemoryCut() throws IOException {
        Path csv = continuousCsv(503, 4);
        assertSameShards(csv.toString(), 7, 3, 40);
        assertSameShards(csv.toString(), 7, 2, 45);   // the whole validation split
    }

    @Test
    void integerDataAreDequantisedWithTheSameNoise() throws IOException {
        // digits: 0..16 integers, dequantised with u ~ U(0,1) per value: the streamed noise must be the in-memory draw
        Path digits = Path.of("data/digits.csv");
        assertSameShards(digits.toString(), 3, 2, 100);
        DataShard s = DataSets.openShards(digits.toString(), 3).load(1, 2, 100);
        assertNotNull(s.rows().dequantisation());
        assertEquals(17.0, s.rows().dequantisation().scale());
    }

    @Test
    void npyShardsEqualTheInMemoryCut() throws IOException {
        Path csv = continuousCsv(211, 3);
        MatrixFile.Matrix m = MatrixFile.read(csv);
        Path npy = tmp.resolve("rows.npy");
        org.cnf4j.format.Npy.write(npy, m.data(), new int[] {m.rows(), m.cols()}, false);
        assertSameShards(npy.toString(), 11, 4, 16);
    }

    @Test
    void aShardReadsOnlyItsBlocks() throws IOException {
        Path csv = continuousCsv(100, 2);
        ShardedFile f = DataSets.openShards(csv.toString(), 0);
        Preprocessing.SplitSizes sp = f.split();   // 81 / 9 / 10
        DataShard last = f.load(2, 3, 9);
        assertEquals(DataShard.hi(sp.train(), 2, 3) - DataShard.lo(sp.train(), 2, 3), last.rows().nTrain());
        assertEquals(3, last.rows().nValidation());
        assertEquals(4, last.rows().nTest());
        assertArrayEquals(last.rows().validation(), last.validationBatch(9));
        assertThrows(IllegalArgumentException.class, () -> last.validationBatch(8), "a shard answers the batch it was read for only");
    }

    @Test
    void theInMemoryChecksHoldForEveryShard() throws IOException {
        StringBuilder rows = new StringBuilder("a,b\n");
        for (int i = 0; i < 30; i++) rows.append(i + 0.25).append(",5.5\n");   // not integers: no dequantisation noise
        Path flat = DataTestUtil.write(tmp.resolve("flat.csv"), rows.toString());
        String want = assertThrows(IllegalArgumentException.class, () -> DataSets.load(flat.toString(), 0)).getMessage();
        for (int r = 0; r < 2; r++) {
            int rr = r;
            String got = assertThrows(IllegalArgumentException.class, () -> DataSets.openShards(flat.toString(), 0).load(rr, 2, 2)).getMessage();
            assertEquals(want, got);
        }
        // a column that is an exact combination of others: the same refusal whichever way the file is read
        StringBuilder sum = new StringBuilder("a,b,total\n");
        java.util.SplittableRandom g = new java.util.SplittableRandom(4);
        for (int i = 0; i < 40; i++) {
            double a = g.nextDouble(), b = g.nextDouble();
            sum.append(a).append(',').append(b).append(',').append(2 * a - b + 3).append('\n');
        }
        Path total = DataTestUtil.write(tmp.resolve("total.csv"), sum.toString());
        String whole = assertThrows(IllegalArgumentException.class, () -> DataSets.load(total.toString(), 0)).getMessage();
        assertTrue(whole.contains("column 3 is a linear combination of columns 1, 2"), whole);
        for (int r = 0; r < 2; r++) {
            int rr = r;
            assertEquals(whole, assertThrows(IllegalArgumentException.class, () -> DataSets.openShards(total.toString(), 0).load(rr, 2, 2)).getMessage());
        }
        IllegalArgumentException many = assertThrows(IllegalArgumentException.class, () -> DataSets.openShards(continuousCsv(30, 2).toString(), 0).load(0, 5, 3));
        DataTestUtil.oneLine(many, "--batch-shards 5", "use fewer shards");
        assertNull(DataSets.openShards("8gaussians", 0), "toy sets have no file to shard");
    }

    @Test
    void aPipeIsRefusedWithOneLine() throws Exception {
        Path fifo = tmp.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, p.waitFor());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSets.openShards(fifo.toString(), 0));
        DataTestUtil.oneLine(e, "must be a regular file", "save the data to a file first");
        assertTrue(Files.exists(fifo));
    }
}
