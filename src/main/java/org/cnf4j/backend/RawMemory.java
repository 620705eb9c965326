package org.cnf4j.backend;

import java.lang.reflect.Field;
import sun.misc.Unsafe;

/**
 * Raw access to off-heap memory. Direct NIO buffers cost a bounds check and a memory-scope check per
 * element in JDK 17, which made the fused loops 2-3x slower than the arithmetic in them; the engine
 * checks its indices with assertions instead (enabled in the tests).
 */
final class RawMemory {
    static final Unsafe U;

    static {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            U = (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private RawMemory() {}
}
