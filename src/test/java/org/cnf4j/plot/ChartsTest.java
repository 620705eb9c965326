package org.cnf4j.plot;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.cnf4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {
    @Test
    void histogramsCountAsMatplotlibsHist2dWithARange() {
        // columns 1 and 2 of 3; bins of width 1 over [0, 4]: the upper bound falls in the last bin, outside and NaN do not count
        double[] pts = {
                9, 0.0, 0.0,
                9, 0.99, 3.5,
                9, 1.0, 4.0,
                9, 4.0, 4.0,
                9, -0.01, 1.0,
                9, 4.01, 1.0,
                9, Double.NaN, 1.0};
        Histogram2D h = Histogram2D.of(pts, 3, 1, 2, 4, 0, 4, 0, 4);
        assertEquals(1, h.count(0, 0));
        assertEquals(1, h.count(0, 3));
        assertEquals(1, h.count(1, 3));
        assertEquals(1, h.count(3, 3));
        assertEquals(4, h.total());
        assertEquals(1, h.max());
        assertEquals(16, h.counts().length);
    }

    @Test
    void theFormatIsToldByTheExtension() {
        assertEquals(Charts.Format.PNG, Charts.format(Path.of("a/b.png")));
        assertEquals(Charts.Format.SVG, Charts.format(Path.of("b.SVG")));
        assertEquals(Charts.Format.PDF, Charts.format(Path.of("b.pdf")));
        for (String bad : new String[] {"b.jpg", "b", "pdf", "b.png.txt"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Charts.format(Path.of(bad)));
            assertTrue(e.getMessage().contains(".png, .svg or .pdf"), e.getMessage());
        }
    }

    /** One figure in the three formats: the same drawing in each, told apart by their headers. */
    @Test
    void writesPngSvgAndPdf(@TempDir Path dir) throws Exception {
        Charts ch = new Charts(2, 1);
        int[] counts = new int[9];
        counts[4] = 7;
        ch.squarePanel(0, 0, -1, 1, -1, 1).histogram(new Histogram2D(3, -1, 1, -1, 1, counts)).frame("histogram title", "x1", "x2");
        ch.squarePanel(1, 0, 0, 1, 0, 1).images(new double[] {0, 1, 2, 3}, 1, 2, 2, 0, 3).titled("image title");

        Path png = dir.resolve("f.png"), svg = dir.resolve("f.svg"), pdf = dir.resolve("f.pdf");
        ch.write(png);
        ch.write(svg);
        ch.write(pdf);
        byte[] p = Files.readAllBytes(png);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(p, 4));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(2 * Charts.PANEL, img.getWidth());
        assertEquals(Charts.PANEL, img.getHeight());

        org.w3c.dom.Element root = Fixtures.svgRoot(svg);
        assertEquals("svg", root.getLocalName());
        assertEquals("http://www.w3.org/2000/svg", root.getNamespaceURI());
        assertEquals(String.valueOf(2 * Charts.PANEL), root.getAttribute("width"));
        assertTrue(root.getTextContent().contains("histogram title") && root.getTextContent().contains("image title"));

        assertEquals("%PDF-", new String(Arrays.copyOf(Files.readAllBytes(pdf), 5), StandardCharsets.US_ASCII));
        // the page holds the drawing: rendered back, the histogram's brightest cell (the middle one) is inferno's yellow
        try (var doc = org.apache.pdfbox.Loader.loadPDF(pdf.toFile())) {
            BufferedImage back = new org.apache.pdfbox.rendering.PDFRenderer(doc).renderImage(0);
            assertEquals(img.getWidth(), back.getWidth());
            Color mid = new Color(back.getRGB(60 + 145, 28 + 33 + 145));
            assertTrue(mid.getRed() > 200 && mid.getGreen() > 200 && mid.getBlue() > 100, mid.toString());
            Color corner = new Color(back.getRGB(60 + 20, 28 + 33 + 20));
            assertTrue(corner.getRed() < 40 && corner.getGreen() < 40, corner.toString());
        }
        try (var files = Files.list(dir)) {
            assertEquals(3, files.count(), "no temporaries left");
        }
    }

    @Test
    void tickLabelsAndImagesPerRow() {
        assertEquals("29", Charts.fmt(29));
        assertEquals("0", Charts.fmt(0));
        assertEquals("0.205", Charts.fmt(0.205));
        assertEquals("8.8e-10", Charts.fmt(8.8e-10));
        assertEquals(1, Charts.wholeStep(1));
        assertEquals(1, Charts.wholeStep(5));
        assertEquals(2, Charts.wholeStep(6));
        assertEquals(5, Charts.wholeStep(16));
        assertEquals(10, Charts.wholeStep(29));
        assertEquals(8, Charts.imagesPerRow(8, 8, 290));
        assertEquals(3, Charts.imagesPerRow(28, 28, 290));
    }
}
