package org.cnf4j.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Small PNG charts drawn with Java2D (no chart library): panels with axes, heat maps, scatter plots and line
 * curves, laid out on one image and written atomically.
 */
public final class Charts {
    public static final int PANEL = 420;
    private static final int PAD = 60;

    private final BufferedImage img;
    private final Graphics2D g;

    public Charts(int cols, int rows) {
        System.setProperty("java.awt.headless", "true");
        img = new BufferedImage(cols * PANEL, rows * PANEL, BufferedImage.TYPE_INT_RGB);
        g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    }

    /** A panel at grid cell (col, row) with data bounds. */
    public final class Panel {
        final int x0, y0, w, h;
        final double xmin, xmax, ymin, ymax;
        final boolean logY;

        Panel(int col, int row, double xmin, double xmax, double ymin, double ymax, boolean logY) {
            this.x0 = col * PANEL + PAD;
            this.y0 = row * PANEL + 28;
            this.w = PANEL - PAD - 14;
            this.h = PANEL - 28 - 36;
            double dx = xmax > xmin ? 0 : 1, dy = ymax > ymin ? 0 : 1;
            this.xmin = xmin - dx;
            this.xmax = xmax + dx;
            this.ymin = ymin - dy;
            this.ymax = ymax + dy;
            this.logY = logY;
        }

        int px(double x) { return x0 + (int) Math.round((x - xmin) / (xmax - xmin) * w); }

        int py(double y) {
            double v = logY ? (Math.log10(y) - Math.log10(ymin)) / (Math.log10(ymax) - Math.log10(ymin)) : (y - ymin) / (ymax - ymin);
            return y0 + h - (int) Math.round(v * h);
        }

        boolean inside(double x, double y) { return x >= xmin && x <= xmax && y >= ymin && y <= ymax; }

        /** Frame, title, axis labels and the bounds as tick labels. */
        public Panel frame(String title, String xLabel, String yLabel) {
            g.setColor(Color.DARK_GRAY);
            g.setStroke(new BasicStroke(1f));
            g.drawRect(x0, y0, w, h);
            g.setFont(g.getFont().deriveFont(Font.BOLD, 12f));
            g.drawString(title, x0, y0 - 8);
            g.setFont(g.getFont().deriveFont(Font.PLAIN, 10f));
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
            return this;
        }

        /** A heat map of values[gy * nx + gx] over the panel's bounds, scaled to [min, max] of the values. */
        public Panel heat(double[] values, int nx, int ny) {
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (double v : values) if (Double.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
            for (int gy = 0; gy < ny; gy++) {
                for (int gx = 0; gx < nx; gx++) {
                    double v = values[gy * nx + gx];
                    double t = Double.isFinite(v) && hi > lo ? (v - lo) / (hi - lo) : 0;
                    g.setColor(colormap(t));
                    int xa = x0 + gx * w / nx, xb = x0 + (gx + 1) * w / nx;
                    int ya = y0 + h - (gy + 1) * h / ny, yb = y0 + h - gy * h / ny;
                    g.fillRect(xa, ya, xb - xa, yb - ya);
                }
            }
            return this;
        }

        public Panel scatter(double[] pts, int stride, int cx, int cy, Color c, int size) {
            g.setColor(c);
            for (int i = 0; i + Math.max(cx, cy) < pts.length; i += stride) {
                double x = pts[i + cx], y = pts[i + cy];
                if (inside(x, y)) g.fillOval(px(x) - size / 2, py(y) - size / 2, size, size);
            }
            return this;
        }

        /** A polyline through (xs[i], ys[i]), skipping non-finite or out-of-range points. */
        public Panel line(double[] xs, double[] ys, Color c, float width) {
            g.setColor(c);
            g.setStroke(new BasicStroke(width));
            int lx = Integer.MIN_VALUE, ly = 0;
            for (int i = 0; i < xs.length; i++) {
                if (!Double.isFinite(ys[i]) || !inside(xs[i], ys[i]) || (logY && ys[i] <= 0)) { lx = Integer.MIN_VALUE; continue; }
                int x = px(xs[i]), y = py(ys[i]);
                if (lx != Integer.MIN_VALUE) g.drawLine(lx, ly, x, y);
                lx = x;
                ly = y;
            }
            g.setStroke(new BasicStroke(1f));
            return this;
        }

        public Panel legend(List<String> names, List<Color> colors) {
            g.setFont(g.getFont().deriveFont(Font.PLAIN, 10f));
            for (int i = 0; i < names.size(); i++) {
                int yy = y0 + 14 + i * 13;
                g.setColor(colors.get(i));
                g.fillRect(x0 + w - 86, yy - 8, 10, 8);
                g.setColor(Color.BLACK);
                g.drawString(names.get(i), x0 + w - 72, yy);
            }
            return this;
        }
    }

    public Panel panel(int col, int row, double xmin, double xmax, double ymin, double ymax) {
        return new Panel(col, row, xmin, xmax, ymin, ymax, false);
    }

    public Panel logPanel(int col, int row, double xmin, double xmax, double ymin, double ymax) {
        return new Panel(col, row, xmin, xmax, ymin, ymax, true);
    }

    /** A note in an empty panel. */
    public void note(int col, int row, String text) {
        g.setColor(Color.GRAY);
        g.drawString(text, col * PANEL + PAD, row * PANEL + PANEL / 2);
    }

    /** Writes the PNG under a temporary name, then renames it into place. */
    public void write(Path file) throws IOException {
        g.dispose();
        org.cnf4j.format.AtomicWrite.file(file, tmp -> {
            if (!javax.imageio.ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer available");
        });
    }

    /** A viridis-like map from [0, 1] to a colour. */
    static Color colormap(double t) {
        double[][] stops = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
        t = Math.max(0, Math.min(1, t)) * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) t);
        double f = t - i;
        return new Color((int) (stops[i][0] + f * (stops[i + 1][0] - stops[i][0])), (int) (stops[i][1] + f * (stops[i + 1][1] - stops[i][1])),
                (int) (stops[i][2] + f * (stops[i + 1][2] - stops[i][2])));
    }

    static String fmt(double v) {
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-2 || a >= 1e4)) return String.format(Locale.ROOT, "%.1e", v);
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
