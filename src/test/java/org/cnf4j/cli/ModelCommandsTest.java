package org.cnf4j.cli;

import static org.cnf4j.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.format.Npy;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** import-otflow, logp, sample and eval on the reference swissroll model. */
class ModelCommandsTest {
    @TempDir static Path dir;
    static Path run;

    @BeforeAll
    static void importReference() {
        run = dir.resolve("swissroll");
        Cli.Result r = Cli.run("import-otflow", "--weights", swissroll().resolve("weights").toString(),
                "--config", swissroll().resolve("config.json").toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(run.resolve("config.json")));
        assertTrue(Files.isRegularFile(run.resolve("weights/A.npy")));
    }

    @Test
    void logpOfTheImportedModelReproducesTheReference() throws Exception {
        Path out = dir.resolve("logp.npy");
        Cli.Result r = Cli.run("logp", "--model", run.toString(), "--input", swissroll().resolve("inputs.npy").toString(),
                "--output", out.toString(), "--nt", "12", "--dtype", "float64");
        assertEquals(0, r.code(), r.err());
        Npy.Array a = Npy.read(out);
        assertEquals(64, a.rows());
        assertRel(a.data(), npy(swissroll().resolve("logp_nt12.npy")).data(), 1e-10, "logp via the CLI");

        Path csv = dir.resolve("logp.csv");
        assertEquals(0, Cli.run("logp", "--model", run.toString(), "--input", swissroll().resolve("inputs.npy").toString(),
                "--output", csv.toString(), "--nt", "12", "--dtype", "float64").code());
        assertArrayEquals(a.data(), MatrixFile.read(csv).data(), 0.0);
    }

    @Test
    void sampleWritesPointsAndConsistentLogDensities() throws Exception {
        Path out = dir.resolve("samples.npy");
        Cli.Result r = Cli.run("sample", "--model", run.toString(), "-n", "50", "--output", out.toString(), "--with-logp", "--seed", "7", "--nt", "16");
        assertEquals(0, r.code(), r.err());
        MatrixFile.Matrix m = MatrixFile.read(out);
        assertEquals(50, m.rows());
        assertEquals(3, m.cols());
        double[] x = columns(m.data(), 3, 0, 2), lp = column(m.data(), 3, 2);
        Path xs = dir.resolve("xs.npy"), back = dir.resolve("back.npy");
        MatrixFile.write(xs, x, 50, 2);
        assertEquals(0, Cli.run("logp", "--model", run.toString(), "--input", xs.toString(), "--output", back.toString(), "--nt", "16").code());
        assertRel(Npy.read(back).data(), lp, 1e-3, "forward log p of the samples vs the backward one");
        // the same seed gives the same samples
        Path again = dir.resolve("again.npy");
        assertEquals(0, Cli.run("sample", "--model", run.toString(), "-n", "50", "--output", again.toString(), "--with-logp", "--seed", "7", "--nt", "16").code());
        assertArrayEquals(m.data(), MatrixFile.read(again).data(), 0.0);
    }

    @Test
    void evalWritesTableAndJson() throws Exception {
        Path json = dir.resolve("eval.json");
        Cli.Result r = Cli.run("eval", "--model", run.toString(), "--max-test", "1000", "--mmd-n", "300", "--output", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("test NLL"), r.out());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals("swissroll", j.get("data").asText());
        double nll = j.get("test_nll").asDouble();
        assertTrue(nll > 2 && nll < 3.5, "swissroll test NLL " + nll);
        assertTrue(j.get("inverse_error").asDouble() < 1e-5);
        assertTrue(Math.abs(j.get("mmd2").asDouble()) < 0.01, "MMD^2 " + j.get("mmd2"));
        assertTrue(j.get("seconds").get("total").asDouble() > 0);

        Path ad = dir.resolve("adaptive.json");
        r = Cli.run("eval", "--model", run.toString(), "--max-test", "300", "--mmd-n", "100", "--adaptive", "--rtol", "1e-6", "--atol", "1e-6",
                "--output", ad.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode a = new ObjectMapper().readTree(ad.toFile());
        assertEquals("dopri5", a.get("integrator").asText());
        assertTrue(a.get("derivative_evaluations").asLong() > 6);
        assertTrue(r.out().contains("derivative evaluations"), r.out());
    }

    @Test
    void adaptiveLogDensityAgreesWithFineRk4() throws Exception {
        var ref = org.cnf4j.run.RunModel.load(run);
        double[] x = npy(swissroll().resolve("inputs.npy")).data();
        try (var e = new org.cnf4j.engine.cpu.CpuFlowEngine(ref.shape(), org.cnf4j.backend.DType.FLOAT64, 1)) {
            var af = new org.cnf4j.eval.AdaptiveFlow(e, ref.maps().get(0), ref.alpha().a0(), 1e-9, 1e-9);
            double[] lp = af.logDensity(x, 64);
            assertRel(lp, npy(swissroll().resolve("logp_nt32.npy")).data(), 1e-5, "dopri5 vs RK4 nt=32");
            assertTrue(af.evaluations() > 0);
        }
    }
}
