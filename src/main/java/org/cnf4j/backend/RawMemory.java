package org.cnf4j.backend;

import java.lang.reflect.Field;
import sun.misc.Unsafe;

/**
 * {@code Unsafe} for the copies between Java arrays and native memory that stage BLAS operands: one
 * {@code memcpy} each, without the JNI call and array pinning of JavaCPP's array-taking methods.
 */
final class RawMemory {
    static final Unsafe U;
    static final long FLOATS, DOUBLES;

    static {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            U = (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        FLOATS = U.arrayBaseOffset(float[].class);
        DOUBLES = U.arrayBaseOffset(double[].class);
    }

    private RawMemory() {}
}
