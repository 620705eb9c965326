package org.cnf4j.engine;

/**
 * A {@link MemoryEstimate} exceeds what this process may use: thrown before anything is allocated or written. The
 * message is one line with the estimate, the limit and what to change; {@link #kind} says which limit, so a launcher
 * can name its own setting for it.
 */
public final class NotEnoughMemoryException extends RuntimeException {
    /** The limit exceeded, how the message names it, and how to raise it in a plain JVM. */
    public enum Kind {
        HEAP("of Java heap", "the heap", "more heap (-Xmx)"),
        PHYSICAL("on and off the heap", "the memory limit (JavaCPP's maxPhysicalBytes, or the machine's memory)",
                "a higher limit (-Dorg.bytedeco.javacpp.maxphysicalbytes) on a machine with the memory");

        final String where, limit, more;

        Kind(String where, String limit, String more) {
            this.where = where;
            this.limit = limit;
            this.more = more;
        }

        double of(MemoryEstimate.Bytes b) {
            return switch (this) {
                case HEAP -> b.heap();
                case PHYSICAL -> b.heap() + b.offHeap();
            };
        }
    }

    private final Kind kind;
    private final double needBytes, limitBytes;

    NotEnoughMemoryException(String message, Kind kind, double needBytes, double limitBytes) {
        super(message);
        this.kind = kind;
        this.needBytes = needBytes;
        this.limitBytes = limitBytes;
    }

    public Kind kind() { return kind; }

    /** The estimate, in bytes, of the memory of {@link #kind}. */
    public double needBytes() { return needBytes; }

    public double limitBytes() { return limitBytes; }
}
