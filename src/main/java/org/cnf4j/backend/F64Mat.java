package org.cnf4j.backend;

import static org.cnf4j.backend.RawMemory.U;

/** A {@link Mat} of doubles; the engine's float64 loops work on {@link #data} directly. */
public final class F64Mat extends Mat {
    /** The elements, row-major. */
    public final double[] data;

    F64Mat(int rows, int cols) {
        super(rows, cols);
        data = new double[rows * cols];
    }

    private F64Mat(int rows, int cols, double[] data) {
        super(rows, cols);
        this.data = data;
    }

    @Override public Mat reshaped(int rows, int cols) {
        if ((long) rows * cols != data.length) throw new IllegalArgumentException("reshape " + this.rows + "x" + this.cols + " to " + rows + "x" + cols);
        return new F64Mat(rows, cols, data);
    }

    @Override public DType dtype() { return DType.FLOAT64; }

    @Override public double get(int i) { return data[i]; }

    @Override public void set(int i, double v) {
        assert notPinned();
        data[i] = v;
    }

    @Override public void fill(double v) {
        assert notPinned();
        java.util.Arrays.fill(data, v);
    }

    @Override public void copyFrom(Mat src) {
        assert notPinned();
        if (src instanceof F64Mat o && o.size() == size()) System.arraycopy(o.data, 0, data, 0, data.length);
        else for (int i = 0, n = size(); i < n; i++) data[i] = src.get(i);
    }

    @Override void toNative(long address) { U.copyMemory(data, RawMemory.DOUBLES, null, address, 8L * data.length); }

    @Override void fromNative(long address) { U.copyMemory(null, address, data, RawMemory.DOUBLES, 8L * data.length); }
}
