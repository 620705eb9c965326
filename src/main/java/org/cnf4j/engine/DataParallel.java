package org.cnf4j.engine;

import org.cnf4j.data.DataShard;

/**
 * One task's place in synchronous data-parallel training: its {@code rank} among {@code size} tasks that train one
 * model in lockstep, and the {@link Gather} that connects them. Every task draws the same batches and keeps the same
 * parameters; {@link #wrap} makes its engine compute the loss and gradient of its own rows of each batch (a contiguous
 * slice, {@link #lo}..{@link #hi}) and sum the tasks' parts in rank order, so every task takes the same optimiser
 * step. The transport (Spark's barrier {@code allGather}, threads in a test) only moves vectors; the order of the sum,
 * and so the result, is fixed here.
 */
public record DataParallel(int rank, int size, Gather gather) {
    /** Moves one vector from every task to every task. */
    @FunctionalInterface
    public interface Gather {
        /**
         * Blocks until every task has called it with its vector (all of one length) and returns them all, indexed
         * by rank, identically on every task.
         */
        double[][] allGather(double[] local);
    }

    public DataParallel {
        if (size < 1) throw new IllegalArgumentException("data-parallel size must be >= 1, got " + size);
        if (rank < 0 || rank >= size) throw new IllegalArgumentException("rank " + rank + " is outside 0.." + (size - 1));
        if (gather == null) throw new IllegalArgumentException("a data-parallel task needs a gather");
    }

    /** The task that writes the run directory. */
    public boolean writer() { return rank == 0; }

    /** First row of this task's slice of a batch of n rows (the slices differ in length by at most one). */
    public int lo(int n) { return DataShard.lo(n, rank, size); }

    /** One past the last row of this task's slice. */
    public int hi(int n) { return DataShard.hi(n, rank, size); }

    /** Refuses a batch with fewer rows than tasks: some task would have nothing to compute. */
    public void requireRows(int n, String what) { requireRows(size, n, what); }

    /** {@link #requireRows(int, String)} for {@code tasks} tasks (1: any non-empty batch). */
    public static void requireRows(int tasks, int n, String what) {
        if (n < tasks) {
            throw new IllegalArgumentException(what + " of " + n + " rows is smaller than the " + tasks + " data-parallel tasks; use fewer tasks or a larger batch");
        }
    }

    /** Waits until every task has reached this point. */
    public void barrier() { gather.allGather(new double[0]); }

    /** The element-wise sum of the tasks' vectors, in rank order: the same bits on every task. */
    public double[] allSum(double[] local) {
        double[][] all = gather.allGather(local);
        if (all.length != size) throw new IllegalStateException("gathered " + all.length + " vectors from " + size + " tasks");
        double[] sum = all[0].clone();
        for (int r = 1; r < size; r++) {
            if (all[r].length != sum.length) throw new IllegalStateException("task " + r + " sent " + all[r].length + " values, task 0 " + sum.length);
            for (int i = 0; i < sum.length; i++) sum[i] += all[r][i];
        }
        return sum;
    }

    /** {@code engine} with its loss computed on this task's slice and summed across the tasks (see {@link ShardedLossEngine}). */
    public FlowEngine wrap(FlowEngine engine) { return new ShardedLossEngine(engine, this); }
}
