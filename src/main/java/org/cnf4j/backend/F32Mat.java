package org.cnf4j.backend;

import static org.cnf4j.backend.RawMemory.U;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

final class F32Mat extends Mat {
    private final FloatPointer ptr;
    private final long address;

    F32Mat(int rows, int cols, INDArray a) {
        super(rows, cols, a);
        this.ptr = new FloatPointer(a.data().addressPointer());
        this.address = ptr.address();
    }

    @Override public DType dtype() { return DType.FLOAT32; }

    @Override public double get(int i) {
        assert i >= 0 && i < rows * cols : i;
        return U.getFloat(address + 4L * i);
    }

    @Override public void set(int i, double v) {
        assert i >= 0 && i < rows * cols : i;
        U.putFloat(address + 4L * i, (float) v);
    }

    @Override Pointer pointer() { return ptr; }

    @Override public void fill(double v) {
        if (v == 0 && Double.doubleToRawLongBits(v) == 0) U.setMemory(address, (long) 4 * size(), (byte) 0);
        else super.fill(v);
    }

    @Override public void copyFrom(Mat src) {
        if (src instanceof F32Mat other && other.size() == size()) U.copyMemory(other.address, address, (long) 4 * size());
        else super.copyFrom(src);
    }
}
