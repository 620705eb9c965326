package org.cnf4j.run;

import static org.cnf4j.testing.Fixtures.resource;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cnf4j.data.DataTransform;
import org.cnf4j.format.TorchCheckpoint;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OT-Flow maps from the official checkpoints and JKO-Flow's maps; settings from args and flags; export read back. */
class OtflowPthTest {
    @TempDir Path dir;

    static Path pth(String name) { return resource("reference/otflow/pth/" + name); }

    static void sameParams(PhiParams expected, PhiParams actual) {
        assertEquals(expected.shape, actual.shape);
        assertArrayEquals(expected.data, actual.data, 0.0, "every parameter exactly");
    }

    @Test
    void everyOfficialCheckpointImportsToTheReferenceWeightsExactly() throws Exception {
        Object[][] cases = {
            {"pretrained_swissroll_alph30_15_m32_checkpt.pth", "swissroll", new PhiShape(2, 32, 2)},
            {"swissroll_zipformat.pth", "swissroll", new PhiShape(2, 32, 2)},
            {"pretrained_miniboone_checkpt.pth", "miniboone", new PhiShape(43, 256, 2)},
        };
        for (Object[] c : cases) {
            OtflowPth.Checkpoint ck = OtflowPth.read(pth((String) c[0]));
            PhiShape shape = (PhiShape) c[2];
            sameParams(ReferenceModel.loadWeights(resource("reference/otflow/" + c[1] + "/weights"), shape), ck.params());
            // alpha, nt, nt_val as the reference's config.json says
            ReferenceModel ref = ReferenceModel.load(resource("reference/otflow/" + c[1] + "/weights"), resource("reference/otflow/" + c[1] + "/config.json"));
            OtflowPth.Settings s = OtflowPth.settings(List.of(ck), null, null, null);
            assertEquals(ref.alpha(), s.alpha(), (String) c[0]);
            assertEquals(ref.nt(), s.nt());
            assertEquals(c[1].equals("swissroll") ? 12 : 10, s.ntVal());
            assertEquals(c[1], s.data());
            assertTrue(s.transform().isIdentity());
            assertTrue(s.notes().isEmpty());
        }
    }

    @Test
    void theZipFormatGivesTheLegacyFormatsModel() throws Exception {
        OtflowPth.Checkpoint legacy = OtflowPth.read(pth("pretrained_swissroll_alph30_15_m32_checkpt.pth"));
        OtflowPth.Checkpoint zip = OtflowPth.read(pth("swissroll_zipformat.pth"));
        sameParams(legacy.params(), zip.params());
        assertEquals(legacy.args(), zip.args());
    }

    static List<OtflowPth.Checkpoint> jko3() throws Exception {
        List<OtflowPth.Checkpoint> maps = new ArrayList<>();
        for (Path f : OtflowPth.files(List.of(pth("jko3")))) maps.add(OtflowPth.read(f));
        return maps;
    }

