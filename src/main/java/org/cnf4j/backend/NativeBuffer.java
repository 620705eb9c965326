package org.cnf4j.backend;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Native memory for BLAS, allocated through JavaCPP so that its limits (-Dorg.bytedeco.javacpp.maxbytes) count it
 * and its deallocator frees it when the owner is collected. Typed views are made once, not per call.
 */
final class NativeBuffer {
    /** Native bytes allocated so far by all buffers (estimates are tested against it). */
    private static final java.util.concurrent.atomic.AtomicLong ALLOCATED = new java.util.concurrent.atomic.AtomicLong();

    private final BytePointer bytes;
    final FloatPointer floats;
    final DoublePointer doubles;

    NativeBuffer(long size) {
        Blas.ensureLoaded();
        bytes = new BytePointer(Math.max(8, size));
        floats = new FloatPointer(bytes);
        doubles = new DoublePointer(bytes);
        ALLOCATED.addAndGet(size);
    }

    long address() { return bytes.address(); }

    static long allocated() { return ALLOCATED.get(); }
}
