package org.cnf4j.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.Pointer;
import org.cnf4j.model.PhiShape;

/**
 * What a run or command will allocate, added up before it allocates, and checked against what this process may
 * use: the JVM heap (Java arrays: parameters, optimiser state, batches, outputs) and, for the heap and the off-heap
 * memory together (ND4J keeps the engine's matrices outside the heap), JavaCPP's limit on the process's physical
 * memory or the machine's memory, whichever is smaller. (JavaCPP's maxBytes does not count ND4J's buffers, so it
 * bounds nothing here; maxPhysicalBytes is checked against the resident size at every allocation ND4J makes.) Without it {@code train --width 100000} or
 * {@code sample -n 100000000} died of an OutOfMemoryError after minutes, or left half a run behind; with it they
 * are refused at once with the numbers and what to change. The parts are estimates of the largest allocations
 * (the helpers next to each allocator say how they are counted), not of every object: the JVM itself, class data and
 * small buffers are left out, so an estimate just under a limit may still run out (the commands then report the
 * OutOfMemoryError in one line).
 */
public final class MemoryEstimate {
    private static final double GB = 1 << 30, MB = 1 << 20;

    /** Bytes on the Java heap and off it (ND4J / JavaCPP buffers). */
    public record Bytes(double heap, double offHeap) {
        public Bytes plus(Bytes o) { return new Bytes(heap + o.heap, offHeap + o.offHeap); }
    }

    /** The memory this process may use: the heap (-Xmx), and the heap and off-heap memory together. */
    public record Limits(double heap, double physical) {
        /** This JVM's limits: -Xmx, and JavaCPP's maxPhysicalBytes (0: none) or the machine's memory if smaller. */
        public static Limits current() {
            double phys = Pointer.maxPhysicalBytes() > 0 ? Pointer.maxPhysicalBytes() : Double.POSITIVE_INFINITY;
            if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                    && os.getTotalMemorySize() > 0) {
                phys = Math.min(phys, os.getTotalMemorySize());
            }
            return new Limits(Runtime.getRuntime().maxMemory(), phys);
        }
    }

    private record Part(String what, Bytes bytes) {}

    private final String subject;
    private final List<Part> parts = new ArrayList<>();

    /** An estimate for {@code subject} ("this run", "sampling 10^8 points"), which starts every message. */
    public MemoryEstimate(String subject) { this.subject = subject; }

    /** Adds a part; {@code what} names it in the message when it is the largest. */
    public MemoryEstimate add(String what, double heapBytes, double offHeapBytes) {
        parts.add(new Part(what, new Bytes(heapBytes, offHeapBytes)));
        return this;
    }

    /** Adds the engine's buffers for one kind of call on n samples (see {@link Engines#memory}). */
    public MemoryEstimate engine(String what, PhiShape shape, EngineOptions options, int n, int nt, int stages, boolean gradient) {
        Bytes b = Engines.memory(shape, options, n, nt, stages, gradient);
        return add(what, b.heap(), b.offHeap());
    }

    public Bytes total() {
        Bytes t = new Bytes(0, 0);
        for (Part p : parts) t = t.plus(p.bytes());
        return t;
    }

    /**
     * Throws {@link NotEnoughMemoryException} when the estimate exceeds the heap, or the heap and off-heap memory
     * together exceed the physical limit; {@code advice} is what the user can make smaller ("use a smaller --width").
     */
    public void check(Limits limits, String advice) {
        Bytes t = total();
        if (t.heap() > limits.heap()) throw refusal(NotEnoughMemoryException.Kind.HEAP, t.heap(), limits.heap(), advice);
        double all = t.heap() + t.offHeap();
        if (all > limits.physical()) throw refusal(NotEnoughMemoryException.Kind.PHYSICAL, all, limits.physical(), advice);
    }

    /** {@link #check} against this JVM's limits, unless {@code options} turn the check off. */
    public void check(EngineOptions options, String advice) {
        if (options.memoryCheck()) check(Limits.current(), advice);
    }

    private NotEnoughMemoryException refusal(NotEnoughMemoryException.Kind kind, double need, double limit, String advice) {
        Part largest = null;
        for (Part p : parts) if (largest == null || kind.of(p.bytes()) > kind.of(largest.bytes())) largest = p;
        String msg = String.format(Locale.ROOT, "%s needs about %s %s, %s of it for %s; %s allows %s: %s, or %s",
                subject, size(need), kind.where, size(kind.of(largest.bytes())), largest.what(), kind.limit, size(limit), advice, kind.more);
        return new NotEnoughMemoryException(msg, kind, need, limit);
    }

    /** "37 GB", "512 MB", "3.2 KB". */
    public static String size(double bytes) {
        if (bytes >= 10 * GB) return String.format(Locale.ROOT, "%.0f GB", bytes / GB);
        if (bytes >= GB) return String.format(Locale.ROOT, "%.1f GB", bytes / GB);
        if (bytes >= MB) return String.format(Locale.ROOT, "%.0f MB", bytes / MB);
        return String.format(Locale.ROOT, "%.1f KB", bytes / 1024);
    }

    /** "1.0 x 10^10" for large counts, the number itself below a million. */
    public static String count(double n) {
        if (n < 1e6) return String.format(Locale.ROOT, "%.0f", n);
        int e = (int) Math.floor(Math.log10(n));
        return String.format(Locale.ROOT, "%.1f x 10^%d", n / Math.pow(10, e), e);
    }
}
