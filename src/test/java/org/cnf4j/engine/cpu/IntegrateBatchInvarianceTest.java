package org.cnf4j.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.cnf4j.backend.DType;
import org.cnf4j.model.PhiParams;
import org.cnf4j.ode.Tableau;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * integrate gives each sample the same end state, bit for bit, whatever the batch around it: n, the sample's place,
 * the blocks a caller cuts the rows into (so cnf4j logp on a file and a scorer that sees the rows in blocks agree).
 */
class IntegrateBatchInvarianceTest {

    private static void check(PhiParams p, int n, int nt, long seed) {
        int d = p.shape.d(), w = d + 3;
        Random r = new Random(seed);
        double[] z0 = new double[n * w];
        for (int i = 0; i < n; i++) for (int q = 0; q < d; q++) z0[i * w + q] = r.nextGaussian();
        try (CpuFlowEngine e = new CpuFlowEngine(p.shape, DType.FLOAT64, 2)) {
            double[] all = e.integrate(p, z0, n, 0, 1, nt, Tableau.RK4, 1.0);
            int blocks = 0;
            for (int s = 0; s < n; blocks++) {
                int c = Math.min(n - s, blocks % 3 == 0 ? 1 + r.nextInt(7) : 1 + r.nextInt(150));
                double[] part = e.integrate(p, Arrays.copyOfRange(z0, s * w, (s + c) * w), c, 0, 1, nt, Tableau.RK4, 1.0);
                for (int k = 0; k < c * w; k++) {
                    assertEquals(Double.doubleToRawLongBits(all[s * w + k]), Double.doubleToRawLongBits(part[k]),
                            "sample " + (s + k / w) + ", value " + (k % w) + " in a block of " + c + " at " + s);
                }
                s += c;
            }
        }
    }

    @Test
    void swissrollSamplesDoNotDependOnTheirBatch() throws IOException {
        check(ReferenceModel.load(Fixtures.swissroll()).params(), 1500, 8, 1);
    }

    @Test
    void minibooneSamplesDoNotDependOnTheirBatch() throws IOException {
        check(ReferenceModel.load(Fixtures.miniboone()).params(), 230, 2, 2);
    }

    @Test
    void alignedChunksStartAtTileMultiplesAndCoverTheBatch() {
        for (int d : new int[] {1, 2, 43}) {
            try (CpuFlowEngine e = new CpuFlowEngine(new org.cnf4j.model.PhiShape(d, 8, 2), DType.FLOAT64, 1)) {
                for (int n = 1; n < 3000; n += 1 + n / 7) {
                    int[] s = e.alignedChunkStarts(n);
                    assertEquals(0, s[0]);
                    assertEquals(n, s[s.length - 1]);
                    for (int c = 1; c < s.length; c++) {
                        assertTrue(s[c] > s[c - 1], "empty chunk at n=" + n);
                        if (c < s.length - 1) assertEquals(0, s[c] % CpuFlowEngine.SAMPLE_ALIGN, "n=" + n);
                    }
                }
            }
        }
    }
}
