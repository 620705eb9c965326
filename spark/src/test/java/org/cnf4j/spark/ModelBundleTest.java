package org.cnf4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.launcher.JavaModuleOptions;
import org.cnf4j.run.RunModel;
import org.junit.jupiter.api.Test;

/** The model's bytes, the engine spec, and the JVM flags the module passes to Spark. */
class ModelBundleTest {

    static ModelBundle roundTrip(ModelBundle b) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
            o.writeObject(b);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (ModelBundle) in.readObject();
        }
    }

    /** After Java serialisation (what a broadcast does), the bundle rebuilds the same model: maps, alpha, nt, preprocessing. */
    @Test
    void serialisedBundleRebuildsTheSameModel() throws Exception {
        for (Path run : List.of(Fixtures.otflowRun(), Fixtures.jkoRun())) {
            ModelBundle b = ModelBundle.of(run);
            RunModel want = RunModel.load(run), got = roundTrip(b).open();
            assertEquals(want.maps().size(), got.maps().size());
            for (int k = 0; k < want.maps().size(); k++) assertArrayEquals(want.maps().get(k).data, got.maps().get(k).data, 0.0);
            assertEquals(want.alpha(), got.alpha());
            assertEquals(want.nt(), got.nt());
            assertArrayEquals(want.transform().mean(), got.transform().mean(), 0.0);
            assertArrayEquals(want.transform().std(), got.transform().std(), 0.0);
            assertEquals(b.id(), roundTrip(b).id());
        }
        assertNotEquals(ModelBundle.of(Fixtures.otflowRun()).id(), ModelBundle.of(Fixtures.jkoRun()).id());
    }

    /** Only config.json and the weights travel: no checkpoint, log, plot or temporary files. */
    @Test
    void onlyTheModelFilesTravel() throws Exception {
        Path copy = Fixtures.root().resolve("bundle-copy");
        copyTree(Fixtures.otflowRun(), copy);
        ModelBundle plain = ModelBundle.of(copy);
        Files.writeString(copy.resolve("log.csv"), "iter\n1\n");
        Files.write(copy.resolve("checkpoint.bin"), new byte[1000]);
        Files.createDirectories(copy.resolve(".weights.tmp"));
        Files.writeString(copy.resolve(".weights.tmp/junk.npy"), "x");
        assertEquals(plain.id(), ModelBundle.of(copy).id());
        assertTrue(plain.size() < 20_000, "bundle of " + plain.size() + " bytes");
        Files.writeString(copy.resolve("config.json"), Files.readString(copy.resolve("config.json")).replace("\"nt_val\"", "\"nt_val_x\""));
        assertNotEquals(plain.id(), ModelBundle.of(copy).id());
        assertThrows(IOException.class, () -> ModelBundle.of(Fixtures.root().resolve("no-such-run")));
    }

    @Test
    void engineSpec() {
        EngineSpec d = EngineSpec.defaults();
        assertEquals("cpu", d.device());
        assertEquals("float64", d.dtype());
        assertEquals(3, new EngineSpec("cpu", "FLOAT32", 3).options().threads());
        assertEquals(org.cnf4j.backend.DType.FLOAT32, new EngineSpec("cpu", "float32", 1).options().dtype());
        assertEquals("cuda", new EngineSpec("gpu", null, 0).device());
        assertThrows(IllegalArgumentException.class, () -> new EngineSpec("tpu", null, 0));
        assertThrows(IllegalArgumentException.class, () -> new EngineSpec("cpu", "float16", 0));
        assertThrows(IllegalArgumentException.class, () -> new EngineSpec("cpu", null, -1));
        Fixtures.spark();   // threads 0: the cores of this executor, N of the local[N,F] master here
        assertEquals(2, EngineSpec.defaults().options().threads());
    }

    /** The add-opens flags of the pom (surefire, the launcher's target/jvm-options.txt) include all of Spark's own list. */
    @Test
    void jvmFlagsCoverSparksModuleOptions() {
        List<String> ours = Arrays.asList(System.getProperty("spark.add.opens").trim().split("\\s+"));
        for (String flag : JavaModuleOptions.defaultModuleOptionArray()) assertTrue(ours.contains(flag), "missing " + flag);
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }
}
