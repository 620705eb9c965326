package org.cnf4j.train;

/**
 * Adam as PyTorch implements it (betas 0.9/0.999, eps 1e-8), on a flat parameter vector, with optional decoupled
 * weight decay as PyTorch's AdamW has it. The state (moments, step count, learning rate) is plain data so checkpoints
 * can save it.
 */
public final class Adam {
    public static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;

    private final double[] m, v;
    private long step;
    private double lr;

    public Adam(int size, double lr) {
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        this.m = new double[size];
        this.v = new double[size];
        this.lr = lr;
    }

    /** Restores a saved state (moments, step count, learning rate). */
    public Adam(double[] m, double[] v, long step, double lr) {
        if (m.length != v.length) throw new IllegalArgumentException("moment sizes differ");
        this.m = m.clone();
        this.v = v.clone();
        this.step = step;
        this.lr = lr;
    }

    public Adam copy() { return new Adam(m, v, step, lr); }

    public double[] firstMoment() { return m.clone(); }

    public double[] secondMoment() { return v.clone(); }

    public double learningRate() { return lr; }

    public void setLearningRate(double lr) { this.lr = lr; }

    public long steps() { return step; }

    /** params -= lr * mhat / (sqrt(vhat) + eps). */
    public void step(double[] params, double[] grad) {
        step(params, grad, 0);
    }

    /**
     * AdamW's step: params *= 1 - lr * weightDecay, then the Adam step. The decay is decoupled from the gradient (not
     * the L2 term torch's Adam adds to it), so its strength does not depend on the loss's scale, which the alpha
     * weights change by orders of magnitude. weightDecay 0 is {@link #step(double[], double[])} exactly.
     */
    public void step(double[] params, double[] grad, double weightDecay) {
        if (grad.length != params.length || params.length != m.length) throw new IllegalArgumentException("size mismatch");
        if (weightDecay != 0) {
            double keep = 1 - lr * weightDecay;
            for (int i = 0; i < params.length; i++) params[i] *= keep;
        }
        step++;
        double bc1 = 1 - Math.pow(BETA1, step), bc2 = 1 - Math.pow(BETA2, step);
        double stepSize = lr / bc1, sqrtBc2 = Math.sqrt(bc2);
        for (int i = 0; i < params.length; i++) {
            double g = grad[i];
            m[i] = BETA1 * m[i] + (1 - BETA1) * g;
            v[i] = BETA2 * v[i] + (1 - BETA2) * g * g;
            params[i] -= stepSize * m[i] / (Math.sqrt(v[i]) / sqrtBc2 + EPS);
        }
    }

    /** Clamps every parameter to [-c, c] (the reference's option for the tabular sets). */
    public static void clamp(double[] params, double c) {
        for (int i = 0; i < params.length; i++) params[i] = Math.max(-c, Math.min(c, params[i]));
    }
}
