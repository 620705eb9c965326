package org.cnf4j.api;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.cnf4j.cli.Main;
import org.cnf4j.format.Npy;
import org.cnf4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Use from Java" example, taken from README.md as it is: it compiles against the library and its
 * dependencies, runs, and its logDensity equals what {@code cnf4j logp} writes for the saved model and the same rows.
 */
class FittedFlowExampleTest {
    @TempDir Path dir;

    static String readmeExample() throws Exception {
        String readme = Files.readString(Fixtures.root().resolve("README.md"));
        int start = readme.indexOf("```java\n");
        assertTrue(start >= 0, "README.md has a ```java block");
        int end = readme.indexOf("```", start + 8);
        return readme.substring(start + 8, end);
    }

    @Test
    void readmeExampleCompilesRunsAndMatchesCnf4jLogp() throws Exception {
        String src = readmeExample();
        assertTrue(src.contains("public class Example"), "a public class Example");
        Path srcDir = dir.resolve("src"), classes = dir.resolve("classes");
        Files.createDirectories(srcDir);
        Files.createDirectories(classes);
        Path file = srcDir.resolve("Example.java");
        Files.writeString(file, src);
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        int rc = javac.run(null, diag, diag, "-classpath", cp, "-d", classes.toString(), file.toString());
        assertEquals(0, rc, "javac: " + diag.toString(StandardCharsets.UTF_8));

        Path data = Fixtures.data("breast_cancer.csv"), out = dir.resolve("runs/example");
        String printed;
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (URLClassLoader cl = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            cl.loadClass("Example").getMethod("main", String[].class).invoke(null, (Object) new String[] {data.toString(), out.toString()});
        } finally {
            System.setOut(old);
            printed = buf.toString(StandardCharsets.UTF_8);
        }
        assertTrue(printed.contains("validation NLL"), printed);
        String line = printed.lines().filter(l -> l.startsWith("logp[0..2] = ")).findFirst().orElseThrow(() -> new AssertionError(printed));
        String[] v = line.substring("logp[0..2] = ".length()).trim().split(" ");

        Path lp = dir.resolve("logp.npy");
        assertEquals(0, Main.execute("logp", "--model", out.toString(), "--input", data.toString(), "--output", lp.toString()));
        double[] cli = Npy.read(lp).data();
        assertEquals(569, cli.length);
        for (int i = 0; i < 3; i++) assertEquals(cli[i], Double.parseDouble(v[i]), 0.0, "logp[" + i + "] as cnf4j logp writes it");
        assertTrue(Files.isRegularFile(out.resolve("config.json")));
        assertTrue(List.of(new File(out.resolve("weights").toString()).list()).contains("A.npy"));
    }
}
