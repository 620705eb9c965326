package org.cnf4j.backend;

/**
 * A dense row-major matrix in a Java array ({@link F32Mat}: {@code float[]}, {@link F64Mat}: {@code double[]}),
 * so that the engine's element-wise loops run on the heap, where C2 vectorises them (measured here: 0.3 ns per
 * element for a fused float loop on arrays against 1.5-2 ns through {@code Unsafe} on off-heap memory, which C2 in
 * JDK 17 does not vectorise; docs/DESIGN.md). BLAS reads native memory: {@link Blas#gemm} stages heap operands
 * through a {@link BlasStaging} with one {@code memcpy} each way, and matrices that stay constant for many products
 * (the weights) keep a native copy of their own ({@link #pinNative}).
 *
 * <p>{@link #get}/{@link #set} read and write in double for code that is not hot; the hot loops take the arrays.
 */
public abstract class Mat {
    public final int rows;
    public final int cols;
    /** The native copy made by {@link #pinNative}, or null. */
    private NativeBuffer pinned;

    protected Mat(int rows, int cols) {
        if (rows < 1 || cols < 1) throw new IllegalArgumentException("matrix shape " + rows + "x" + cols);
        if ((long) rows * cols > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("matrix " + rows + "x" + cols + " has more than 2^31 elements");
        this.rows = rows;
        this.cols = cols;
    }

    /** Bytes of every matrix created so far: memory estimates (engine.MemoryEstimate) are tested against it. */
    private static final java.util.concurrent.atomic.AtomicLong CREATED = new java.util.concurrent.atomic.AtomicLong();

    /** The heap bytes of all matrices created in this process so far (not those still alive). */
    public static long createdBytes() { return CREATED.get(); }

    public static Mat create(DType dtype, int rows, int cols) {
        CREATED.addAndGet((long) rows * cols * dtype.bytes());
        return dtype == DType.FLOAT32 ? new F32Mat(rows, cols) : new F64Mat(rows, cols);
    }

    public abstract DType dtype();

    public abstract double get(int i);

    public abstract void set(int i, double v);

    public final void add(int i, double v) { set(i, get(i) + v); }

    public final double get(int r, int c) { return get(r * cols + c); }

    public final void set(int r, int c, double v) { set(r * cols + c, v); }

    public final int size() { return rows * cols; }

    public abstract void fill(double v);

    /**
     * The same elements seen as rows x cols (row-major, so a m x (d cs) matrix of rows j is the (m d) x cs matrix of
     * rows j d + k): a view that shares the array, is not pinned and adds no bytes to {@link #createdBytes}.
     */
    public abstract Mat reshaped(int rows, int cols);

    public void copyFrom(double[] src, int offset) { for (int i = 0, n = size(); i < n; i++) set(i, src[offset + i]); }

    public abstract void copyFrom(Mat src);

    /** Adds every element to {@code dst[offset + i]} (double accumulation of chunk results). */
    public void addTo(double[] dst, int offset) { for (int i = 0, n = size(); i < n; i++) dst[offset + i] += get(i); }

    public double[] toArray() {
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) out[i] = get(i);
        return out;
    }

    /**
     * Gives this matrix a native copy of its current contents, which {@link Blas#gemm} then reads in place of
     * staging it; for matrices that do not change afterwards (the weights of one step). Its bytes are off the heap
     * and are freed with the matrix by the garbage collector (JavaCPP's deallocator).
     */
    public final void pinNative() {
        NativeBuffer b = new NativeBuffer((long) size() * dtype().bytes());
        toNative(b.address());
        pinned = b;
    }

    /** The pinned native copy, or null. */
    final NativeBuffer pinned() { return pinned; }

    /** Copies the elements into native memory at {@code address} (size() elements of this precision). */
    abstract void toNative(long address);

    /** Copies size() elements from native memory at {@code address} into this matrix. */
    abstract void fromNative(long address);

    /** For assertions (on in the tests): a pinned matrix written through set, fill or copyFrom would leave its native copy stale. */
    final boolean notPinned() { return pinned == null; }
}
