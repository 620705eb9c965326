package org.cnf4j.backend;

import static org.cnf4j.backend.RawMemory.U;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

final class F64Mat extends Mat {
    private final DoublePointer ptr;
    private final long address;

    F64Mat(int rows, int cols, INDArray a) {
        super(rows, cols, a);
        this.ptr = new DoublePointer(a.data().addressPointer());
        this.address = ptr.address();
    }

    @Override public DType dtype() { return DType.FLOAT64; }

    @Override public double get(int i) {
        assert i >= 0 && i < rows * cols : i;
        return U.getDouble(address + 8L * i);
    }

    @Override public void set(int i, double v) {
        assert i >= 0 && i < rows * cols : i;
        U.putDouble(address + 8L * i, v);
    }

    @Override Pointer pointer() { return ptr; }

    @Override public void fill(double v) {
        if (v == 0 && Double.doubleToRawLongBits(v) == 0) U.setMemory(address, (long) 8 * size(), (byte) 0);
        else super.fill(v);
    }

    @Override public void copyFrom(Mat src) {
        if (src instanceof F64Mat other && other.size() == size()) U.copyMemory(other.address, address, (long) 8 * size());
        else super.copyFrom(src);
    }
}
