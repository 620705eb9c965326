package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

    /** {exit code, stdout, stderr}, as the assertions below index them. */
    private static Object[] run(String... args) {
        Cli.Result r = Cli.run(args);
        return new Object[] {r.code(), r.out(), r.err()};
    }

    @Test
    void printsOneJsonLineWithTimings() throws Exception {
        Object[] r = run("bench", "--d", "2", "--m", "8", "--n", "64", "--nt", "2", "--reps", "2", "--warmup", "1");
        assertEquals(0, r[0], "stderr: " + r[2]);
        String stdout = ((String) r[1]).trim();
        assertEquals(1, stdout.lines().count(), "expected one line, got: " + stdout);
        JsonNode j = new ObjectMapper().readTree(stdout);

        assertEquals("cnf4j", j.get("bench").asText());
        assertTrue(j.get("blas").asText().startsWith("OpenBLAS "), "the BLAS build is recorded: " + j.get("blas"));
        assertTrue(j.get("blas").asText().contains("; built for "), j.get("blas").asText());
        assertTrue(j.get("blas").asText().contains("DYNAMIC_ARCH"), "the build target is not the kernel that runs: " + j.get("blas"));
        // the pom overrides ND4J's OpenBLAS 0.3.19, which runs its SSE3 kernels on Zen 5 (docs/BENCHMARKS.md)
        java.util.regex.Matcher ver = java.util.regex.Pattern.compile("^OpenBLAS (\\d+)\\.(\\d+)\\.(\\d+)").matcher(j.get("blas").asText());
        assertTrue(ver.find(), j.get("blas").asText());
        int[] v = {Integer.parseInt(ver.group(1)), Integer.parseInt(ver.group(2)), Integer.parseInt(ver.group(3))};
        assertTrue(v[0] > 0 || v[1] > 3 || (v[1] == 3 && v[2] >= 31), "OpenBLAS 0.3.31 or later on the classpath: " + j.get("blas"));
        String forced = System.getenv("OPENBLAS_CORETYPE");
        assertTrue(j.get("blas").asText().contains(forced == null || forced.isBlank() ? "chosen for the CPU at load"
                : "forced by OPENBLAS_CORETYPE=" + forced.trim()), "a forced kernel is recorded: " + j.get("blas"));
        assertTrue(j.hasNonNull("cpu") && !j.get("cpu").asText().isBlank(), "the CPU is recorded: " + j.get("cpu"));
        JsonNode cfg = j.get("config");
        for (String k : new String[] {"d", "m", "nTh", "n", "nt", "dtype", "alph", "seed", "reps", "warmup"}) {
            assertTrue(cfg.has(k), "config." + k);
        }
        assertEquals(2, cfg.get("d").asInt());
        assertEquals(8, cfg.get("m").asInt());
        assertEquals(2, cfg.get("nTh").asInt());
        assertEquals(64, cfg.get("n").asInt());
        assertEquals(2, cfg.get("nt").asInt());
        assertEquals("float32", cfg.get("dtype").asText());
        assertEquals(3, cfg.get("alph").size());
        assertEquals(100.0, cfg.get("alph").get(1).asDouble());
        assertTrue(j.get("java").isTextual());
        assertEquals(1, j.get("threads").asInt());
        // A (3x3) + c.weight (3) + c.bias (1) + w (8) + K0 (8x3) + b0 (8) + K1 (8x8) + b1 (8)
        assertEquals(9 + 3 + 1 + 8 + 24 + 8 + 64 + 8, j.get("n_params").asInt());

        for (String mode : new String[] {"fwd", "fwdbwd"}) {
            JsonNode m = j.get(mode);
            assertTrue(m != null && m.isObject(), mode);
            for (String k : new String[] {"median_s", "min_s", "max_s", "reps", "loss", "peak_rss_mb"}) {
                assertTrue(m.has(k), mode + "." + k);
            }
            double min = m.get("min_s").asDouble(), med = m.get("median_s").asDouble(), max = m.get("max_s").asDouble();
            assertTrue(min > 0 && min <= med && med <= max, mode + " times " + min + " " + med + " " + max);
            assertEquals(2, m.get("reps").asInt());
            assertTrue(Double.isFinite(m.get("loss").asDouble()), mode + ".loss");
        }
        assertEquals(j.get("fwd").get("loss").asDouble(), j.get("fwdbwd").get("loss").asDouble(), 1e-9,
                "the loss does not depend on whether gradients are computed");
        double gn = j.get("fwdbwd").get("grad_norm").asDouble();
        assertTrue(gn > 0 && Double.isFinite(gn), "grad_norm " + gn);
        assertTrue(j.get("peak_rss_mb").asDouble() > 0, "peak_rss_mb");
    }

    @Test
    void singleModeOmitsTheOther() throws Exception {
        Object[] r = run("bench", "--d", "2", "--m", "4", "--n", "8", "--nt", "1", "--reps", "1", "--warmup", "0",
                "--mode", "fwd", "--dtype", "float64", "--alph", "1,10,5");
        assertEquals(0, r[0], "stderr: " + r[2]);
        JsonNode j = new ObjectMapper().readTree(((String) r[1]).trim());
        assertTrue(j.has("fwd"));
        assertTrue(!j.has("fwdbwd"));
        assertEquals("float64", j.get("config").get("dtype").asText());
    }

    @Test
    void badArgumentsExitWithTwo() {
        String[][] bad = {
            {"bench", "--no-such-flag"},
            {"bench", "--d", "0"},
            {"bench", "--n", "0"},
            {"bench", "--reps", "0"},
            {"bench", "--mode", "sideways"},
            {"bench", "--dtype", "float16"},
            {"bench", "--alph", "1,2"},
            {"bench", "--alph", "1,x,3"},
            {"bench", "--d", "two"},
            {"bench", "--device", "tpu"},
        };
        for (String[] args : bad) {
            Object[] r = run(args);
            assertEquals(2, r[0], String.join(" ", args) + " -> stderr: " + r[2]);
            assertEquals("", ((String) r[1]).trim(), "nothing on stdout for " + String.join(" ", args));
        }
        // no GPU on this machine: --device cuda is a one-line runtime error, exit 1
        Object[] cuda = run("bench", "--device", "cuda", "--d", "2", "--m", "4", "--n", "8", "--nt", "1", "--reps", "1");
        if (org.cnf4j.engine.Engines.cudaUnavailableReason() != null) {
            assertEquals(1, cuda[0], "stderr: " + cuda[2]);
            assertEquals(1, ((String) cuda[2]).trim().lines().count(), "one line: " + cuda[2]);
            assertTrue(((String) cuda[2]).contains("--device cpu"), (String) cuda[2]);
        }
        Object[] r = run("bench", "--mode", "sideways");
        String err = ((String) r[2]).trim();
        assertEquals(1, err.lines().count(), "one-line message: " + err);
        assertTrue(err.contains("mode"), err);
    }
}
