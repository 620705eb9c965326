package org.cnf4j.cli;

import static org.cnf4j.testing.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.cuda.Emulation;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.format.Npy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --device on eval, logp, sample and plot: auto falls back to the CPU here, cuda fails with train's one-line error
 * and writes nothing, and with the CUDA engine emulated on the Java twins each command runs through the GPU path
 * and agrees with the CPU engine.
 */
class DeviceOptionTest {
    @TempDir static Path dir;
    static Path run, inputs;

    @BeforeAll
    static void importReference() {
        run = dir.resolve("swissroll");
        inputs = swissroll().resolve("inputs.npy");
        assertEquals(0, Cli.run("import-otflow", "--weights", swissroll().resolve("weights").toString(),
                "--config", swissroll().resolve("config.json").toString(), "--out", run.toString()).code());
    }

    private static String[][] commands(String device, String tag) {
        String m = run.toString();
        return new String[][] {
            {"logp", "--model", m, "--input", inputs.toString(), "--output", dir.resolve(tag + "-logp.npy").toString(), "--nt", "4", "--device", device},
            {"sample", "--model", m, "-n", "20", "--with-logp", "--nt", "4", "--output", dir.resolve(tag + "-sample.npy").toString(), "--device", device},
            {"eval", "--model", m, "--max-test", "40", "--mmd-n", "20", "--nt", "4", "--output", dir.resolve(tag + "-eval.json").toString(), "--device", device},
            {"plot", "--model", m, "--samples", "50", "--grid", "8", "--nt", "4", "--out", dir.resolve(tag + "-plot.png").toString(), "--device", device},
        };
    }

    @Test
    void autoRunsEveryCommand() {
        for (String[] c : commands("auto", "auto")) {
            Cli.Result r = Cli.run(c);
            assertEquals(0, r.code(), c[0] + ": " + r.err());
        }
    }

    @Test
    void cudaWithoutADriverIsTrainsOneLineErrorAndWritesNothing() {
        String why = Engines.cudaUnavailableReason();
        Assumptions.assumeTrue(why != null, "a CUDA device answers here");
        Cli.Result train = Cli.run("train", "--data", "8gaussians", "--iters", "2", "--device", "cuda", "--out", dir.resolve("never").toString());
        for (String[] c : commands("cuda", "cuda")) {
            Cli.Result r = Cli.run(c);
            assertEquals(1, r.code(), c[0]);
            assertEquals(train.err(), r.err(), c[0] + " fails as train does");
            assertEquals("cnf4j: error: " + why, r.err().strip(), c[0]);
            assertFalse(r.err().contains("\tat "), "no stack trace");
        }
        assertFalse(Files.exists(dir.resolve("never")));
        for (String f : new String[] {"cuda-logp.npy", "cuda-sample.npy", "cuda-eval.json", "cuda-plot.png"}) assertFalse(Files.exists(dir.resolve(f)), f);
    }

    @Test
    void emulatedCudaRunsEveryCommandAndAgreesWithTheCpu() throws Exception {
        try (Emulation e = Emulation.install()) {
            for (String[] c : commands("cuda", "emu")) {
                Cli.Result r = Cli.run(c);
                assertEquals(0, r.code(), c[0] + ": " + r.err());
            }
            Cli.Result auto = Cli.run("logp", "--model", run.toString(), "--input", inputs.toString(), "--output", dir.resolve("auto-emu.npy").toString(),
                    "--nt", "4", "--device", "auto");
            assertEquals(0, auto.code(), auto.err());
        }
        for (String[] c : commands("cpu", "cpu")) assertEquals(0, Cli.run(c).code(), c[0]);
        assertRel(Npy.read(dir.resolve("emu-logp.npy")).data(), Npy.read(dir.resolve("cpu-logp.npy")).data(), 1e-12, "logp, emulated cuda vs cpu");
        assertRel(Npy.read(dir.resolve("auto-emu.npy")).data(), Npy.read(dir.resolve("cpu-logp.npy")).data(), 1e-12, "auto picks the (emulated) GPU");
        assertRel(MatrixFile.read(dir.resolve("emu-sample.npy")).data(), MatrixFile.read(dir.resolve("cpu-sample.npy")).data(), 1e-10, "samples");
        var om = new com.fasterxml.jackson.databind.ObjectMapper();
        var ge = om.readTree(dir.resolve("emu-eval.json").toFile());
        var ce = om.readTree(dir.resolve("cpu-eval.json").toFile());
        assertEquals(ce.get("test_nll").asDouble(), ge.get("test_nll").asDouble(), 1e-10);
        assertTrue(ge.get("engine").asText().startsWith("cuda"), ge.get("engine").asText());
        assertTrue(ce.get("engine").asText().startsWith("cpu"), ce.get("engine").asText());
        assertTrue(Files.size(dir.resolve("emu-plot.png")) > 1000);
    }
}
