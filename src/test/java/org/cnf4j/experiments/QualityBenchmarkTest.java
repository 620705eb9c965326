package org.cnf4j.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quality benchmark's known density is right, and its smoke run measures every model against it. */
class QualityBenchmarkTest {
    @Test
    void theMixturesDensityIsTheGaussianFormula() {
        QualityBenchmark.Mixture m = new QualityBenchmark.Mixture(2, 1, 5);
        double[] l = m.chol[0];
        double c00 = l[0] * l[0], c01 = l[2] * l[0], c11 = l[2] * l[2] + l[3] * l[3], det = c00 * c11 - c01 * c01;
        double[] x = {0.3, -1.2, 2.0, 0.5};
        double[] lp = m.logDensity(x, 2);
        for (int i = 0; i < 2; i++) {
            double a = x[2 * i] - m.means[0][0], b = x[2 * i + 1] - m.means[0][1];
            double q = (c11 * a * a - 2 * c01 * a * b + c00 * b * b) / det;
            assertEquals(-Math.log(2 * Math.PI) - 0.5 * Math.log(det) - 0.5 * q, lp[i], 1e-12);
        }
        // a sample's mean log density approaches minus the entropy from above and below: KL of the truth to itself is 0
        QualityBenchmark.Mixture big = new QualityBenchmark.Mixture(16, 10, 20261203L);
        double[] xs = big.sample(4000, 1);
        double mean = java.util.Arrays.stream(big.logDensity(xs, 4000)).average().orElseThrow();
        assertTrue(Double.isFinite(mean) && mean < 0, "mean log p " + mean);
    }

    @Test
    void aSmokeRunScoresFlowAndBaselinesAgainstTheTruth(@TempDir Path dir) throws Exception {
        List<QualityBenchmark.Row> rows = new QualityBenchmark(QualityBenchmark.Settings.quick()).run(dir, "test");
        assertEquals(1, rows.size());
        QualityBenchmark.Row r = rows.get(0);
        assertTrue(Double.isFinite(r.trueNll()), r.toString());
        // nothing beats the true density by much on 60 test rows; the Gaussian mixture is a real competitor
        assertTrue(r.kl(r.mixtureNll()) > -1.0 && r.kl(r.gaussianNll()) > -1.0, r.toString());
        assertTrue(r.kl(r.flowNll()) > 0, "a 4-iteration flow is far from the truth: " + r);
        assertEquals(4, r.iterations());
        assertTrue(Double.isFinite(r.flowTrainNll()) && Double.isFinite(r.trueTrainNll()), r.toString());
        assertTrue(r.flowTrainNll() - r.trueTrainNll() > 0, "a 4-iteration flow has not learnt its training rows either: " + r);
        assertEquals(r.flowNll() - r.flowTrainNll(), r.gap(), 1e-12);
        List<String> results = Files.readAllLines(dir.resolve("results.csv"));
        assertTrue(results.get(0).endsWith(",flow_train_nll,true_train_nll"), results.get(0));
        String[] cells = results.get(1).split(",");
        assertEquals(r.flowTrainNll(), Double.parseDouble(cells[cells.length - 2]), 1e-4);
        assertEquals(r.trueTrainNll(), Double.parseDouble(cells[cells.length - 1]), 1e-4);
        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| mixture16 |") && md.contains("flow test - train"), md);
        assertTrue(Files.isRegularFile(dir.resolve("mixture16.csv")));
        // the validation curve: the one validation of a 4-iteration run (the last iteration), beside the baselines
        List<double[]> pts = r.curve().points();
        assertEquals(4, (int) pts.get(pts.size() - 1)[0]);
        assertTrue(Double.isFinite(pts.get(0)[2]) && pts.get(0)[1] > 0, "NLL and seconds of " + java.util.Arrays.toString(pts.get(0)));
        assertTrue(r.curve().mixtureValidation() < r.curve().gaussianValidation() + 1e-9, r.curve().toString());
        List<String> csv = Files.readAllLines(dir.resolve("curves.csv"));
        assertEquals("data,seed,iteration,seconds,validation_nll", csv.get(0));
        assertEquals(1 + pts.size(), csv.size());
        assertTrue(csv.get(csv.size() - 1).startsWith("mixture16,0,4,"), csv.toString());
        assertTrue(Files.size(dir.resolve("curves.png")) > 1000);
    }
}
