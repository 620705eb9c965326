package org.cnf4j.backend;

import java.nio.DoubleBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

final class F64Mat extends Mat {
    private final DoubleBuffer buf;
    private final DoublePointer ptr;

    F64Mat(int rows, int cols, INDArray a) {
        super(rows, cols, a);
        this.buf = a.data().asNioDouble();
        this.ptr = new DoublePointer(a.data().addressPointer());
    }

    @Override public DType dtype() { return DType.FLOAT64; }

    @Override public double get(int i) { return buf.get(i); }

    @Override public void set(int i, double v) { buf.put(i, v); }

    @Override Pointer pointer() { return ptr; }
}
