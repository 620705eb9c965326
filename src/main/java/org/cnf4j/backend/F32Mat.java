package org.cnf4j.backend;

import static org.cnf4j.backend.RawMemory.U;

/** A {@link Mat} of floats; the engine's float32 loops work on {@link #data} directly. */
public final class F32Mat extends Mat {
    /** The elements, row-major. */
    public final float[] data;

    F32Mat(int rows, int cols) {
        super(rows, cols);
        data = new float[rows * cols];
    }

    private F32Mat(int rows, int cols, float[] data) {
        super(rows, cols);
        this.data = data;
    }

    @Override public Mat reshaped(int rows, int cols) {
        if ((long) rows * cols != data.length) throw new IllegalArgumentException("reshape " + this.rows + "x" + this.cols + " to " + rows + "x" + cols);
        return new F32Mat(rows, cols, data);
    }

    @Override public DType dtype() { return DType.FLOAT32; }

    @Override public double get(int i) { return data[i]; }

    @Override public void set(int i, double v) {
        assert notPinned();
        data[i] = (float) v;
    }

    @Override public void fill(double v) {
        assert notPinned();
        java.util.Arrays.fill(data, (float) v);
    }

    @Override public void copyFrom(Mat src) {
        assert notPinned();
        if (src instanceof F32Mat o && o.size() == size()) System.arraycopy(o.data, 0, data, 0, data.length);
        else for (int i = 0, n = size(); i < n; i++) data[i] = (float) src.get(i);
    }

    @Override void toNative(long address) { U.copyMemory(data, RawMemory.FLOATS, null, address, 4L * data.length); }

    @Override void fromNative(long address) { U.copyMemory(null, address, data, RawMemory.FLOATS, 4L * data.length); }
}