    @Test
    void jkoFlowMapsWithoutArgsTakeAlphaAndNtFromTheCaller() throws Exception {
        List<OtflowPth.Checkpoint> maps = jko3();
        assertEquals(List.of("map_1.pth", "map_2.pth", "map_3.pth"), maps.stream().map(c -> c.file().getFileName().toString()).toList());
        for (OtflowPth.Checkpoint c : maps) {
            assertEquals(new PhiShape(2, 16, 2), c.params().shape);
            assertNull(c.args());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OtflowPth.settings(maps, null, null, null));
        assertTrue(e.getMessage().contains("map_1.pth carries no training arguments") && e.getMessage().contains("--alpha"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OtflowPth.settings(maps, new Alpha(1, 10, 0.5), null, null));
        assertTrue(e.getMessage().contains("--nt N"), e.getMessage());
        OtflowPth.Settings s = OtflowPth.settings(maps, new Alpha(1, 10, 0.5), 8, null);
        assertEquals(new Alpha(1, 10, 0.5), s.alpha());
        assertEquals(8, s.nt());
        assertEquals(8, s.ntVal(), "nt_val defaults to nt");
        assertTrue(s.notes().isEmpty());
    }

    @Test
    void flagsReplaceTheArgsAndSaySo() throws Exception {
        List<OtflowPth.Checkpoint> one = List.of(OtflowPth.read(pth("pretrained_swissroll_alph30_15_m32_checkpt.pth")));
        OtflowPth.Settings s = OtflowPth.settings(one, new Alpha(1, 5, 1), 16, null);
        assertEquals(new Alpha(1, 5, 1), s.alpha());
        assertEquals(16, s.nt());
        assertEquals(12, s.ntVal(), "--nt replaces nt only");
        assertEquals(2, s.notes().size(), s.notes().toString());
        assertTrue(s.notes().get(0).contains("--alpha 1.0,5.0,1.0 replaces alph=[1.0,30.0,15.0]"), s.notes().toString());
        assertTrue(s.notes().get(1).contains("--nt 16 replaces nt=12"), s.notes().toString());
        // the same values as the args: nothing to say
        assertTrue(OtflowPth.settings(one, new Alpha(1, 30, 15), 12, 12).notes().isEmpty());
    }

    @Test
    void foldersAreReadInNaturalOrder() throws Exception {
        Path maps = Files.createDirectories(dir.resolve("maps"));
        for (String n : new String[] {"map_10.pth", "map_2.pth", "map_1.pth", "notes.txt"}) Files.writeString(maps.resolve(n), "x");
        assertEquals(List.of("map_1.pth", "map_2.pth", "map_10.pth"), OtflowPth.files(List.of(maps)).stream().map(p -> p.getFileName().toString()).toList());
        assertThrows(IllegalArgumentException.class, () -> OtflowPth.files(List.of(maps, pth("jko3/map_1.pth"))));
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OtflowPth.files(List.of(empty))).getMessage().contains("holds no .pth files"));
    }

    // ------------------------------------------------------------------------------------------------ unknown layouts

    /** A checkpoint holding {@code root}, written by cnf4j's writer. */
    Path file(String name, Map<String, Object> root) throws Exception {
        Path f = dir.resolve(name);
        TorchCheckpoint.write(f, root);
        return f;
    }

    static Map<String, Object> swissroll() throws Exception {
        PhiParams p = ReferenceModel.loadWeights(resource("reference/otflow/swissroll/weights"), new PhiShape(2, 32, 2));
        return OtflowPth.checkpoint(p, new Alpha(1, 30, 15), 12, 12, "swissroll", DataTransform.identity(2));
    }

    @SuppressWarnings("unchecked")
    static Map<Object, Object> stateDict(Map<String, Object> root) { return (Map<Object, Object>) root.get("state_dict"); }

    String refused(Path f) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OtflowPth.read(f));
        assertEquals(1, e.getMessage().lines().count());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void checkpointsOfAnotherLayoutAreRefusedSayingWhatTheyHold() throws Exception {
        Map<String, Object> noStateDict = new LinkedHashMap<>();
        noStateDict.put("epoch", 3);
        noStateDict.put("optimizer", Map.of("lr", 0.1));
        assertTrue(refused(file("nosd.pth", noStateDict)).contains("keys [epoch, optimizer] but no OT-Flow state_dict"));

        Map<String, Object> other = swissroll();
        stateDict(other).remove("A");
        assertTrue(refused(file("noA.pth", other)).contains("no 'A'"));

        Map<String, Object> extra = swissroll();
        stateDict(extra).put("fc.weight", TorchCheckpoint.Tensor.float64(new int[] {1}, new double[] {1}));
        assertTrue(refused(file("extra.pth", extra)).contains("'fc.weight' is not a parameter of an OT-Flow Phi"));

        Map<String, Object> transposed = swissroll();
        stateDict(transposed).put("N.layers.1.bias", TorchCheckpoint.Tensor.float64(new int[] {1, 32}, new double[32]));
        assertTrue(refused(file("shape.pth", transposed)).contains("N.layers.1.bias has shape (1, 32), expected (32,)"));

        Map<String, Object> notFinite = swissroll();
        stateDict(notFinite).put("c.bias", TorchCheckpoint.Tensor.float64(new int[] {1}, new double[] {Double.NaN}));
        assertTrue(refused(file("nan.pth", notFinite)).contains("non-finite weights"));

        Map<String, Object> list = new LinkedHashMap<>();
        list.put("state_dict", List.of(1, 2));
        assertTrue(refused(file("list.pth", list)).contains("no OT-Flow state_dict"));

        Map<String, Object> wrongArgs = swissroll();
        ((Map<String, Object>) wrongArgs.get("args")).put("m", 64);
        List<OtflowPth.Checkpoint> c = List.of(OtflowPth.read(file("args.pth", wrongArgs)));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OtflowPth.settings(c, null, null, null)).getMessage()
                .contains("its args say m=64 but its tensors have m=32"));
    }

    @Test
    void mapsWhoseArgsDisagreeNeedAFlagToChoose() throws Exception {
        Map<String, Object> a = swissroll(), b = swissroll();
        ((Map<String, Object>) b.get("args")).put("nt", 8);
        List<OtflowPth.Checkpoint> maps = List.of(OtflowPth.read(file("a.pth", a)), OtflowPth.read(file("b.pth", b)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OtflowPth.settings(maps, null, null, null));
        assertTrue(e.getMessage().contains("nt=12 but") && e.getMessage().contains("nt=8") && e.getMessage().contains("give --nt"), e.getMessage());
        assertEquals(10, OtflowPth.settings(maps, null, 10, null).nt());
    }

    // ---------------------------------------------------------------------------------------------------------- export

    @Test
    void anExportedMapReadsBackExactlyWithItsSettings() throws Exception {
        PhiParams p = ReferenceModel.loadWeights(resource("reference/otflow/miniboone/weights"), new PhiShape(43, 256, 2));
        double[] mean = new double[43], std = new double[43];
        for (int j = 0; j < 43; j++) {
            mean[j] = j * 0.1 - 1.7;
            std[j] = 1 + j / 7.0;
        }
        DataTransform t = new DataTransform(mean, std, Double.NaN, Double.NaN);
        Path f = file("mb.pth", OtflowPth.checkpoint(p, new Alpha(1, 100, 15), 6, 10, "maf:miniboone", t));
        OtflowPth.Checkpoint back = OtflowPth.read(f);
        sameParams(p, back.params());
        OtflowPth.Settings s = OtflowPth.settings(List.of(back), null, null, null);
        assertEquals(new Alpha(1, 100, 15), s.alpha());
        assertEquals(6, s.nt());
        assertEquals(10, s.ntVal());
        assertEquals("maf:miniboone", s.data());
        assertArrayEquals(mean, s.transform().mean(), 0.0);
        assertArrayEquals(std, s.transform().std(), 0.0);
    }
}
