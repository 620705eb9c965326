// Draws probes.png from probes.csv with cnf4j's own chart code:
//   jshell --class-path "target/cnf4j.jar:target/lib/*" docs/quality-2026-12-03/plot_probes.jsh
import java.awt.Color;
import java.nio.file.*;
import java.util.*;
import org.cnf4j.plot.Charts;

var dir = Path.of("docs/quality-2026-12-03");
var lines = Files.readAllLines(dir.resolve("probes.csv"));
var series = new LinkedHashMap<String, List<double[]>>();   // probe|data -> (iteration, nll)
for (String l : lines.subList(1, lines.size())) {
    String[] p = l.split(",");
    series.computeIfAbsent(p[0] + "|" + p[1], k -> new ArrayList<>()).add(new double[] {Double.parseDouble(p[2]), Double.parseDouble(p[4])});
}
String[] sets = {"mixture16", "digits", "breast_cancer"};
double[][] box = {{0, 800, 9, 25}, {0, 130, 60, 100}, {0, 250, 10, 45}};
Color[] palette = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40), new Color(148, 103, 189),
        new Color(140, 86, 75), new Color(227, 119, 194), new Color(127, 127, 127), new Color(188, 189, 34)};
var ch = new Charts(3, 1);
for (int c = 0; c < 3; c++) {
    var panel = ch.panel(c, 0, box[c][0], box[c][1], box[c][2], box[c][3]).frame(sets[c] + ": validation NLL (standardised)", "iteration", "NLL (nats)");
    var names = new ArrayList<String>();
    var colors = new ArrayList<Color>();
    int k = 0;
    for (var e : series.entrySet()) {
        if (!e.getKey().endsWith("|" + sets[c])) continue;
        double[] xs = e.getValue().stream().mapToDouble(p -> p[0]).toArray();
        double[] ys = e.getValue().stream().mapToDouble(p -> Math.max(box[0][2], Math.min(p[1], 1e9))).toArray();
        final int cc = c;
        ys = Arrays.stream(ys).map(y -> Math.min(y, box[cc][3])).toArray();
        Color col = palette[k++ % palette.length];
        panel.line(xs, ys, col, 1.5f);
        names.add(e.getKey().split("\\|")[0]);
        colors.add(col);
    }
    panel.legend(names, colors);
}
ch.write(dir.resolve("probes.png"));
/exit
