package org.cnf4j.cli;

import static org.cnf4j.cli.BadInputTest.fails;
import static org.cnf4j.cli.BadInputTest.frag;
import static org.cnf4j.testing.Fixtures.assertRel;
import static org.cnf4j.testing.Fixtures.miniboone;
import static org.cnf4j.testing.Fixtures.npy;
import static org.cnf4j.testing.Fixtures.resource;
import static org.cnf4j.testing.Fixtures.swissroll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnf4j.format.Npy;
import org.cnf4j.format.TorchCheckpoint;
import org.cnf4j.model.PhiShape;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.run.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * import-otflow --checkpoint on the official .pth files and JKO-Flow's maps, the model commands on the result, export
 * --format pth read back, and the one-line errors for files that are not OT-Flow checkpoints.
 */
class PthCommandsTest {
    @TempDir Path dir;

    static Path pth(String name) { return resource("reference/otflow/pth/" + name); }

    static void ok(Cli.Result r) { assertEquals(0, r.code(), r.out() + r.err()); }

    /** logp of {@code inputs} under run {@code run}, with {@code more} options, as written by the command. */
    double[] logp(Path run, Path inputs, String... more) throws Exception {
        Path out = Files.createTempFile(dir, "logp", ".npy");
        List<String> args = new ArrayList<>(List.of("logp", "--model", run.toString(), "--input", inputs.toString(), "--output", out.toString()));
        args.addAll(Arrays.asList(more));
        ok(Cli.run(args.toArray(new String[0])));
        return Npy.read(out).data();
    }

    static JsonNode config(Path run) throws Exception { return new ObjectMapper().readTree(run.resolve("config.json").toFile()); }

    @Test
    void theMinibooneCheckpointScoresExactlyAsTheWeightsImport() throws Exception {
        Path fromPth = dir.resolve("pth"), fromNpy = dir.resolve("npy");
        Cli.Result r = Cli.run("import-otflow", "--checkpoint", pth("pretrained_miniboone_checkpt.pth").toString(), "--out", fromPth.toString());
        ok(r);
        assertTrue(r.out().contains("d=43 m=256 nTh=2") && r.out().contains("alpha 1.0,100.0,15.0, nt 6, nt_val 10"), r.out());
        ok(Cli.run("import-otflow", "--weights", miniboone().resolve("weights").toString(), "--config", miniboone().resolve("config.json").toString(),
                "--out", fromNpy.toString()));
        for (String k : new String[] {"d", "m", "nTh", "alph", "nt", "nt_val", "r", "data", "method"}) assertEquals(config(fromNpy).get(k), config(fromPth).get(k), k);
        assertArrayEquals(ReferenceModel.loadWeights(fromNpy.resolve("weights"), new PhiShape(43, 256, 2)).data,
                ReferenceModel.loadWeights(fromPth.resolve("weights"), new PhiShape(43, 256, 2)).data, 0.0);
        Path in = miniboone().resolve("inputs.npy");
        assertArrayEquals(logp(fromNpy, in), logp(fromPth, in), 0.0, "logp at the run's defaults, bit for bit");
    }

    @Test
    void theSwissrollCheckpointsOfBothFormatsReproduceTheReferenceLogp() throws Exception {
        double[] ref = npy(swissroll().resolve("logp_nt12.npy")).data();
        double[] legacy = null;
        for (String f : new String[] {"pretrained_swissroll_alph30_15_m32_checkpt.pth", "swissroll_zipformat.pth"}) {
            Path run = dir.resolve(f);
            ok(Cli.run("import-otflow", "--checkpoint", pth(f).toString(), "--out", run.toString()));
            double[] lp = logp(run, swissroll().resolve("inputs.npy"), "--nt", "12", "--dtype", "float64");
            assertRel(lp, ref, 1e-10, f);
            if (legacy == null) legacy = lp;
            else assertArrayEquals(legacy, lp, 0.0, "zip and legacy formats give the same model");
        }
    }

