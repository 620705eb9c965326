package org.cnf4j.format;

import static org.cnf4j.testing.Fixtures.resource;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.cnf4j.format.TorchCheckpoint.OrderedDict;
import org.cnf4j.format.TorchCheckpoint.PythonObject;
import org.cnf4j.format.TorchCheckpoint.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The torch.save reader on the official OT-Flow checkpoints (legacy format, float64 and float32), their zip-format
 * re-save and JKO-Flow's maps; the writer read back; and the one-line errors for files that are not checkpoints.
 */
class TorchCheckpointTest {
    @TempDir Path dir;

    static final String[] KEYS = {"A", "c.weight", "c.bias", "w.weight", "N.layers.0.weight", "N.layers.0.bias", "N.layers.1.weight", "N.layers.1.bias"};

    static Path pth(String name) { return resource("reference/otflow/pth/" + name); }

    static Map<?, ?> stateDict(Object root, String key) {
        Map<?, ?> m = assertInstanceOf(Map.class, root);
        return assertInstanceOf(OrderedDict.class, m.get(key));
    }

    /** Every tensor of the state_dict equals, value for value, the reference's weights/KEY.npy. */
    static void sameAsNpy(Map<?, ?> sd, Path weights, String dtype) throws IOException {
        assertEquals(KEYS.length, sd.size(), "keys: " + sd.keySet());
        for (String k : KEYS) {
            Tensor t = assertInstanceOf(Tensor.class, sd.get(k), k);
            Npy.Array ref = Npy.read(weights.resolve(k + ".npy"));
            assertEquals(dtype, t.dtype(), k);
            assertArrayEquals(ref.shape(), t.shape(), k);
            assertArrayEquals(ref.data(), t.values(), 0.0, k);
        }
    }

    @Test
    void theLegacySwissrollCheckpointHoldsTheReferenceWeightsAndArgs() throws Exception {
        Object root = TorchCheckpoint.read(pth("pretrained_swissroll_alph30_15_m32_checkpt.pth"));
        sameAsNpy(stateDict(root, "state_dict"), resource("reference/otflow/swissroll/weights"), "float64");
        PythonObject args = assertInstanceOf(PythonObject.class, ((Map<?, ?>) root).get("args"));
        assertEquals("argparse.Namespace", args.className());
        assertEquals(32, args.get("m"));
        assertEquals(2, args.get("nTh"));
        assertEquals(12, args.get("nt_val"));
        assertEquals(List.of(1.0, 30.0, 15.0), args.get("alph"));
        assertEquals("swissroll", args.get("data"));
        assertEquals(0.1, args.get("lr"));
    }

    @Test
    void theLegacyMinibooneCheckpointIsFloat32WidenedExactly() throws Exception {
        Object root = TorchCheckpoint.read(pth("pretrained_miniboone_checkpt.pth"));
        sameAsNpy(stateDict(root, "state_dict"), resource("reference/otflow/miniboone/weights"), "float32");
        PythonObject args = assertInstanceOf(PythonObject.class, ((Map<?, ?>) root).get("args"));
        assertEquals(256, args.get("m"));
        assertEquals(6, args.get("nt"));
        assertEquals(10, args.get("nt_val"));
        assertTrue(args.containsKey("resume") && args.get("resume") == null, "None comes back as null");
        assertEquals(false, args.get("evaluate"));
    }

    @Test
    void theZipFormatEqualsTheLegacyOne() throws Exception {
        Map<?, ?> legacy = (Map<?, ?>) TorchCheckpoint.read(pth("pretrained_swissroll_alph30_15_m32_checkpt.pth"));
        Map<?, ?> zip = (Map<?, ?>) TorchCheckpoint.read(pth("swissroll_zipformat.pth"));
        Map<?, ?> a = stateDict(legacy, "state_dict"), b = stateDict(zip, "state_dict");
        assertEquals(a.keySet(), b.keySet());
        for (Object k : a.keySet()) {
            Tensor x = (Tensor) a.get(k), y = (Tensor) b.get(k);
            assertEquals(x.dtype(), y.dtype());
            assertArrayEquals(x.shape(), y.shape());
            assertArrayEquals(x.values(), y.values(), 0.0, k.toString());
        }
        assertEquals(legacy.get("args"), zip.get("args"));
        sameAsNpy(b, resource("reference/otflow/swissroll/weights"), "float64");
    }

