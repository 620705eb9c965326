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
}