    @Test
    void theThreeJkoMapsReproduceTheComposedLogpAndServeTheOtherCommands() throws Exception {
        Path jko = pth("jko3"), files = dir.resolve("files"), folder = dir.resolve("folder");
        Cli.Result r = Cli.run("import-otflow", "--checkpoint", jko.resolve("map_1.pth").toString(), "--checkpoint", jko.resolve("map_2.pth").toString(),
                "--checkpoint", jko.resolve("map_3.pth").toString(), "--alpha", "1,10,0.5", "--nt", "8", "--out", files.toString());
        ok(r);
        assertTrue(r.out().contains("3 JKO-Flow maps (d=2 m=16 nTh=2"), r.out());
        JsonNode cfg = config(files);
        assertEquals("jko", cfg.get("method").asText());
        assertEquals(3, cfg.get("jko").get("steps").asInt());
        assertEquals(8, cfg.get("nt_val").asInt());
        for (int k = 1; k <= 3; k++) assertTrue(Files.isDirectory(RunDirectory.mapFolder(files, k)));
        assertFalse(Files.exists(files.resolve("weights")));

        double[] lp = logp(files, jko.resolve("inputs.npy"), "--nt", "8", "--dtype", "float64");
        double[] ref = npy(jko.resolve("logp_composed_nt8.npy")).data();
        for (int i = 0; i < ref.length; i++) assertEquals(ref[i], lp[i], 1e-10, "row " + i);

        ok(Cli.run("import-otflow", "--checkpoint", jko.toString(), "--alpha", "1,10,0.5", "--nt", "8", "--out", folder.toString()));
        assertArrayEquals(lp, logp(folder, jko.resolve("inputs.npy")), 0.0, "a folder of maps, at the run's default nt_val 8");

        ok(Cli.run("sample", "--model", files.toString(), "-n", "20", "--output", dir.resolve("s.csv").toString()));
        assertEquals(20, Files.readAllLines(dir.resolve("s.csv")).stream().filter(l -> !l.startsWith("x")).count());
        ok(Cli.run("eval", "--model", files.toString(), "--data", "8gaussians", "--max-test", "200", "--mmd-n", "50"));
        ok(Cli.run("plot", "--model", files.toString(), "--out", dir.resolve("p.png").toString()));
        assertTrue(Files.size(dir.resolve("p.png")) > 1000);
    }

    @Test
    void anExportedModelImportsBackToTheSameWeightsAndLogp() throws Exception {
        Path run = dir.resolve("run"), file = dir.resolve("swissroll.pth"), back = dir.resolve("back");
        ok(Cli.run("import-otflow", "--checkpoint", pth("pretrained_swissroll_alph30_15_m32_checkpt.pth").toString(), "--out", run.toString()));
        Cli.Result r = Cli.run("export", "--model", run.toString(), "--format", "pth", "--out", file.toString());
        ok(r);
        assertTrue(r.out().contains("torch.load('" + file + "')"), r.out());
        ok(Cli.run("import-otflow", "--checkpoint", file.toString(), "--out", back.toString()));
        PhiShape s = new PhiShape(2, 32, 2);
        assertArrayEquals(ReferenceModel.loadWeights(swissroll().resolve("weights"), s).data, ReferenceModel.loadWeights(back.resolve("weights"), s).data, 0.0);
        for (String k : new String[] {"d", "m", "nTh", "alph", "nt", "nt_val", "data"}) assertEquals(config(run).get(k), config(back).get(k), k);
        Path in = swissroll().resolve("inputs.npy");
        assertArrayEquals(logp(run, in), logp(back, in), 0.0);

        // a JKO-Flow run: one file per map in a folder, which imports back without flags (the files carry args)
        Path jko = dir.resolve("jko"), maps = dir.resolve("maps"), jkoBack = dir.resolve("jko-back");
        ok(Cli.run("import-otflow", "--checkpoint", pth("jko3").toString(), "--alpha", "1,10,0.5", "--nt", "8", "--nt-val", "6", "--out", jko.toString()));
        ok(Cli.run("export", "--model", jko.toString(), "--out", maps.toString()));
        try (var l = Files.list(maps)) {
            assertEquals(List.of("map_1.pth", "map_2.pth", "map_3.pth"), l.map(p -> p.getFileName().toString()).sorted().toList());
        }
        ok(Cli.run("import-otflow", "--checkpoint", maps.toString(), "--out", jkoBack.toString()));
        assertEquals(6, config(jkoBack).get("nt_val").asInt());
        assertEquals(config(jko).get("alph"), config(jkoBack).get("alph"));
        Path jin = pth("jko3/inputs.npy");
        assertArrayEquals(logp(jko, jin), logp(jkoBack, jin), 0.0);
    }

    @Test
    void flagsThatReplaceTheArgsAreSaid() throws Exception {
        Cli.Result r = Cli.run("import-otflow", "--checkpoint", pth("swissroll_zipformat.pth").toString(), "--nt", "16", "--out", dir.resolve("r").toString());
        ok(r);
        assertTrue(r.out().contains("note: --nt 16 replaces nt=12 of the checkpoint's args"), r.out());
        assertEquals(16, config(dir.resolve("r")).get("nt").asInt());
        assertEquals(12, config(dir.resolve("r")).get("nt_val").asInt());
    }

    @Test
    void aCheckpointCanComeThroughAPipe() throws Exception {
        PhiShape s = new PhiShape(2, 32, 2);
        double[] ref = ReferenceModel.loadWeights(swissroll().resolve("weights"), s).data;
        for (String f : new String[] {"pretrained_swissroll_alph30_15_m32_checkpt.pth", "swissroll_zipformat.pth"}) {
            Path fifo = org.cnf4j.testing.Fifo.feed(dir.resolve("fifo-" + f), Files.readAllBytes(pth(f))), run = dir.resolve("run-" + f);
            ok(Cli.run("import-otflow", "--checkpoint", fifo.toString(), "--out", run.toString()));
            assertArrayEquals(ref, ReferenceModel.loadWeights(run.resolve("weights"), s).data, 0.0, f);
        }
    }

