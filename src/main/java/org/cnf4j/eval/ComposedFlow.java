package org.cnf4j.eval;

import java.util.ArrayList;
import java.util.List;
import org.cnf4j.model.PhiParams;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.ode.Tableau;

/**
 * The JKO-Flow model F = F_K o ... o F_1 (ALGORITHMS.md section 5): log p(x) = log N(F(x)) + sum_k log|det dF_k|,
 * each map's log-determinant taken where that map is applied; sampling applies F_K^{-1}, ..., F_1^{-1} to
 * y ~ N(0, I). With one map it is that map.
 */
public final class ComposedFlow implements Flow {
    private final List<Flow> maps;
    private final int d;

    public ComposedFlow(List<? extends Flow> maps) {
        if (maps.isEmpty()) throw new IllegalArgumentException("a composed flow needs at least one map");
        this.maps = List.copyOf(maps);
        this.d = maps.get(0).dimension();
        for (Flow f : maps) if (f.dimension() != d) throw new IllegalArgumentException("maps of different dimensions");
    }

    /** The maps F_1..F_K (in the order they are applied to data), each with {@code nt} RK4 steps on {@code engine}; one map is returned as itself. */
    public static Flow rk4(FlowEngine engine, List<PhiParams> maps, double a0, int nt) {
        List<Flow> fs = new ArrayList<>();
        for (PhiParams p : maps) fs.add(new FlowModel(engine, p, a0, Tableau.RK4).steps(nt));
        return fs.size() == 1 ? fs.get(0) : new ComposedFlow(fs);
    }

    public int size() { return maps.size(); }

    @Override public int dimension() { return d; }

    @Override public double[] push(double[] x, int n, double[] logDet) {
        return chain(x, n, logDet, false);
    }

    @Override public double[] pull(double[] y, int n, double[] logDet) {
        return chain(y, n, logDet, true);
    }

    /** Applies the maps (or their inverses in reverse order), summing the log-determinants. */
    private double[] chain(double[] x, int n, double[] logDet, boolean inverse) {
        double[] cur = x, step = logDet == null ? null : new double[n];
        if (logDet != null) java.util.Arrays.fill(logDet, 0);
        for (int j = 0; j < maps.size(); j++) {
            Flow f = maps.get(inverse ? maps.size() - 1 - j : j);
            cur = inverse ? f.pull(cur, n, step) : f.push(cur, n, step);
            if (logDet != null) for (int i = 0; i < n; i++) logDet[i] += step[i];
        }
        return cur;
    }
}