    @Test
    void jkoFlowMapsHoldAModelStateDictAndNoArgs() throws Exception {
        for (int k = 1; k <= 3; k++) {
            Map<?, ?> root = (Map<?, ?>) TorchCheckpoint.read(pth("jko3/map_" + k + ".pth"));
            assertEquals(java.util.Set.of("model_state_dict"), root.keySet());
            Tensor a = (Tensor) stateDict(root, "model_state_dict").get("A");
            assertArrayEquals(new int[] {3, 3}, a.shape());
            assertArrayEquals(new int[] {16, 16}, ((Tensor) stateDict(root, "model_state_dict").get("N.layers.1.weight")).shape());
        }
    }

    // -------------------------------------------------------------------------------------------------------- writing

    static Map<String, Object> sample() {
        OrderedDict sd = new OrderedDict();
        sd.put("A", Tensor.float64(new int[] {2, 3}, new double[] {1, -2.5, Math.PI, Double.MIN_VALUE, -0.0, 1e300}));
        sd.put("b", Tensor.float64(new int[] {3}, new double[] {7, 8, 9}));
        sd.put("s", new Tensor(TorchCheckpoint.FLOAT32, new int[] {}, new double[] {0.1f}));
        sd.put("e", Tensor.float64(new int[] {0, 4}, new double[0]));
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("m", 32);
        args.put("alph", List.of(1.0, 30.0, 15.0));
        args.put("data", "swiss roll \u00e9");
        args.put("big", 1L << 40);
        args.put("none", null);
        args.put("flag", true);
        args.put("nested", Map.of("mean", List.of(0.5, -1.0)));
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("state_dict", sd);
        root.put("args", args);
        return root;
    }

    @Test
    void whatIsWrittenReadsBackExactly() throws Exception {
        Path f = dir.resolve("out.pth");
        Map<String, Object> root = sample();
        TorchCheckpoint.write(f, root);
        Map<?, ?> back = (Map<?, ?>) TorchCheckpoint.read(f);
        Map<?, ?> sd = stateDict(back, "state_dict");
        Map<?, ?> orig = (Map<?, ?>) root.get("state_dict");
        assertEquals(orig.keySet(), sd.keySet());
        for (Object k : orig.keySet()) {
            Tensor x = (Tensor) orig.get(k), y = (Tensor) sd.get(k);
            assertEquals(x.dtype(), y.dtype(), k.toString());
            assertArrayEquals(x.shape(), y.shape(), k.toString());
            for (int i = 0; i < x.values().length; i++) {
                assertEquals(Double.doubleToRawLongBits(x.values()[i]), Double.doubleToRawLongBits(y.values()[i]), k + "[" + i + "]");
            }
        }
        assertEquals(root.get("args"), back.get("args"));
        assertArrayEquals(Files.readAllBytes(f), TorchCheckpoint.toBytes(sample()), "the same checkpoint gives the same bytes");
    }

