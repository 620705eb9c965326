package org.cnf4j.backend;

/**
 * Native memory for the operands of {@link Blas#gemm} that live on the heap: three buffers (A, B, C) of a fixed
 * number of elements, owned by one thread's workspace (an engine worker's kernel), never shared. Sized once for the
 * largest product the owner makes, so that nothing is allocated per call.
 */
public final class BlasStaging {
    public final DType dtype;
    public final long elements;
    final NativeBuffer[] slots = new NativeBuffer[3];

    /** Buffers for operands of up to {@code elements} elements each. */
    public BlasStaging(DType dtype, long elements) {
        this.dtype = dtype;
        this.elements = elements;
        for (int i = 0; i < 3; i++) slots[i] = new NativeBuffer(elements * dtype.bytes());
    }

    /** The native bytes of staging for operands of up to {@code elements} elements (what the constructor allocates). */
    public static double bytes(DType dtype, double elements) { return 3 * elements * dtype.bytes(); }

    /** Native bytes allocated by stagings and pinned matrices in this process so far. */
    public static long allocatedBytes() { return NativeBuffer.allocated(); }
}
