package org.cnf4j.cli;

import static org.cnf4j.cli.BadInputTest.fails;
import static org.cnf4j.cli.BadInputTest.frag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cnf4j.format.MatrixFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Numbers that overflow, underflow or carry no density: refused, or reported, but never a silent NaN or std 1. */
class NumericInputTest {
    @TempDir Path dir;

    /** The swissroll reference model (d = 2) with the given saved standardisation. */
    private Path model(String name, double mean, double std) throws Exception {
        Path run = Cli.importSwissroll(dir.resolve(name));
        ObjectMapper om = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) om.readTree(run.resolve("config.json").toFile());
        ObjectNode pre = cfg.putObject("preprocessing");
        pre.putArray("mean").add(mean).add(mean);
        pre.putArray("std").add(std).add(std);
        pre.putNull("dequantisation");
        om.writeValue(run.resolve("config.json").toFile(), cfg);
        return run;
    }

    /** Our lines of stderr (the first ND4J start in a test JVM may print a JavaCPP version notice the launcher hides). */
    static String ours(String err) {
        return err.lines().filter(l -> l.startsWith("cnf4j:")).collect(java.util.stream.Collectors.joining("\n"));
    }

    @Test
    void trainRefusesAConstantColumn() throws Exception {
        StringBuilder b = new StringBuilder("a,b,c\n");
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < 100; i++) b.append(r.nextGaussian()).append(",7.0,").append(r.nextGaussian()).append('\n');
        Path csv = Files.writeString(dir.resolve("const.csv"), b.toString());
        Path out = dir.resolve("never");
        fails(2, frag("const.csv", "column 2 is constant (all 7.0)", "drop it"), BadInputTest.train(csv, out));
        assertFalse(Files.exists(out));
    }

    @Test
    void trainOnTinyValuesSavesTheirRealStatistics() throws Exception {
        StringBuilder b = new StringBuilder();
        java.util.SplittableRandom r = new java.util.SplittableRandom(2);
        for (int i = 0; i < 200; i++) b.append(r.nextGaussian() * 1e-300).append(',').append((3 + 2 * r.nextGaussian()) * 1e-300).append('\n');
        Path csv = Files.writeString(dir.resolve("tiny.csv"), b.toString());
        Path run = dir.resolve("tiny");
        Cli.Result res = Cli.run(BadInputTest.train(csv, run, "--no-plot"));
        assertEquals(0, res.code(), res.err());
        var std = new ObjectMapper().readTree(run.resolve("config.json").toFile()).get("preprocessing").get("std");
        // the std used to underflow to 0 and be replaced by 1 (the data were then only centred)
        assertTrue(std.get(0).asDouble() > 0.5e-300 && std.get(0).asDouble() < 2e-300, std.toString());
        assertTrue(std.get(1).asDouble() > 1e-300 && std.get(1).asDouble() < 4e-300, std.toString());
    }

    @Test
    void logpReportsRowsWithoutAFiniteLogDensityAndAveragesTheRest() throws Exception {
        Path model = model("identity", 0, 1);
        Path in = Files.writeString(dir.resolve("far.csv"), "0.1,0.2\n1.797e308,0\n-1e308,1e308\n");
        Path one = Files.writeString(dir.resolve("one.csv"), "0.1,0.2\n");
        Path out = dir.resolve("far-logp.csv"), ref = dir.resolve("one-logp.csv");
        Cli.Result r = Cli.run("logp", "--model", model.toString(), "--input", in.toString(), "--output", out.toString());
        assertEquals(0, r.code(), "every row scored and written: " + r.err());
        String err = ours(r.err());
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("cnf4j: warning: 2 of 3 rows have no finite log-density, first data row 2"), err);
        assertTrue(err.contains("left out of the mean"), err);
        assertTrue(r.out().contains("over the 1 finite ones"), r.out());
        // read by hand: MatrixFile (rightly) refuses the non-finite values this file must hold
        double[] logp = Files.readAllLines(out).stream().skip(1).mapToDouble(Double::parseDouble).toArray();
        assertTrue(Double.isFinite(logp[0]) && !Double.isFinite(logp[1]) && !Double.isFinite(logp[2]), java.util.Arrays.toString(logp));
        assertEquals(0, Cli.run("logp", "--model", model.toString(), "--input", one.toString(), "--output", ref.toString()).code());
        double alone = MatrixFile.read(ref).data()[0];
        assertEquals(alone, logp[0], 0);
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "mean %.4f nats", alone)), "the printed mean is the finite row's: " + r.out());
    }

    @Test
    void logpSaysWhenStandardisingARowOverflows() throws Exception {
        Path model = model("narrow", 0, 0.5);
        Path in = Files.writeString(dir.resolve("big.csv"), "1.797e308,0\n0.1,0.2\n");
        Cli.Result r = Cli.run("logp", "--model", model.toString(), "--input", in.toString(), "--output", dir.resolve("big-logp.npy").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("1 of 2 rows") && r.err().contains("first data row 1") && r.err().contains("standardising it overflows"), r.err());
    }

    @Test
    void sampleReportsSamplesThatOverflowInTheDataUnits() throws Exception {
        Path model = model("wide", 0, 1e308);
        Path out = dir.resolve("samples.csv");
        Cli.Result r = Cli.run("sample", "--model", model.toString(), "-n", "50", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().startsWith("cnf4j: warning: ") && r.err().contains("samples hold a NaN or an infinity"), r.err());
        assertTrue(List.of(Files.readString(out).split("[,\n]")).contains("Infinity") || Files.readString(out).contains("-Infinity"));
        Cli.Result std = Cli.run("sample", "--model", model.toString(), "-n", "50", "--standardised", "--output", dir.resolve("z.csv").toString());
        assertEquals("", ours(std.err()), "in the model's space nothing overflows, and nothing is said");
    }
}
