package org.cnf4j.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.cnf4j.format.AtomicFile;

/**
 * Small charts drawn with Java2D (no chart library): panels with axes, heat maps and 2-D histograms with colour bars,
 * image grids, scatter plots and line curves, laid out on one figure and written atomically as PNG, SVG or PDF (by
 * the file name). The panels record what they draw, and {@link #write} paints it once into the format's Graphics2D:
 * a raster image for PNG, {@link VectorOutput}'s for SVG and PDF, so the three formats come from one drawing routine.
 */
public final class Charts {
    public static final int PANEL = 420;
    private static final int PAD = 60, BAR = 56;
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 12), SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 10),
            NOTE = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    /** Colour maps as stops from 0 to 1: viridis and inferno (matplotlib's, sampled), and grey from black to white. */
    public static final double[][] VIRIDIS = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}},
            INFERNO = {{0, 0, 4}, {40, 11, 84}, {101, 21, 110}, {159, 42, 99}, {212, 72, 66}, {245, 125, 21}, {250, 193, 39}, {252, 255, 164}},
            GREY = {{0, 0, 0}, {255, 255, 255}};

    /** The output formats, told by the file name's extension. */
    public enum Format { PNG, SVG, PDF }

    private final int width, height;
    private final List<Consumer<Graphics2D>> ops = new ArrayList<>();

    public Charts(int cols, int rows) {
        System.setProperty("java.awt.headless", "true");
        width = cols * PANEL;
        height = rows * PANEL;
    }

    /**
     * The format of {@code file} by its extension (.png, .svg, .pdf in any case).
     *
     * @throws IllegalArgumentException for any other name, or when the library that writes the format is not on the
     *                                  classpath (SVG and PDF need optional dependencies, docs/ARTIFACT.md)
     */
    public static Format format(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        for (Format f : Format.values()) {
            if (name.endsWith("." + f.name().toLowerCase(Locale.ROOT))) {
                VectorOutput.check(f);
                return f;
            }
        }
        throw new IllegalArgumentException(file + ": use a file name ending in .png, .svg or .pdf");
    }

    private void draw(Consumer<Graphics2D> op) { ops.add(op); }

    /** A panel at grid cell (col, row) with data bounds. */
    public final class Panel {
        final int x0, y0, w, h;
        final double xmin, xmax, ymin, ymax;
        final boolean logY, square;

        Panel(int col, int row, double xmin, double xmax, double ymin, double ymax, boolean logY, boolean square) {
            int fullW = PANEL - PAD - 14, fullH = PANEL - 28 - 36;
            int side = Math.min(fullW - BAR, fullH);
            this.x0 = col * PANEL + PAD;
            this.y0 = row * PANEL + 28 + (square ? (fullH - side) / 2 : 0);
            this.w = square ? side : fullW;
            this.h = square ? side : fullH;
            double dx = xmax > xmin ? 0 : 1, dy = ymax > ymin ? 0 : 1;
            this.xmin = xmin - dx;
            this.xmax = xmax + dx;
            this.ymin = ymin - dy;
            this.ymax = ymax + dy;
            this.logY = logY;
            this.square = square;
        }

        int px(double x) { return x0 + (int) Math.round((x - xmin) / (xmax - xmin) * w); }

        int py(double y) {
            double v = logY ? (Math.log10(y) - Math.log10(ymin)) / (Math.log10(ymax) - Math.log10(ymin)) : (y - ymin) / (ymax - ymin);
            return y0 + h - (int) Math.round(v * h);
        }

        boolean inside(double x, double y) { return x >= xmin && x <= xmax && y >= ymin && y <= ymax; }

        /** Frame and title only. */
        public Panel titled(String title) {
            draw(g -> {
                g.setColor(Color.DARK_GRAY);
                g.setStroke(new BasicStroke(1f));
                g.drawRect(x0, y0, w, h);
                g.setFont(TITLE);
                g.drawString(title, x0, y0 - 8);
            });
            return this;
        }

        /** Frame, title, axis labels and the bounds as tick labels. */
        public Panel frame(String title, String xLabel, String yLabel) {
            titled(title);
            draw(g -> {
                g.setFont(SMALL);
                g.drawString(fmt(xmin), x0, y0 + h + 13);
                String xm = fmt(xmax);
                g.drawString(xm, x0 + w - g.getFontMetrics().stringWidth(xm), y0 + h + 13);
                g.drawString(xLabel, x0 + w / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, y0 + h + 26);
                String lo = fmt(ymin), hi = fmt(ymax);
                g.drawString(hi, x0 - 4 - g.getFontMetrics().stringWidth(hi), y0 + 9);
                g.drawString(lo, x0 - 4 - g.getFontMetrics().stringWidth(lo), y0 + h);
                var at = g.getTransform();
                g.rotate(-Math.PI / 2, x0 - 44, y0 + h / 2.0);
                g.drawString(yLabel, (float) (x0 - 44 - g.getFontMetrics().stringWidth(yLabel) / 2.0), (float) (y0 + h / 2.0));
                g.setTransform(at);
            });
            return this;
        }

        /** A heat map of values[gy * nx + gx] over the panel's bounds, scaled to [min, max] of the values; on a square panel with its colour bar. */
        public Panel heat(double[] values, int nx, int ny) {
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (double v : values) if (Double.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
            return cells(values.clone(), nx, ny, lo, hi, VIRIDIS);
        }

        /** A 2-D histogram over its own range (the panel's bounds should be the same), counts 0..max in inferno, with its colour bar. */
        public Panel histogram(Histogram2D hist) {
            double[] v = new double[hist.counts().length];
            for (int i = 0; i < v.length; i++) v[i] = hist.counts()[i];
            return cells(v, hist.bins(), hist.bins(), 0, Math.max(1, hist.max()), INFERNO);
        }

        private Panel cells(double[] values, int nx, int ny, double lo, double hi, double[][] map) {
            draw(g -> {
                // no anti-aliasing: in SVG and PDF it would leave hairline seams between neighbouring cells
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
                g.setColor(colormap(map, 0));   // the bottom of the scale as background: empty cells need no shape of their own
                g.fillRect(x0, y0, w, h);
                for (int gy = 0; gy < ny; gy++) {
                    for (int gx = 0; gx < nx; gx++) {
                        double v = values[gy * nx + gx];
                        double t = Double.isFinite(v) && hi > lo ? (v - lo) / (hi - lo) : 0;
                        if (t <= 0) continue;
                        g.setColor(colormap(map, t));
                        int xa = x0 + gx * w / nx, xb = x0 + (gx + 1) * w / nx;
                        int ya = y0 + h - (gy + 1) * h / ny, yb = y0 + h - gy * h / ny;
                        g.fillRect(xa, ya, xb - xa, yb - ya);
                    }
                }
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            });
            if (square) colorBar(lo, hi, map);
            return this;
        }

        /** A colour bar right of a square panel: the map from lo (bottom) to hi (top) with five labels, or whole steps between whole bounds. */
        private void colorBar(double lo, double hi, double[][] map) {
            int bx = x0 + w + 10, steps = 64;
            boolean whole = lo == Math.rint(lo) && hi == Math.rint(hi);
            draw(g -> {
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
                for (int k = 0; k < steps; k++) {
                    g.setColor(colormap(map, (k + 0.5) / steps));
                    int ya = y0 + h - (k + 1) * h / steps, yb = y0 + h - k * h / steps;
                    g.fillRect(bx, ya, 12, yb - ya);
                }
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
                g.setColor(Color.DARK_GRAY);
                g.drawRect(bx, y0, 12, h);
                g.setFont(SMALL);
                double step = whole ? wholeStep(hi - lo) : (hi - lo) / 4;
                for (int k = 0; k <= (whole ? (int) ((hi - lo) / step) : 4); k++) {
                    double v = lo + k * step;
                    int y = y0 + h - (int) Math.round((hi > lo ? (v - lo) / (hi - lo) : k / 4.0) * h);
                    g.drawLine(bx + 12, y, bx + 15, y);
                    g.drawString(fmt(v), bx + 17, y + 4);
                }
            });
        }

        /**
         * A grid of n images of ih x iw pixels (rows of {@code pixels}, row-major, ih * iw values each), in grey from lo
         * (black) to hi (white), with its colour bar; as many images as fit at three screen pixels per image pixel, at
         * most 8 x 8.
         */
        public Panel images(double[] pixels, int n, int ih, int iw, double lo, double hi) {
            int per = imagesPerRow(ih, iw, w), cell = w / per, px = Math.max(1, (cell - 2) / Math.max(ih, iw));
            int shown = Math.min(n, per * per);
            draw(g -> {
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
                for (int k = 0; k < shown; k++) {
                    int ox = x0 + (k % per) * cell + 1, oy = y0 + (k / per) * cell + 1;
                    for (int r = 0; r < ih; r++) {
                        for (int c = 0; c < iw; c++) {
                            double v = pixels[k * ih * iw + r * iw + c];
                            g.setColor(colormap(GREY, hi > lo ? (v - lo) / (hi - lo) : 0));
                            g.fillRect(ox + c * px, oy + r * px, px, px);
                        }
                    }
                }
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            });
            colorBar(lo, hi, GREY);
            return this;
        }

        /** A marker at each (xs[i], ys[i]): the points of a {@link #line}. */
        public Panel points(double[] xs, double[] ys, Color c, int size) {
            double[] pts = new double[2 * xs.length];
            for (int i = 0; i < xs.length; i++) {
                pts[2 * i] = xs[i];
                pts[2 * i + 1] = ys[i];
            }
            return scatter(pts, 2, 0, 1, c, size);
        }

        public Panel scatter(double[] pts, int stride, int cx, int cy, Color c, int size) {
            double[] p = pts.clone();
            draw(g -> {
                g.setColor(c);
                for (int i = 0; i + Math.max(cx, cy) < p.length; i += stride) {
                    double x = p[i + cx], y = p[i + cy];
                    if (inside(x, y)) g.fillOval(px(x) - size / 2, py(y) - size / 2, size, size);
                }
            });
            return this;
        }

        /** A polyline through (xs[i], ys[i]), skipping non-finite or out-of-range points. */
        public Panel line(double[] xs, double[] ys, Color c, float width) {
            double[] a = xs.clone(), b = ys.clone();
            draw(g -> {
                g.setColor(c);
                g.setStroke(new BasicStroke(width));
                int lx = Integer.MIN_VALUE, ly = 0;
                for (int i = 0; i < a.length; i++) {
                    if (!Double.isFinite(b[i]) || !inside(a[i], b[i]) || (logY && b[i] <= 0)) { lx = Integer.MIN_VALUE; continue; }
                    int x = px(a[i]), y = py(b[i]);
                    if (lx != Integer.MIN_VALUE) g.drawLine(lx, ly, x, y);
                    lx = x;
                    ly = y;
                }
                g.setStroke(new BasicStroke(1f));
            });
            return this;
        }

        public Panel legend(List<String> names, List<Color> colors) {
            List<String> ns = List.copyOf(names);
            List<Color> cs = List.copyOf(colors);
            draw(g -> {
                g.setFont(SMALL);
                for (int i = 0; i < ns.size(); i++) {
                    int yy = y0 + 14 + i * 13;
                    g.setColor(cs.get(i));
                    g.fillRect(x0 + w - 86, yy - 8, 10, 8);
                    g.setColor(Color.BLACK);
                    g.drawString(ns.get(i), x0 + w - 72, yy);
                }
            });
            return this;
        }
    }

    /** The step of 1, 2 or 5 times a power of ten that cuts {@code range} (> 0, whole) into at most five parts. */
    static double wholeStep(double range) {
        for (double p = 1; ; p *= 10) {
            for (double m : new double[] {1, 2, 5}) if (m * p * 5 >= range) return m * p;
        }
    }

    /** Images per row of {@link Panel#images}: three screen pixels per image pixel, 1 to 8. */
    static int imagesPerRow(int ih, int iw, int side) {
        return Math.max(1, Math.min(8, side / (3 * Math.max(ih, iw) + 2)));
    }

    public Panel panel(int col, int row, double xmin, double xmax, double ymin, double ymax) {
        return new Panel(col, row, xmin, xmax, ymin, ymax, false, false);
    }

    /** A square panel (equal scales when the bounds are) with room for a colour bar on its right. */
    public Panel squarePanel(int col, int row, double xmin, double xmax, double ymin, double ymax) {
        return new Panel(col, row, xmin, xmax, ymin, ymax, false, true);
    }

    public Panel logPanel(int col, int row, double xmin, double xmax, double ymin, double ymax) {
        return new Panel(col, row, xmin, xmax, ymin, ymax, true, false);
    }

    /** A note in an empty panel. */
    public void note(int col, int row, String text) {
        draw(g -> {
            g.setColor(Color.GRAY);
            g.setFont(NOTE);
            g.drawString(text, col * PANEL + PAD, row * PANEL + PANEL / 2);
        });
    }

    /** Paints the figure into {@code g}: a white page, then every panel's drawing in order. */
    void paint(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setFont(NOTE);
        for (Consumer<Graphics2D> op : ops) op.accept(g);
    }

    /** Writes the figure under a temporary name, then renames it into place; the format is told by the name ({@link #format}). */
    public void write(Path file) throws IOException {
        Format f = format(file);
        AtomicFile.write(file, out -> {
            if (f != Format.PNG) {
                VectorOutput.write(f, width, height, this::paint, out);
                return;
            }
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            paint(g);
            g.dispose();
            // an in-memory cache: ImageIO's default for a stream is a cache file in java.io.tmpdir
            try (var image = new javax.imageio.stream.MemoryCacheImageOutputStream(out)) {
                if (!javax.imageio.ImageIO.write(img, "png", image)) throw new IOException("no PNG writer available");
            }
        });
    }

    /** The colour of t in [0, 1] on a map of stops. */
    static Color colormap(double[][] stops, double t) {
        t = Math.max(0, Math.min(1, t)) * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) t);
        double f = t - i;
        return new Color((int) (stops[i][0] + f * (stops[i + 1][0] - stops[i][0])), (int) (stops[i][1] + f * (stops[i + 1][1] - stops[i][1])),
                (int) (stops[i][2] + f * (stops[i + 1][2] - stops[i][2])));
    }

    static String fmt(double v) {
        double a = Math.abs(v);
        if (v == Math.rint(v) && a < 1e4) return String.format(Locale.ROOT, "%d", (long) v);
        if (a != 0 && (a < 1e-2 || a >= 1e4)) return String.format(Locale.ROOT, "%.1e", v);
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
