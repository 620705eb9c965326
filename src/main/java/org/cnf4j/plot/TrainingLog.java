package org.cnf4j.plot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The columns of a run's log.csv (iter, J, L, C, R, lr, val_J, val_C, seconds); comment lines (#) are skipped. */
public record TrainingLog(double[] iter, double[] j, double[] l, double[] c, double[] r, double[] valIter, double[] valJ, double[] valC) {

    public static TrainingLog read(Path file) throws IOException {
        List<double[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#") || line.startsWith("iter")) continue;
            String[] p = line.split(",", -1);
            if (p.length < 8) continue;
            double[] v = new double[8];
            try {
                for (int k = 0; k < 8; k++) v[k] = p[k].isBlank() ? Double.NaN : Double.parseDouble(p[k].trim());
            } catch (NumberFormatException e) {
                continue;
            }
            rows.add(v);
        }
        int n = rows.size();
        double[] it = new double[n], j = new double[n], l = new double[n], c = new double[n], r = new double[n];
        List<double[]> val = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] v = rows.get(i);
            it[i] = v[0];
            j[i] = v[1];
            l[i] = v[2];
            c[i] = v[3];
            r[i] = v[4];
            if (!Double.isNaN(v[6])) val.add(new double[] {v[0], v[6], v[7]});
        }
        double[] vi = new double[val.size()], vj = new double[val.size()], vc = new double[val.size()];
        for (int i = 0; i < val.size(); i++) {
            vi[i] = val.get(i)[0];
            vj[i] = val.get(i)[1];
            vc[i] = val.get(i)[2];
        }
        return new TrainingLog(it, j, l, c, r, vi, vj, vc);
    }

    public int size() { return iter.length; }
}
