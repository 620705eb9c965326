package org.cnf4j.backend;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

final class F32Mat extends Mat {
    private final FloatBuffer buf;
    private final FloatPointer ptr;

    F32Mat(int rows, int cols, INDArray a) {
        super(rows, cols, a);
        this.buf = a.data().asNioFloat();
        this.ptr = new FloatPointer(a.data().addressPointer());
    }

    @Override public DType dtype() { return DType.FLOAT32; }

    @Override public double get(int i) { return buf.get(i); }

    @Override public void set(int i, double v) { buf.put(i, (float) v); }

    @Override Pointer pointer() { return ptr; }
}
