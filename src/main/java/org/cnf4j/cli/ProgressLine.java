package org.cnf4j.cli;

import java.util.Locale;
import org.cnf4j.engine.LossResult;

/** The one-line progress display of {@code train} on an interactive terminal: bar, loss terms, ETA. */
final class ProgressLine {
    private static final int WIDTH = 20;

    private ProgressLine() {}

    /** The line for iteration {@code iter} of {@code total} (without the leading carriage return). */
    static String render(int iter, int total, LossResult r, double lr, double etaSeconds) {
        return String.format(Locale.ROOT, "%s iter %d/%d  J %.4f  L %.4f  C %.4f  R %.4f  lr %.2g  ETA %s",
                bar(iter, total), iter, total, r.j(), r.l(), r.c(), r.r(), lr, clock(etaSeconds));
    }

    /** Seconds left if the remaining iterations run as fast as those done since {@code startIter}. */
    static double eta(double elapsedSeconds, int iter, int startIter, int total) {
        return iter > startIter ? elapsedSeconds / (iter - startIter) * (total - iter) : 0;
    }

    static String bar(int i, int n) {
        int f = (int) Math.min(WIDTH, (long) WIDTH * Math.max(0, i) / Math.max(1, n));
        return "[" + "#".repeat(f) + "-".repeat(WIDTH - f) + "]";
    }

    /** m:ss below an hour, h:mm:ss above. */
    static String clock(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
                : String.format(Locale.ROOT, "%d:%02d", t / 60, t % 60);
    }
}
