package org.cnf4j.engine;

import java.util.Arrays;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.ode.Tableau;

/**
 * A {@link FlowEngine} whose {@link #loss} is one data-parallel task's share: the engine underneath computes the
 * loss (batch means) and gradient of the task's rows, weighted by their fraction of the batch, and the tasks' parts
 * are summed in rank order ({@link DataParallel#allSum}). The loss terms are means over samples, so the sum is the
 * whole batch's loss, equal to one engine's up to the order of the floating-point additions (with one task: the same
 * bits, as the weight is 1.0). Every other method is the local engine's: pushing data through a map, plotting and
 * evaluation stay on the task that asks. {@code x} is the whole batch (every task slices it) or, when the tasks hold
 * shards of the data ({@code data.DataShard}), this task's rows of it. Every task must call {@link #loss} the same number of times, in the same
 * order (the trainers do: they make the same decisions from the same summed values).
 */
public final class ShardedLossEngine implements FlowEngine {
    private final FlowEngine local;
    private final DataParallel task;

    public ShardedLossEngine(FlowEngine local, DataParallel task) {
        this.local = local;
        this.task = task;
    }

    @Override public PhiShape shape() { return local.shape(); }

    @Override public String describe() { return local.describe() + ", data-parallel task " + (task.rank() + 1) + " of " + task.size(); }

    @Override public PhiValues evaluatePhi(PhiParams p, double[] x, int n, double t) { return local.evaluatePhi(p, x, n, t); }

    @Override
    public double[] integrate(PhiParams p, double[] z0, int n, double t0, double t1, int nt, Tableau tab, double a0) {
        return local.integrate(p, z0, n, t0, t1, nt, tab, a0);
    }

    @Override
    public LossResult loss(PhiParams p, double[] x, int n, int nt, Tableau tab, Alpha alpha, boolean withGradient) {
        task.requireRows(n, "a batch");
        int d = shape().d(), lo = task.lo(n), hi = task.hi(n);
        double[] mine;
        if (x.length == (long) n * d) mine = lo == 0 && hi == n ? x : Arrays.copyOfRange(x, lo * d, hi * d);
        else if (x.length == (long) (hi - lo) * d) mine = x;   // a task of a sharded run holds only its own rows of the batch
        else throw new IllegalArgumentException(x.length + " values are neither a batch of " + n + " rows nor this task's " + (hi - lo) + " of them");
        LossResult r = local.loss(p, mine, hi - lo, nt, tab, alpha, withGradient);
        double w = (hi - lo) / (double) n;
        int g = withGradient ? r.gradient().length : 0;
        double[] part = new double[4 + g];
        part[0] = r.j() * w;
        part[1] = r.l() * w;
        part[2] = r.c() * w;
        part[3] = r.r() * w;
        for (int i = 0; i < g; i++) part[4 + i] = r.gradient()[i] * w;
        double[] sum = task.allSum(part);
        if (sum.length != part.length) throw new IllegalStateException("the data-parallel tasks disagree on the gradient's length");
        return new LossResult(sum[0], sum[1], sum[2], sum[3], withGradient ? Arrays.copyOfRange(sum, 4, sum.length) : null);
    }

    @Override public void close() { local.close(); }
}