    /** The zip layout torch's reader expects: archive/ records, stored, data 64-byte aligned, version 3, little-endian. */
    @Test
    void theZipLayoutIsTorchs() throws Exception {
        byte[] bytes = TorchCheckpoint.toBytes(sample());
        List<String> names = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int pos = 0;
        while (b.getInt(pos) == 0x04034b50) {
            assertEquals(0, b.getShort(pos + 8), "stored, not compressed");
            assertEquals(0, b.getShort(pos + 6) & 0x8, "sizes in the local header, no data descriptor");
            int size = b.getInt(pos + 22), nameLength = b.getShort(pos + 26), extraLength = b.getShort(pos + 28);
            String name = new String(bytes, pos + 30, nameLength, StandardCharsets.UTF_8);
            int data = pos + 30 + nameLength + extraLength;
            assertEquals(0, data % 64, name + " starts at " + data);
            names.add(name);
            if (name.equals("archive/version")) assertEquals("3\n", new String(bytes, data, size, StandardCharsets.US_ASCII));
            if (name.equals("archive/byteorder")) assertEquals("little", new String(bytes, data, size, StandardCharsets.US_ASCII));
            pos = data + size;
        }
        assertEquals(List.of("archive/data.pkl", "archive/byteorder", "archive/data/0", "archive/data/1", "archive/data/2", "archive/data/3",
                "archive/version"), names);
        // the JDK's own reader agrees
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            int n = 0;
            for (ZipEntry e; (e = z.getNextEntry()) != null; n++) assertEquals(ZipEntry.STORED, e.getMethod());
            assertEquals(names.size(), n);
        }
    }

    /** Opcodes a torch.load(weights_only=True) accepts: protocol 2, no memo, GLOBALs only of torch and collections. */
    @Test
    void thePickleUsesOnlyWhatTorchsWeightsOnlyUnpicklerAccepts() throws Exception {
        byte[] pkl = record(TorchCheckpoint.toBytes(sample()), "archive/data.pkl");
        assertEquals((byte) 0x80, pkl[0]);
        assertEquals(2, pkl[1]);
        String text = new String(pkl, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("ctorch._utils\n_rebuild_tensor_v2\n"));
        assertTrue(text.contains("ctorch\nDoubleStorage\n") && text.contains("ctorch\nFloatStorage\n"));
        assertTrue(text.contains("ccollections\nOrderedDict\n"));
        assertFalse(text.contains("builtins") || text.contains("__builtin__") || text.contains("array\narray"), "no other globals");
    }

    static byte[] record(byte[] zip, String name) throws IOException {
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) if (e.getName().equals(name)) return z.readAllBytes();
        }
        throw new AssertionError(name + " not in the archive");
    }

    @Test
    void aTensorWithoutValuesOrAnotherJavaTypeIsNotWritten() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("x", new Tensor("float16", new int[] {2}, null));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TorchCheckpoint.toBytes(root)).getMessage().contains("float16"));
        root.put("x", new int[] {1, 2});
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TorchCheckpoint.toBytes(root)).getMessage().contains("['x']"));
    }

    // ---------------------------------------------------------------------------------- offsets, strides, other dtypes

    /**
     * A zip checkpoint whose data.pkl is {@code pickle} (hand-assembled) over storage 0 holding {@code storage}; its
     * records are compressed, which torch never writes but its reader, like cnf4j's, takes.
     */
    static byte[] handMade(byte[] pickle, byte[] storage) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(buf)) {
            for (Object[] r : new Object[][] {{"m/data.pkl", pickle}, {"m/data/0", storage}, {"m/version", "3\n".getBytes(StandardCharsets.US_ASCII)}}) {
                z.putNextEntry(new ZipEntry((String) r[0]));
                z.write((byte[]) r[1]);
            }
        }
        return buf.toByteArray();
    }

    /** {'t': _rebuild_tensor_v2(storage(type, numel 6), offset, size, stride, False, OrderedDict())} in protocol 2 opcodes. */
    static byte[] tensorPickle(String storageType, int offset, int[] size, int[] stride) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 2, '}', 'X', 1, 0, 0, 0, 't'});
        p.writeBytes("ctorch._utils\n_rebuild_tensor_v2\n(".getBytes(StandardCharsets.US_ASCII));
        p.writeBytes(("(X\7\0\0\0storagectorch\n" + storageType + "\nX\1\0\0\0" + "0" + "X\3\0\0\0cpuK\6tQ").getBytes(StandardCharsets.ISO_8859_1));
        p.write('K');
        p.write(offset);
        for (int[] t : new int[][] {size, stride}) {
            p.write('(');
            for (int v : t) {
                p.write('K');
                p.write(v);
            }
            p.write('t');
        }
        p.writeBytes("\u0089ccollections\nOrderedDict\n)RtRs.".getBytes(StandardCharsets.ISO_8859_1));
        return p.toByteArray();
    }

    static byte[] doubles(double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) b.putDouble(x);
        return b.array();
    }

    static Tensor onlyTensor(byte[] file) throws IOException {
        return (Tensor) ((Map<?, ?>) TorchCheckpoint.read(file, "hand.pth")).get("t");
    }

    @Test
    void offsetsAndStridesAreFollowed() throws Exception {
        byte[] storage = doubles(0, 1, 2, 3, 4, 5);
        // a (3, 2) transpose of the (2, 3) matrix in the storage
        Tensor t = onlyTensor(handMade(tensorPickle("DoubleStorage", 0, new int[] {3, 2}, new int[] {1, 3}), storage));
        assertArrayEquals(new int[] {3, 2}, t.shape());
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, t.values());
        // every other element from offset 1
        assertArrayEquals(new double[] {1, 3, 5}, onlyTensor(handMade(tensorPickle("DoubleStorage", 1, new int[] {3}, new int[] {2}), storage)).values());
        // past the end of the storage: damaged
        IOException e = assertThrows(IOException.class, () -> onlyTensor(handMade(tensorPickle("DoubleStorage", 2, new int[] {3}, new int[] {2}), storage)));
        assertTrue(e.getMessage().contains("past its storage"), e.getMessage());
    }

    @Test
    void otherDtypesComeBackWithoutValues() throws Exception {
        Tensor t = onlyTensor(handMade(tensorPickle("LongStorage", 0, new int[] {6}, new int[] {1}), doubles(0, 1, 2, 3, 4, 5)));
        assertEquals("int64", t.dtype());
        assertNull(t.values());
    }

    @Test
    void aWholePickledModuleIsRefusedWithWhatToSaveInstead() throws Exception {
        // torch.save(model): the module's class as persistent id ('module', cls, source file, source)
        byte[] pickle = "\u0080\u0002(X\u0006\u0000\u0000\u0000moduleNNNtQ.".getBytes(StandardCharsets.ISO_8859_1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TorchCheckpoint.read(handMade(pickle, new byte[0]), "model.pth"));
        assertTrue(oneLine(e).contains("torch.nn.Module") && e.getMessage().contains("state_dict()"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------------------- one-line errors

    static String oneLine(Exception e) {
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void filesThatAreNotCheckpointsAreRefusedAsSuch() throws Exception {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        byte[] random = new byte[1000];
        for (int i = 0; i < random.length; i++) random[i] = (byte) r.nextInt(256);
        Object[][] cases = {
            {"empty.pth", new byte[0], "is empty"},
            {"rows.csv", "x,y\n1,2\n3,4\n".getBytes(StandardCharsets.US_ASCII), "not a PyTorch checkpoint"},
            {"noise.bin", random, "not a PyTorch checkpoint"},
            {"plain.pkl", new byte[] {(byte) 0x80, 4, (byte) 0x95, 1, 0, 0, 0, 0, 0, 0, 0, 'N', '.'}, "a Python pickle, but not one torch.save wrote"},
        };
        for (Object[] c : cases) {
            Path f = dir.resolve((String) c[0]);
            Files.write(f, (byte[]) c[1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TorchCheckpoint.read(f), (String) c[0]);
            assertTrue(oneLine(e).startsWith(f.toString()) && e.getMessage().contains((String) c[2]), e.getMessage());
        }
        Path npz = dir.resolve("arrays.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(npz))) {
            z.putNextEntry(new ZipEntry("a.npy"));
            z.write(1);
        }
        assertTrue(oneLine(assertThrows(IllegalArgumentException.class, () -> TorchCheckpoint.read(npz))).contains("not a PyTorch checkpoint"));
        assertTrue(oneLine(assertThrows(IllegalArgumentException.class, () -> TorchCheckpoint.read(dir))).contains("is a directory"));
    }

    @Test
    void truncatedCheckpointsOfEitherFormatAreDataErrors() throws Exception {
        for (String name : new String[] {"pretrained_swissroll_alph30_15_m32_checkpt.pth", "swissroll_zipformat.pth"}) {
            byte[] whole = Files.readAllBytes(pth(name));
            for (int cut : new int[] {8, 14, 100, 1000, whole.length / 2, whole.length - 30, whole.length - 1}) {
                Path f = dir.resolve("cut-" + cut + "-" + name);
                Files.write(f, java.util.Arrays.copyOf(whole, cut));
                IOException e = assertThrows(IOException.class, () -> TorchCheckpoint.read(f), name + " cut at " + cut);
                assertTrue(oneLine(e).startsWith(f.toString()) && e.getMessage().contains("truncated or damaged"), cut + ": " + e.getMessage());
            }
        }
    }
}
