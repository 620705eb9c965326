package org.cnf4j.plot;

import java.awt.Dimension;
import java.awt.Graphics2D;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

/**
 * SVG and PDF figures: {@link Charts} paints into the Graphics2D of Apache Batik's SVG generator or of the PDFBox
 * Graphics2D bridge, which write the drawing as vector graphics (text as SVG text; in PDF as outlines, so no font is
 * embedded). Both libraries are optional dependencies of the artifact: this class is the only one that touches them,
 * and it is loaded only for an SVG or PDF file.
 */
final class VectorOutput {
    private VectorOutput() {}

    /** Refuses a format whose library is not on the classpath, before anything is computed or written. */
    static void check(Charts.Format f) {
        String cls = switch (f) {
            case PNG -> null;
            case SVG -> "org.apache.batik.svggen.SVGGraphics2D";
            case PDF -> "de.rototor.pdfbox.graphics2d.PdfBoxGraphics2D";
        };
        if (cls == null) return;
        try {
            Class.forName(cls, false, VectorOutput.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            String lib = f == Charts.Format.SVG ? "org.apache.xmlgraphics:batik-svggen" : "de.rototor.pdfbox:graphics2d";
            throw new IllegalArgumentException(f + " figures need " + lib + " on the classpath (an optional dependency of cnf4j; see docs/ARTIFACT.md)");
        }
    }

    static void write(Charts.Format f, int width, int height, Consumer<Graphics2D> paint, OutputStream out) throws IOException {
        if (f == Charts.Format.SVG) svg(width, height, paint, out);
        else pdf(width, height, paint, out);
    }

    private static void svg(int width, int height, Consumer<Graphics2D> paint, OutputStream out) throws IOException {
        org.w3c.dom.Document doc;
        try {
            doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().getDOMImplementation()
                    .createDocument("http://www.w3.org/2000/svg", "svg", null);
        } catch (ParserConfigurationException e) {
            throw new IOException("no XML document builder for SVG: " + e.getMessage(), e);
        }
        var g = new org.apache.batik.svggen.SVGGraphics2D(doc);
        g.setSVGCanvasSize(new Dimension(width, height));
        paint.accept(g);
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        g.stream(w, true);
        w.flush();
        g.dispose();
    }

    /** One page of width x height points (1/72 inch) holding the drawing as a form. */
    private static void pdf(int width, int height, Consumer<Graphics2D> paint, OutputStream out) throws IOException {
        try (var doc = new org.apache.pdfbox.pdmodel.PDDocument()) {
            var page = new org.apache.pdfbox.pdmodel.PDPage(new org.apache.pdfbox.pdmodel.common.PDRectangle(width, height));
            doc.addPage(page);
            var g = new de.rototor.pdfbox.graphics2d.PdfBoxGraphics2D(doc, width, height);
            paint.accept(g);
            g.dispose();
            try (var cs = new org.apache.pdfbox.pdmodel.PDPageContentStream(doc, page)) {
                cs.drawForm(g.getXFormObject());
            }
            doc.save(out);
        }
    }
}
