package org.cnf4j.experiments;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** CSV and markdown result files, written under a temporary name and renamed into place. */
public final class ResultFiles {
    private ResultFiles() {}

    /** A CSV file: header, then one line per row (values already formatted). */
    static void csv(Path file, List<String> header, List<List<String>> rows) throws IOException {
        StringBuilder sb = new StringBuilder(String.join(",", header)).append('\n');
        for (List<String> r : rows) sb.append(String.join(",", r)).append('\n');
        write(file, sb.toString());
    }

    /** A markdown table. */
    static String table(List<String> header, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder("| ").append(String.join(" | ", header)).append(" |\n|");
        for (int i = 0; i < header.size(); i++) sb.append(i == 0 ? "---|" : "---:|");
        sb.append('\n');
        for (List<String> r : rows) sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        return sb.toString();
    }

    static void write(Path file, String text) throws IOException {
        org.cnf4j.format.AtomicWrite.file(file, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }

    /** Mean and standard error (sample standard deviation / sqrt(n); NaN for one value) of the values. */
    static double[] meanSe(double[] v) {
        double m = 0;
        for (double x : v) m += x;
        m /= v.length;
        double q = 0;
        for (double x : v) q += (x - m) * (x - m);
        return new double[] {m, v.length > 1 ? Math.sqrt(q / (v.length - 1) / v.length) : Double.NaN};
    }

    static String num(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "";
    }

    static String sci(double v) { return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3e", v) : ""; }

    static List<String> row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) r.add(String.valueOf(c));
        return r;
    }

    /** The machine line every result page states. */
    public static String machine() {
        return String.format(Locale.ROOT, "%s %s, %d available processors, Java %s", System.getProperty("os.name"), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    }
}
