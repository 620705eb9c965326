package org.cnf4j.model;

/**
 * Sizes of the OT-Flow potential: data dimension d, hidden width m, number of ResNet layers nTh
 * (ALGORITHMS.md section 1). The rank of the quadratic term is r = min(10, d+1); the ResNet step is
 * h = 1/(nTh-1).
 */
public record PhiShape(int d, int m, int nTh) {
    public PhiShape {
        if (d < 1) throw new IllegalArgumentException("dimension d must be >= 1, got " + d);
        if (m < 1) throw new IllegalArgumentException("width m must be >= 1, got " + m);
        if (nTh < 2) throw new IllegalArgumentException("layers nTh must be >= 2, got " + nTh);
    }

    public int r() { return Math.min(10, d + 1); }

    /** The ResNet step h = 1/(nTh-1). */
    public double h() { return 1.0 / (nTh - 1); }

    /** Input width of layer i: d+1 for the opening layer, m afterwards. */
    public int fanIn(int layer) { return layer == 0 ? d + 1 : m; }
}
