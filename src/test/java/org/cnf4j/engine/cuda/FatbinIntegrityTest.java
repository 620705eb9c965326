package org.cnf4j.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The committed fatbin matches its sources (via the manifest build-fatbin.sh writes) and holds every target and kernel. */
class FatbinIntegrityTest {
    static final Path CUDA_SRC = Path.of("src/main/cuda");

    @Test
    void manifestMatchesSourcesAndFatbin() throws IOException {
        Map<String, String> manifest = Fatbin.manifest();
        Map<String, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.list(CUDA_SRC)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".cu"))::iterator) {
                sources.put("source " + f.getFileName(), Fatbin.sha256(Files.readAllBytes(f)));
            }
        }
        Map<String, String> recorded = new TreeMap<>();
        manifest.forEach((k, v) -> { if (k.startsWith("source ")) recorded.put(k, v); });
        assertEquals(sources, recorded, "the .cu sources changed since the fatbin was built: run src/main/cuda/build-fatbin.sh");
        assertEquals(manifest.get("fatbin otflow_kernels.fatbin"), Fatbin.sha256(Fatbin.resource(Fatbin.RESOURCE)),
                "the fatbin is not the one the manifest records");
        Fatbin.bytes(); // the runtime check passes too
        assertTrue(manifest.get("nvcc").startsWith("release 13.0"), "built with nvcc 13.0: " + manifest.get("nvcc"));
    }

    @Test
    void fatbinHoldsSassForAmpereAdaHopperAndPtxForCompute90() {
        ByteBuffer b = ByteBuffer.wrap(Fatbin.resource(Fatbin.RESOURCE)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xBA55ED50, b.getInt(0), "fatbin magic");
        int headerSize = b.getShort(6) & 0xffff;
        long fatSize = b.getLong(8);
        TreeSet<String> entries = new TreeSet<>();
        long off = headerSize;
        while (off < headerSize + fatSize) {
            int at = (int) off;
            int kind = b.getShort(at) & 0xffff;
            int entryHeader = b.getInt(at + 4);
            long size = b.getLong(at + 8);
            int arch = b.getInt(at + 28);
            entries.add((kind == 1 ? "ptx" : kind == 2 ? "sass" : "kind" + kind) + "_" + arch);
            off += entryHeader + size;
        }
        assertEquals(new TreeSet<>(java.util.List.of("sass_80", "sass_86", "sass_89", "sass_90", "ptx_90")), entries);
    }

    static final Path ENGINE_SRC = Path.of("src/main/java/org/cnf4j/engine/cuda");

    @Test
    void everyKernelTheEngineLaunchesIsInTheFatbinAndHasAJavaTwin() throws IOException {
        String kernels = Files.readString(ENGINE_SRC.resolve("Kernels.java"));
        String twins = Files.readString(Path.of("src/test/java/org/cnf4j/engine/cuda/JavaKernels.java"));
        String image = new String(Fatbin.resource(Fatbin.RESOURCE), java.nio.charset.StandardCharsets.ISO_8859_1);
        Matcher mt = Pattern.compile("(?:elementwise|launch)\\(\"([a-z_0-9]+)\"").matcher(kernels);
        TreeSet<String> names = new TreeSet<>();
        while (mt.find()) names.add(mt.group(1));
        assertTrue(names.size() >= 15, "kernel names found in Kernels.java: " + names);
        for (String n : names) {
            assertTrue(image.contains(n + "_f32") && image.contains(n + "_f64"), n + " missing from the fatbin");
            assertTrue(twins.contains("case \"" + n + "\""), n + " has no Java twin");
        }
        // the engine launches kernels only through Kernels' typed methods (Dev and CudaDev implement launch)
        try (Stream<Path> files = Files.list(ENGINE_SRC)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String name = f.getFileName().toString();
                if (List.of("Kernels.java", "Dev.java", "CudaDev.java").contains(name)) continue;
                assertFalse(Files.readString(f).contains("launch(\""), name + " launches a kernel by name: use Kernels");
            }
        }
    }

    /** Parameter kinds (ptr, int, double) of every entry point of the .cu file, from its {@code #define P(T) (...)} lists. */
    static Map<String, List<String>> cudaSignatures() throws IOException {
        String cu = Files.readString(CUDA_SRC.resolve("otflow_kernels.cu"));
        Matcher mt = Pattern.compile("#define P\\(T\\) \\(([^)]*)\\)\\s*BOTH\\((\\w+),").matcher(cu);
        Map<String, List<String>> out = new TreeMap<>();
        while (mt.find()) {
            List<String> kinds = new ArrayList<>();
            for (String param : mt.group(1).split(",")) {
                String t = param.trim();
                kinds.add(t.contains("*") ? "ptr" : t.startsWith("int ") ? "int" : t.startsWith("double ") ? "double" : "? " + t);
            }
            out.put(mt.group(2), kinds);
        }
        return out;
    }

    @Test
    void typedLaunchesPassWhatTheCudaSignaturesDeclare() throws Exception {
        Map<String, List<String>> cu = cudaSignatures();
        assertEquals(20, cu.size(), "entry points parsed from the .cu: " + cu.keySet());
        List<Object[]> launches = new ArrayList<>();
        Dev dev = (Dev) Proxy.newProxyInstance(Dev.class.getClassLoader(), new Class<?>[] {Dev.class}, (proxy, method, args) -> {
            if (!method.getName().equals("launch")) throw new UnsupportedOperationException(method.getName());
            launches.add(args);
            return null;
        });
        Kernels k = new Kernels(dev);
        Dev.Buf buf = new Dev.Buf(1 << 20, false) {};
        TreeSet<String> launched = new TreeSet<>();
        for (Method m : Kernels.class.getDeclaredMethods()) {
            if (Modifier.isPrivate(m.getModifiers()) || Modifier.isStatic(m.getModifiers()) || m.isSynthetic()) continue;
            Class<?>[] types = m.getParameterTypes();
            Object[] args = new Object[types.length];
            for (int i = 0; i < types.length; i++) {
                Class<?> t = types[i];
                args[i] = t == Dev.Ptr.class ? buf.p() : t == int.class ? 3 : t == double.class ? 0.5 : t == boolean.class ? true
                        : t == double[].class ? new double[4] : null;
                assertTrue(args[i] != null, m.getName() + ": unexpected parameter type " + t);
            }
            launches.clear();
            m.invoke(k, args);
            assertEquals(1, launches.size(), m.getName() + " launches one kernel");
            Object[] call = launches.get(0);
            String name = (String) call[0];
            int gx = (Integer) call[1], gy = (Integer) call[2], bx = (Integer) call[3], by = (Integer) call[4];
            assertTrue(gx >= 1 && gy >= 1 && bx % 32 == 0 && bx * by <= 1024, name + ": grid (" + gx + "," + gy + ") block (" + bx + "," + by + ")");
            List<String> kinds = new ArrayList<>();
            for (Object a : (Object[]) call[5]) {
                kinds.add(a == null || a instanceof Dev.Ptr || a instanceof Dev.Buf ? "ptr" : a instanceof Integer ? "int"
                        : a instanceof Double ? "double" : "? " + a.getClass());
            }
            assertEquals(cu.get(name), kinds, m.getName() + " -> " + name + ": arguments against the .cu signature");
            launched.add(name);
        }
        assertEquals(cu.keySet(), launched, "every entry point of the .cu has one typed method");
    }
}
