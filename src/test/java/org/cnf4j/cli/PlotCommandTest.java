package org.cnf4j.cli;

import static org.cnf4j.testing.Fixtures.swissroll;
import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotCommandTest {
    @Test
    void plotsAnImportedModelAndATrainedRun(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("sw");
        assertEquals(0, Cli.run("import-otflow", "--weights", swissroll().resolve("weights").toString(),
                "--config", swissroll().resolve("config.json").toString(), "--out", model.toString()).code());
        Path png = dir.resolve("sw.png");
        Cli.Result r = Cli.run("plot", "--model", model.toString(), "--out", png.toString(), "--samples", "300", "--grid", "20", "--nt", "4");
        assertEquals(0, r.code(), r.err());
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img.getWidth() > 400 && img.getHeight() > 400);

        Path csv = TrainCommandTest.gaussianCsv(dir);
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run("train", "--data", csv.toString(), "--out", run.toString(), "--width", "8", "--batch", "100", "--nt", "2",
                "--nt-val", "2", "--iters", "4", "--val-every", "2").code());
        Path png2 = dir.resolve("sub/run.png");
        r = Cli.run("plot", "--model", run.toString(), "--out", png2.toString(), "--samples", "200");
        assertEquals(0, r.code(), r.err());
        assertNotNull(ImageIO.read(png2.toFile()));

        refused(dir, "x.jpg", "use a file name ending in .png, .svg or .pdf", "--model", run.toString());
    }

    /** The format follows the extension; the titles in the SVG name the columns drawn. */
    @Test
    void writesPngSvgOrPdfWithTheRequestedColumns(@TempDir Path dir) throws Exception {
        Path sw = Cli.importSwissroll(dir.resolve("sw"));
        String[] small = {"--samples", "200", "--grid", "10", "--nt", "2"};
        Path png = plot(sw, dir.resolve("a.PNG"), small);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(Files.readAllBytes(png), 4));
        Path pdf = plot(sw, dir.resolve("a.pdf"), small);
        assertEquals("%PDF-", new String(Arrays.copyOf(Files.readAllBytes(pdf), 5), StandardCharsets.US_ASCII));
        Path svg = plot(sw, dir.resolve("a.svg"), cat(small, "--columns", "2,1"));
        org.w3c.dom.Element root = Fixtures.svgRoot(svg);
        assertEquals("svg", root.getLocalName());
        String text = root.getTextContent();
        assertTrue(text.contains("x (data), columns 2,1") && text.contains("f(x), should look like N(0, I)") && text.contains("f^-1(f(x)), inverse error")
                && text.contains("f^-1(y), y ~ N(0, I): samples") && text.contains("learned density"), text);
        assertFalse(text.contains("columns 1,2"));
    }

    /** d = 16 and d = 64 runs: every pair, images, and the options that do not fit d refused before anything is written. */
    @Test
    void pairsAndImagesOfWiderModels(@TempDir Path dir) throws Exception {
        Path d16 = wideRun(dir, 16), d64 = wideRun(dir, 64);
        String[] small = {"--samples", "100", "--nt", "1"};
        String text = Fixtures.svgRoot(plot(d16, dir.resolve("all.svg"), cat(small, "--all-pairs"))).getTextContent();
        for (int a = 1; a < 16; a += 2) assertTrue(text.contains("x (data), columns " + a + "," + (a + 1)), "pair " + a);
        assertFalse(text.contains("columns 2,3"));
        text = Fixtures.svgRoot(plot(d16, dir.resolve("default.svg"), small)).getTextContent();
        assertTrue(text.contains("columns 5,6") && !text.contains("columns 7,8"), "three pairs by default");
        text = Fixtures.svgRoot(plot(d64, dir.resolve("digits.svg"), cat(small, "--image", "8x8", "--columns", "10,20"))).getTextContent();
        assertTrue(text.contains("columns 10,20") && text.contains("data (8x8 images)") && text.contains("samples (8x8 images)"), text);

        refused(dir, "c.png", "--columns 0,99: the model has d=16 columns, numbered 1 to 16", "--model", d16.toString(), "--columns", "0,99");
        refused(dir, "c.png", "--columns 3,3: give two different columns", "--model", d16.toString(), "--columns", "3,3");
        refused(dir, "c.png", "--columns 1: give two column numbers", "--model", d16.toString(), "--columns", "1");
        refused(dir, "c.png", "--columns and --all-pairs exclude each other", "--model", d16.toString(), "--columns", "1,2", "--all-pairs");
        refused(dir, "i.svg", "--image 9x9 has 81 pixels but the model has d=64 columns", "--model", d64.toString(), "--image", "9x9");
        refused(dir, "i.pdf", "--image 8by8: give the image shape as HxW", "--model", d64.toString(), "--image", "8by8");
        refused(dir, "b.png", "--bins must be between 2 and 1000", "--model", d16.toString(), "--bins", "1");
    }

    private static Path plot(Path model, Path out, String... args) {
        Cli.Result r = Cli.run(cat(new String[] {"plot", "--model", model.toString(), "--out", out.toString()}, args));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote " + out), r.out());
        return out;
    }

    /** plot with {@code args} and --out DIR/name: exit 2, one line on stderr holding {@code message}, and nothing written. */
    private static void refused(Path dir, String name, String message, String... args) throws Exception {
        Path out = dir.resolve("refused/" + name);
        Cli.Result r = Cli.run(cat(cat(new String[] {"plot"}, args), "--out", out.toString()));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(message), r.err());
        assertFalse(Files.exists(out.getParent()), "nothing written for " + String.join(" ", args));
    }

    /** A run of dimension d trained for one iteration on Gaussian rows (no plot). */
    private static Path wideRun(Path dir, int d) throws Exception {
        SplittableRandom rng = new SplittableRandom(d);
        int n = 200;
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextGaussian();
        Path csv = dir.resolve("g" + d + ".csv"), run = dir.resolve("run" + d);
        MatrixFile.write(csv, x, n, d);
        Cli.Result r = Cli.run("train", "--data", csv.toString(), "--out", run.toString(), "--width", "4", "--batch", "50", "--nt", "1",
                "--nt-val", "1", "--iters", "1", "--val-every", "1", "--no-plot");
        assertEquals(0, r.code(), r.err());
        return run;
    }

    private static String[] cat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
