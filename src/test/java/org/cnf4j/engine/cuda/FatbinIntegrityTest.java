package org.cnf4j.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Test
    void everyKernelTheEngineLaunchesIsInTheFatbinAndHasAJavaTwin() throws IOException {
        StringBuilder engine = new StringBuilder();
        try (Stream<Path> files = Files.list(Path.of("src/main/java/org/cnf4j/engine/cuda"))) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java")).sorted()::iterator) engine.append(Files.readString(f));
        }
        String twins = Files.readString(Path.of("src/test/java/org/cnf4j/engine/cuda/JavaKernels.java"));
        String image = new String(Fatbin.resource(Fatbin.RESOURCE), java.nio.charset.StandardCharsets.ISO_8859_1);
        Matcher mt = Pattern.compile("(?:elementwise|launch)\\(\"([a-z_0-9]+)\"").matcher(engine);
        TreeSet<String> names = new TreeSet<>();
        while (mt.find()) names.add(mt.group(1));
        assertTrue(names.size() >= 15, "kernel names found in the engine: " + names);
        for (String n : names) {
            assertTrue(image.contains(n + "_f32") && image.contains(n + "_f64"), n + " missing from the fatbin");
            assertTrue(twins.contains("case \"" + n + "\""), n + " has no Java twin");
        }
    }
}
