package org.cnf4j.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The SOURCE a run directory saves means the same from every working directory. */
class CanonicalSourceTest {
    static String abs(String p) { return Path.of(p).toAbsolutePath().normalize().toString(); }

    @Test
    void filesAndMafRootsBecomeAbsoluteToyNamesAndPlainMafStayAsTheyAre() {
        assertEquals("8gaussians", DataSets.canonical(" 8Gaussians "));
        assertEquals("maf:power", DataSets.canonical("maf:power"));
        assertEquals("maf:MINIBOONE:" + abs("some/root"), DataSets.canonical("maf:MINIBOONE:some/./root"));
        assertEquals("maf:gas:/already/absolute", DataSets.canonical("maf:gas:/already/absolute"));
        assertEquals(abs("data/digits.csv"), DataSets.canonical("data/x/../digits.csv"));
        assertEquals("/a/b.npy", DataSets.canonical("/a/./b.npy"));
        assertNull(DataSets.canonical(null));
    }

    @Test
    void onlyFileSourcesHaveAFile() {
        assertEquals(Path.of("data/digits.csv"), DataSets.file(" data/digits.csv"));
        assertNull(DataSets.file("moons"));
        assertNull(DataSets.file("maf:power:/r"));
        assertNull(DataSets.file(null));
    }
}