    // ------------------------------------------------------------------------------------------------- one-line errors

    /** import-otflow --checkpoint FILE fails with {@code code} and the fragments, leaving nothing at --out. */
    void importFails(int code, Path file, String... fragments) {
        Path out = dir.resolve("never");
        fails(code, fragments, "import-otflow", "--checkpoint", file.toString(), "--out", out.toString());
        assertFalse(Files.exists(out), "nothing at --out");
    }

    @Test
    void truncatedNonTorchAndUnknownFilesAreOneLineErrors() throws Exception {
        byte[] whole = Files.readAllBytes(pth("pretrained_swissroll_alph30_15_m32_checkpt.pth"));
        Path cut = dir.resolve("cut.pth");
        Files.write(cut, Arrays.copyOf(whole, whole.length / 2));
        importFails(1, cut, "cut.pth is truncated or damaged", "copy or download it again");
        byte[] zip = Files.readAllBytes(pth("swissroll_zipformat.pth"));
        Path cutZip = dir.resolve("cut-zip.pth");
        Files.write(cutZip, Arrays.copyOf(zip, zip.length - 100));
        importFails(1, cutZip, "truncated");

        importFails(2, org.cnf4j.testing.Fixtures.data("digits.csv"), "digits.csv is not a PyTorch checkpoint", "torch.save");
        Path noise = dir.resolve("noise.pth");
        byte[] random = new byte[4096];
        new java.util.Random(5).nextBytes(random);
        Files.write(noise, random);
        importFails(2, noise, "not a PyTorch checkpoint");

        Map<String, Object> root = new LinkedHashMap<>();
        root.put("epoch", 7);
        root.put("net", new TorchCheckpoint.OrderedDict());
        Path other = dir.resolve("other.pth");
        TorchCheckpoint.write(other, root);
        importFails(2, other, "keys [epoch, net] but no OT-Flow state_dict", "'state_dict'");

        importFails(1, dir.resolve("missing.pth"), "missing.pth");
    }

    @Test
    void theFormsAndFlagsOfImportAreChecked() {
        Path out = dir.resolve("never"), w = swissroll().resolve("weights"), c = swissroll().resolve("config.json"), f = pth("swissroll_zipformat.pth");
        fails(2, frag("exclude each other"), "import-otflow", "--checkpoint", f.toString(), "--weights", w.toString(), "--config", c.toString(), "--out", out.toString());
        fails(2, frag("give --checkpoint"), "import-otflow", "--out", out.toString());
        fails(2, frag("give --checkpoint"), "import-otflow", "--weights", w.toString(), "--out", out.toString());
        fails(2, frag("go with --checkpoint"), "import-otflow", "--weights", w.toString(), "--config", c.toString(), "--nt", "4", "--out", out.toString());
        fails(2, frag("map_1.pth carries no training arguments", "--alpha"), "import-otflow", "--checkpoint", pth("jko3").toString(), "--out", out.toString());
        fails(2, frag("alpha needs three numbers"), "import-otflow", "--checkpoint", f.toString(), "--alpha", "1,2", "--out", out.toString());
        fails(2, frag("--nt must be >= 1"), "import-otflow", "--checkpoint", f.toString(), "--nt", "0", "--out", out.toString());
        fails(2, frag("a folder"), "import-otflow", "--checkpoint", pth("jko3").toString(), "--checkpoint", f.toString(), "--out", out.toString());
        fails(2, frag("--out", "lies inside the --checkpoint folder"), "import-otflow", "--checkpoint", pth("jko3").toString(), "--alpha", "1,1,1", "--nt", "2",
                "--out", pth("jko3").resolve("in").toString());
        assertFalse(Files.exists(pth("jko3").resolve("in")));
        assertFalse(Files.exists(out));
    }

    @Test
    void exportRefusesWhatItCannotWrite() throws Exception {
        Path run = dir.resolve("run");
        ok(Cli.run("import-otflow", "--checkpoint", pth("jko3").toString(), "--alpha", "1,10,0.5", "--nt", "8", "--out", run.toString()));
        fails(2, frag("--format npy", "pth"), "export", "--model", run.toString(), "--format", "npy", "--out", dir.resolve("x").toString());
        Files.writeString(dir.resolve("file.pth"), "x");
        fails(2, frag("one file per map into a folder"), "export", "--model", run.toString(), "--out", dir.resolve("file.pth").toString());
        fails(2, frag("lies inside the --model run directory"), "export", "--model", run.toString(), "--out", run.resolve("maps.pth").toString());
        Path notRun = Files.createDirectories(dir.resolve("not-a-run"));
        fails(1, frag("not a cnf4j run directory"), "export", "--model", notRun.toString(), "--out", dir.resolve("y.pth").toString());
        assertFalse(Files.exists(dir.resolve("x")) || Files.exists(dir.resolve("y.pth")));
    }
}
