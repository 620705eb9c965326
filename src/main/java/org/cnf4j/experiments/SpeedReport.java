package org.cnf4j.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cnf4j.plot.Charts;

/**
 * Experiment 3, the report half: reads the JSON lines of jmh/compare.sh (a cnf4j bench line, a torch_otflow.py line,
 * then a "compare" line per size and thread count; experiments/speed.sh runs them) and writes training steps per
 * second (1 / median time of one forward + backward step) of both, their ratio, and peak memory.
 */
public final class SpeedReport {

    /** One size at one thread count. */
    public record Cell(String size, int threads, String shape, double cnf4jSeconds, double torchSeconds, double cnf4jRssMb, double torchRssMb, int reps) {
        public double cnf4jStepsPerSecond() { return 1 / cnf4jSeconds; }

        public double torchStepsPerSecond() { return 1 / torchSeconds; }

        /** How many times more steps per second cnf4j trains than torch. */
        public double speedup() { return torchSeconds / cnf4jSeconds; }
    }

    /** Parses compare.sh output; lines that are not JSON objects are skipped. */
    public static List<Cell> parse(Path input) throws IOException {
        if (!Files.isRegularFile(input)) throw new java.nio.file.NoSuchFileException(null, null, input + ": file not found; run experiments/speed.sh first");
        ObjectMapper om = new ObjectMapper();
        List<Cell> cells = new ArrayList<>();
        JsonNode lastCnf4j = null;
        for (String line : Files.readAllLines(input)) {
            if (!line.startsWith("{")) continue;
            JsonNode j = om.readTree(line);
            if ("cnf4j".equals(j.path("bench").asText())) lastCnf4j = j;
            if (!j.has("compare")) continue;
            JsonNode med = j.path("fwdbwd_median_s"), rss = j.path("fwdbwd_peak_rss_mb");
            if (!med.has("cnf4j") || !med.has("torch")) throw new IOException(input + ": a compare line without fwdbwd times (run compare.sh with --mode fwdbwd or both)");
            String shape = "";
            int reps = 0;
            if (lastCnf4j != null) {
                JsonNode c = lastCnf4j.path("config");
                shape = String.format(Locale.ROOT, "d=%d m=%d nTh=%d n=%d nt=%d %s", c.path("d").asInt(), c.path("m").asInt(), c.path("nTh").asInt(),
                        c.path("n").asInt(), c.path("nt").asInt(), c.path("dtype").asText());
                reps = lastCnf4j.path("fwdbwd").path("reps").asInt();
            }
            cells.add(new Cell(j.path("compare").asText(), j.path("threads").asInt(), shape, med.get("cnf4j").asDouble(), med.get("torch").asDouble(),
                    rss.path("cnf4j").asDouble(Double.NaN), rss.path("torch").asDouble(Double.NaN), reps));
        }
        if (cells.isEmpty()) throw new IOException(input + " holds no compare lines; run experiments/speed.sh first");
        return cells;
    }

    /** Writes results.csv, results.md and steps-per-second.png into {@code out}. */
    public static void write(List<Cell> cells, Path out, String command, String machine) throws IOException {
        List<List<String>> rows = new ArrayList<>();
        for (Cell c : cells) {
            rows.add(ResultFiles.row(c.size(), c.threads(), "\"" + c.shape() + "\"", ResultFiles.num(c.cnf4jStepsPerSecond(), 4),
                    ResultFiles.num(c.torchStepsPerSecond(), 4), ResultFiles.num(c.speedup(), 2), ResultFiles.num(c.cnf4jRssMb(), 0),
                    ResultFiles.num(c.torchRssMb(), 0), c.reps()));
        }
        ResultFiles.csv(out.resolve("results.csv"), List.of("size", "threads", "shape", "cnf4j_steps_per_s", "torch_steps_per_s", "speedup",
                "cnf4j_peak_rss_mb", "torch_peak_rss_mb", "reps"), rows);
        List<List<String>> t = new ArrayList<>();
        for (Cell c : cells) {
            t.add(ResultFiles.row(c.size(), c.shape(), c.threads(), String.format(Locale.ROOT, "%.3g", c.cnf4jStepsPerSecond()),
                    String.format(Locale.ROOT, "%.3g", c.torchStepsPerSecond()), String.format(Locale.ROOT, "%.2fx", c.speedup()),
                    String.format(Locale.ROOT, "%.0f / %.0f", c.cnf4jRssMb(), c.torchRssMb())));
        }
        StringBuilder md = new StringBuilder("# Training speed: cnf4j versus the PyTorch implementation\n\n");
        md.append("Training steps per second (one forward + backward pass of the OT-Flow loss with all parameter gradients; 1 / median over the "
                + "timed repetitions), same machine, same thread count, one sitting. Speed-up = cnf4j steps/s divided by torch steps/s.\n\n");
        md.append(ResultFiles.table(List.of("size", "shape", "threads", "cnf4j steps/s", "torch steps/s", "speed-up", "peak RSS MB (cnf4j / torch)"), t));
        md.append("\n## Settings\n\n- Machine: ").append(machine).append("\n- Command: `").append(command).append("`\n");
        ResultFiles.write(out.resolve("results.md"), md.toString());
        plot(cells, out.resolve("steps-per-second.png"));
    }

    /** Steps per second (log scale) per size, one panel per thread count. */
    private static void plot(List<Cell> cells, Path file) throws IOException {
        List<Integer> threads = cells.stream().map(Cell::threads).distinct().sorted().toList();
        List<String> sizes = cells.stream().map(Cell::size).distinct().toList();
        Charts ch = new Charts(threads.size(), 1);
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (Cell c : cells) {
            lo = Math.min(lo, Math.min(c.cnf4jStepsPerSecond(), c.torchStepsPerSecond()));
            hi = Math.max(hi, Math.max(c.cnf4jStepsPerSecond(), c.torchStepsPerSecond()));
        }
        Color cnf = new Color(31, 119, 180), torch = new Color(214, 39, 40);
        for (int p = 0; p < threads.size(); p++) {
            int th = threads.get(p);
            StringBuilder xl = new StringBuilder("size (");
            for (int i = 0; i < sizes.size(); i++) xl.append(i == 0 ? "" : ", ").append(i + 1).append(' ').append(sizes.get(i));
            Charts.Panel panel = ch.logPanel(p, 0, 0.5, sizes.size() + 0.5, lo / 1.5, hi * 1.5)
                    .frame(th + " thread" + (th == 1 ? "" : "s") + ": training steps per second", xl.append(')').toString(), "steps/s (log)");
            for (int i = 0; i < sizes.size(); i++) {
                for (Cell c : cells) {
                    if (c.threads() != th || !c.size().equals(sizes.get(i))) continue;
                    panel.line(new double[] {i + 0.8, i + 0.8}, new double[] {lo / 1.5, c.cnf4jStepsPerSecond()}, cnf, 14f)
                            .line(new double[] {i + 1.2, i + 1.2}, new double[] {lo / 1.5, c.torchStepsPerSecond()}, torch, 14f);
                }
            }
            panel.legend(List.of("cnf4j", "torch"), List.of(cnf, torch));
        }
        ch.write(file);
    }
}
