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

    @Test
    void gpuMathIsCheckedAndReachesTheEngine() throws Exception {
        Cli.Result bad = Cli.run("train", "--data", "8gaussians", "--iters", "2", "--gpu-math", "fp8", "--device", "auto", "--out", dir.resolve("m0").toString());
        assertEquals(2, bad.code());
        assertEquals("cnf4j: error: unknown GPU math 'fp8': use fp32 or tf32", bad.err().strip());
        Cli.Result onCpu = Cli.run("logp", "--model", run.toString(), "--input", inputs.toString(), "--output", dir.resolve("m1.npy").toString(),
                "--gpu-math", "tf32");
        assertEquals(2, onCpu.code());
        assertEquals("cnf4j: error: GPU math tf32 applies to the GPU engine: use device cuda (or auto), or leave it out", onCpu.err().strip());
        assertFalse(Files.exists(dir.resolve("m0")) || Files.exists(dir.resolve("m1.npy")), "nothing written");
        assertEquals(0, Cli.run("logp", "--model", run.toString(), "--input", inputs.toString(), "--output", dir.resolve("m2.npy").toString(),
                "--gpu-math", "FP32", "--nt", "4").code(), "fp32 is the CPU's own arithmetic: allowed");
        try (Emulation e = Emulation.install()) {
            Cli.Result fp32 = Cli.run("train", "--data", "8gaussians", "--iters", "2", "--device", "cuda", "--no-plot", "--out", dir.resolve("m-fp32").toString());
            Cli.Result tf32 = Cli.run("train", "--data", "8gaussians", "--iters", "2", "--device", "cuda", "--gpu-math", "tf32", "--no-plot",
                    "--out", dir.resolve("m-tf32").toString());
            assertEquals(0, fp32.code(), fp32.err());
            assertEquals(0, tf32.code(), tf32.err());
            assertTrue(tf32.out().contains("rounded to 10 mantissa bits"), tf32.out());
            assertFalse(fp32.out().contains("mantissa bits"), fp32.out());
            // the log's 6 digits hide a change of 1e-4; the weights after the second Adam step show it
            String w = "weights/N.layers.1.weight.npy";
            assertNotEquals(java.util.Arrays.toString(Npy.read(dir.resolve("m-fp32").resolve(w)).data()),
                    java.util.Arrays.toString(Npy.read(dir.resolve("m-tf32").resolve(w)).data()), "tf32 trace products change the gradient");
            Cli.Result resumed = Cli.run("train", "--out", dir.resolve("m-tf32").toString(), "--resume", "--iters", "3", "--device", "cuda",
                    "--gpu-math", "tf32", "--no-plot");
            assertEquals(0, resumed.code(), "--resume takes --gpu-math: " + resumed.err());
        }
    }
}
