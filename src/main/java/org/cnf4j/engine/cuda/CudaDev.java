package org.cnf4j.engine.cuda;

import static org.bytedeco.cuda.global.cublas.*;
import static org.bytedeco.cuda.global.cudart.*;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.cnf4j.backend.DType;
import org.cnf4j.engine.EngineOptions;

/**
 * {@link Dev} on an NVIDIA GPU through the JavaCPP CUDA presets: the runtime API for memory, the
 * driver API for the kernel module (the committed fatbin, loaded with cuModuleLoadData) and launches,
 * cuBLAS for GEMM. Everything runs on one stream; uploads and downloads are synchronous.
 *
 * <p>From {@link EngineOptions}: the device ordinal; the cuBLAS math mode = default (no TF32:
 * CUBLAS_DEFAULT_MATH), pedantic (CUBLAS_PEDANTIC_MATH), bf16x9 (CUBLAS_FP32_EMULATED_BF16X9_MATH: float32
 * emulated on the tensor cores, where cuBLAS supports it), or tf32: the trace products ({@link #traceGemm}) through
 * cublasGemmEx with CUBLAS_COMPUTE_32F_FAST_TF32 (operands rounded to TF32 on the tensor cores, float32 sums, float32
 * storage; float32 only), every other product strict. No bfloat16 mode: on the H200, cuBLAS 13 ran
 * CUBLAS_COMPUTE_32F_FAST_16BF on float32 operands as TF32 (bit-identical results and times, docs/GPU.md).
 * Debug sync synchronises and checks after every operation.
 */
final class CudaDev implements Dev {
    private static final Object LOCK = new Object();
    private static boolean librariesLoaded;
    private static CudaUnavailableException loadFailure;

    private final DType dtype;
    private final String suffix;
    private final int ordinal;
    private final String description;
    private final CUctx_st ctx = new CUctx_st();
    private final CUstream_st stream = new CUstream_st();
    private final cublasContext blas = new cublasContext();
    private final CUmod_st module = new CUmod_st();
    private final Map<String, CUfunc_st> functions = new HashMap<>();
    private final BytePointer argBuf = new BytePointer(8 * 32);
    private final PointerPointer<Pointer> argPtrs = new PointerPointer<>(32);
    private final FloatPointer alphaF = new FloatPointer(1), betaF = new FloatPointer(1);
    private final DoublePointer alphaD = new DoublePointer(1), betaD = new DoublePointer(1);
    private final boolean debugSync;
    private final String mathMode;
    /** The compute type of the trace products (Dev.traceGemm) under math tf32 in float32, or -1: strict. */
    private final int traceCompute;
    private final java.util.List<CBuf> live = new java.util.ArrayList<>();
    private Pointer staging;
    private long stagingBytes;
    private boolean closed;

    /** A raw address as a JavaCPP pointer (device addresses for cuBLAS and cudaMemcpy). */
    static final class Addr extends Pointer {
        Addr(long address) { this.address = address; }
    }

    static final class CBuf extends Buf {
        final long address;
        boolean freed;

        CBuf(long elems, boolean isDouble, long address) {
            super(elems, isDouble);
            this.address = address;
        }
    }

    // ---- opening -------------------------------------------------------------------------------

    /** Loads the JNI wrappers and with them libcuda.so.1, libcudart.so.13 and libcublas.so.13. */
    static void loadLibraries() {
        synchronized (LOCK) {
            if (librariesLoaded) return;
            // a failed load is not retried: JavaCPP would report a later attempt without its cause
            if (loadFailure != null) throw new CudaUnavailableException(loadFailure.getMessage(), loadFailure);
            try {
                loadFailure = null;
                tryLoad();
            } catch (CudaUnavailableException e) {
                loadFailure = e;
                throw e;
            }
            librariesLoaded = true;
        }
    }

    private static void tryLoad() {
        {
            try {
                Loader.load(org.bytedeco.cuda.global.cudart.class);
            } catch (Throwable e) {
                String why = rootMessage(e);
                if (why.contains("libcuda.so")) {
                    throw new CudaUnavailableException("no CUDA driver/device found (libcuda.so.1 not loadable): use --device cpu", e);
                }
                throw new CudaUnavailableException("CUDA runtime not loadable (" + firstLine(why)
                        + "): put the CUDA 13 libraries (libcudart.so.13) on LD_LIBRARY_PATH or use --device cpu", e);
            }
            try {
                Loader.load(org.bytedeco.cuda.global.cublas.class);
            } catch (Throwable e) {
                throw new CudaUnavailableException("cuBLAS not loadable (" + firstLine(rootMessage(e))
                        + "): put the CUDA 13 libraries (libcublas.so.13) on LD_LIBRARY_PATH or use --device cpu", e);
            }
        }
    }

    private static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) sb.append(t.getMessage()).append(" | ");
        return sb.toString();
    }

    private static String firstLine(String s) {
        String[] parts = s.split(" \\| ");
        String last = parts[parts.length - 1];
        for (String p : parts) if (p.contains(".so")) last = p;
        return last.replaceAll("\\s+", " ").trim();
    }

    /** Checks that a driver and at least one device answer; returns a one-line description. */
    static String probe() {
        loadLibraries();
        int rc = cuInit(0);
        if (rc != CUDA_SUCCESS) {
            throw new CudaUnavailableException("no CUDA driver/device found (cuInit: " + driverError(rc) + "): use --device cpu");
        }
        int[] count = {0};
        rc = cuDeviceGetCount(count);
        if (rc != CUDA_SUCCESS || count[0] < 1) {
            throw new CudaUnavailableException("no CUDA driver/device found (" + (rc != CUDA_SUCCESS ? driverError(rc) : "0 devices")
                    + "): use --device cpu");
        }
        int[] drv = {0}, rt = {0};
        cudaDriverGetVersion(drv);
        cudaRuntimeGetVersion(rt);
        return count[0] + " device(s), driver API " + version(drv[0]) + ", runtime " + version(rt[0]);
    }

    private static String version(int v) { return (v / 1000) + "." + (v % 1000 / 10); }

    static String driverError(int rc) {
        PointerPointer<BytePointer> pp = new PointerPointer<>(1);
        if (cuGetErrorName(rc, pp) == CUDA_SUCCESS && pp.get(0) != null) return new BytePointer(pp.get(0)).getString() + " (" + rc + ")";
        return "error " + rc;
    }

    static CudaDev open(EngineOptions o) {
        probe();
        return new CudaDev(o.dtype(), o.cudaDevice(), o.cudaMath(), o.cudaDebugSync());
    }

    private CudaDev(DType dtype, int ordinal, String math, boolean debugSync) {
        this.dtype = dtype;
        this.debugSync = debugSync;
        this.suffix = dtype == DType.FLOAT32 ? "_f32" : "_f64";
        this.ordinal = ordinal;
        checkRt(cudaSetDevice(ordinal), "cudaSetDevice(" + ordinal + ")");
        checkRt(cudaFree(null), "cudaFree(0) (context creation)");
        checkDrv(cuCtxGetCurrent(ctx), "cuCtxGetCurrent");
        checkRt(cudaStreamCreate(stream), "cudaStreamCreate");
        int rc = cublasCreate_v2(blas);
        if (rc != CUBLAS_STATUS_SUCCESS) throw new CudaUnavailableException("cublasCreate failed (status " + rc + "): use --device cpu");
        checkBlas(cublasSetStream_v2(blas, stream), "cublasSetStream");
        int mode = switch (math) {
            case "default" -> CUBLAS_DEFAULT_MATH;
            case "pedantic" -> CUBLAS_PEDANTIC_MATH;
            case "bf16x9" -> CUBLAS_FP32_EMULATED_BF16X9_MATH;
            // tf32 is a compute type of cublasGemmEx for the trace products only: the handle stays strict
            case "tf32" -> CUBLAS_DEFAULT_MATH;
            default -> throw new IllegalArgumentException("CUDA math mode must be default, pedantic, tf32 or bf16x9, got " + math);
        };
        this.mathMode = math;
        this.traceCompute = dtype == DType.FLOAT32 && math.equals("tf32") ? CUBLAS_COMPUTE_32F_FAST_TF32 : -1;
        checkBlas(cublasSetMathMode(blas, mode), "cublasSetMathMode");
        byte[] image = Fatbin.bytes();
        BytePointer img = new BytePointer(image);
        checkDrv(cuModuleLoadData(module, img), "cuModuleLoadData (kernels fatbin)");
        img.close();
        for (int i = 0; i < 32; i++) argPtrs.put(i, new Addr(argBuf.address() + 8L * i));
        byte[] name = new byte[256];
        int[] dev = {0};
        checkDrv(cuDeviceGet(dev, ordinal), "cuDeviceGet");
        cuDeviceGetName(name, name.length, dev[0]);
        int len = 0;
        while (len < name.length && name[len] != 0) len++;
        int[] sms = {0}, major = {0}, minor = {0};
        cudaDeviceGetAttribute(sms, cudaDevAttrMultiProcessorCount, ordinal);
        cudaDeviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, ordinal);
        cudaDeviceGetAttribute(minor, cudaDevAttrComputeCapabilityMinor, ordinal);
        this.description = new String(name, 0, len) + " (sm_" + major[0] + minor[0] + ", " + sms[0] + " SMs, cuBLAS math " + math + ")";
    }

    // ---- error checks ----------------------------------------------------------------------------

    static void checkRt(int rc, String what) {
        if (rc != 0) throw new IllegalStateException("CUDA " + what + ": " + cudaGetErrorString(rc).getString() + " (" + rc + ")");
    }

    static void checkDrv(int rc, String what) {
        if (rc != CUDA_SUCCESS) throw new IllegalStateException("CUDA " + what + ": " + driverError(rc));
    }

    static void checkBlas(int rc, String what) {
        if (rc != CUBLAS_STATUS_SUCCESS) throw new IllegalStateException("cuBLAS " + what + ": status " + rc);
    }

    private void afterOp(String what) {
        if (debugSync) {
            checkRt(cudaStreamSynchronize(stream), "after " + what);
            checkRt(cudaGetLastError(), "after " + what);
        }
    }

    // ---- Dev -----------------------------------------------------------------------------------

    @Override public DType dtype() { return dtype; }

    @Override public String describe() { return description; }

    String mathMode() { return mathMode; }

    private int elemBytes(Buf b) { return b.isDouble || dtype == DType.FLOAT64 ? 8 : 4; }

    private long address(Ptr p) {
        CBuf b = (CBuf) p.buf();
        if (b.freed) throw new IllegalStateException("use of a freed device buffer");
        return b.address + p.off() * elemBytes(b);
    }

    /** Makes this device's context current on the calling thread. */
    @Override
    public void bind() { checkDrv(cuCtxSetCurrent(ctx), "cuCtxSetCurrent"); }

    private Buf allocate(long elems, boolean isDouble) {
        bind();
        long bytes = Math.max(1, elems) * (isDouble || dtype == DType.FLOAT64 ? 8 : 4);
        PointerPointer<Pointer> pp = new PointerPointer<>(1);
        int rc = cudaMalloc(pp, bytes);
        if (rc != 0) {
            throw new IllegalStateException("CUDA cudaMalloc(" + bytes + " bytes): " + cudaGetErrorString(rc).getString()
                    + ": use a smaller batch or a smaller CUDA max-bytes option (-Dcnf4j.cuda.maxBytes) to cut it into chunks");
        }
        CBuf b = new CBuf(elems, isDouble, pp.get(0).address());
        live.add(b);
        return b;
    }

    @Override public Buf alloc(long elems) { return allocate(elems, false); }

    @Override public Buf allocDouble(long elems) { return allocate(elems, true); }

    @Override
    public void free(Buf b) {
        CBuf c = (CBuf) b;
        if (c.freed || closed) return;
        c.freed = true;
        live.remove(c);
        checkRt(cudaFree(new Addr(c.address)), "cudaFree");
    }

    private Pointer staging(long bytes) {
        if (bytes > stagingBytes) {
            if (staging != null) staging.close();
            long size = Math.max(bytes, 1 << 16);
            staging = new BytePointer(size);
            stagingBytes = size;
        }
        return staging;
    }

    @Override
    public void upload(double[] src, int srcOff, Ptr dst, long count) {
        if (count == 0) return;
        int eb = elemBytes(dst.buf());
        Pointer host = staging(count * eb);
        if (eb == 8) {
            new DoublePointer(host).put(src, srcOff, (int) count);
        } else {
            float[] f = new float[(int) count];
            for (int i = 0; i < count; i++) f[i] = (float) src[srcOff + i];
            new FloatPointer(host).put(f, 0, (int) count);
        }
        checkRt(cudaMemcpy(new Addr(address(dst)), host, count * eb, cudaMemcpyHostToDevice), "cudaMemcpy host->device");
    }

    @Override
    public void download(Ptr src, long count, double[] dst, int dstOff) {
        if (count == 0) return;
        int eb = elemBytes(src.buf());
        Pointer host = staging(count * eb);
        checkRt(cudaMemcpy(host, new Addr(address(src)), count * eb, cudaMemcpyDeviceToHost), "cudaMemcpy device->host");
        if (eb == 8) {
            new DoublePointer(host).get(dst, dstOff, (int) count);
        } else {
            float[] f = new float[(int) count];
            new FloatPointer(host).get(f, 0, (int) count);
            for (int i = 0; i < count; i++) dst[dstOff + i] = f[i];
        }
    }

    @Override
    public void zero(Ptr p, long count) {
        if (count == 0) return;
        checkRt(cudaMemsetAsync(new Addr(address(p)), 0, count * elemBytes(p.buf()), stream), "cudaMemsetAsync");
        afterOp("memset");
    }

    @Override
    public void gemm(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr a, int lda, Ptr b, int ldb,
                     double beta, Ptr c, int ldc) {
        if (m == 0 || n == 0) return;
        int opA = ta ? CUBLAS_OP_T : CUBLAS_OP_N, opB = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
        int rc;
        if (dtype == DType.FLOAT32) {
            alphaF.put(0, (float) alpha);
            betaF.put(0, (float) beta);
            rc = cublasSgemm_v2(blas, opA, opB, m, n, k, alphaF, new FloatPointer(new Addr(address(a))), lda,
                    new FloatPointer(new Addr(address(b))), ldb, betaF, new FloatPointer(new Addr(address(c))), ldc);
        } else {
            alphaD.put(0, alpha);
            betaD.put(0, beta);
            rc = cublasDgemm_v2(blas, opA, opB, m, n, k, alphaD, new DoublePointer(new Addr(address(a))), lda,
                    new DoublePointer(new Addr(address(b))), ldb, betaD, new DoublePointer(new Addr(address(c))), ldc);
        }
        if (rc != CUBLAS_STATUS_SUCCESS) {
            throw new IllegalStateException("cuBLAS gemm(" + (ta ? "T" : "N") + (tb ? "T" : "N") + ", m=" + m + ", n=" + n + ", k=" + k
                    + "): status " + rc);
        }
        afterOp("gemm");
    }

    @Override
    public void gemmStridedBatched(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr a, int lda, long sa,
                                   Ptr b, int ldb, long sb, double beta, Ptr c, int ldc, long sc, int batches) {
        if (m == 0 || n == 0 || batches == 0) return;
        int opA = ta ? CUBLAS_OP_T : CUBLAS_OP_N, opB = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
        int rc;
        if (dtype == DType.FLOAT32) {
            alphaF.put(0, (float) alpha);
            betaF.put(0, (float) beta);
            rc = cublasSgemmStridedBatched(blas, opA, opB, m, n, k, alphaF, new FloatPointer(new Addr(address(a))), lda, sa,
                    new FloatPointer(new Addr(address(b))), ldb, sb, betaF, new FloatPointer(new Addr(address(c))), ldc, sc, batches);
        } else {
            alphaD.put(0, alpha);
            betaD.put(0, beta);
            rc = cublasDgemmStridedBatched(blas, opA, opB, m, n, k, alphaD, new DoublePointer(new Addr(address(a))), lda, sa,
                    new DoublePointer(new Addr(address(b))), ldb, sb, betaD, new DoublePointer(new Addr(address(c))), ldc, sc, batches);
        }
        if (rc != CUBLAS_STATUS_SUCCESS) {
            throw new IllegalStateException("cuBLAS gemmStridedBatched(m=" + m + ", n=" + n + ", k=" + k + ", batches=" + batches + "): status " + rc);
        }
        afterOp("gemmStridedBatched");
    }

    @Override
    public void traceGemm(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr a, int lda, Ptr b, int ldb,
                          double beta, Ptr c, int ldc) {
        if (traceCompute < 0) {
            gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        if (m == 0 || n == 0) return;
        alphaF.put(0, (float) alpha);
        betaF.put(0, (float) beta);
        int rc = cublasGemmEx(blas, ta ? CUBLAS_OP_T : CUBLAS_OP_N, tb ? CUBLAS_OP_T : CUBLAS_OP_N, m, n, k, alphaF,
                new Addr(address(a)), CUDA_R_32F, lda, new Addr(address(b)), CUDA_R_32F, ldb, betaF, new Addr(address(c)), CUDA_R_32F, ldc,
                traceCompute, CUBLAS_GEMM_DEFAULT);
        if (rc != CUBLAS_STATUS_SUCCESS) {
            throw new IllegalStateException("cuBLAS gemmEx " + mathMode + " (m=" + m + ", n=" + n + ", k=" + k + "): status " + rc);
        }
        afterOp("gemmEx");
    }

    @Override
    public void traceGemmStridedBatched(boolean ta, boolean tb, int m, int n, int k, double alpha, Ptr a, int lda, long sa,
                                        Ptr b, int ldb, long sb, double beta, Ptr c, int ldc, long sc, int batches) {
        if (traceCompute < 0) {
            gemmStridedBatched(ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batches);
            return;
        }
        if (m == 0 || n == 0 || batches == 0) return;
        alphaF.put(0, (float) alpha);
        betaF.put(0, (float) beta);
        int rc = cublasGemmStridedBatchedEx(blas, ta ? CUBLAS_OP_T : CUBLAS_OP_N, tb ? CUBLAS_OP_T : CUBLAS_OP_N, m, n, k, alphaF,
                new Addr(address(a)), CUDA_R_32F, lda, sa, new Addr(address(b)), CUDA_R_32F, ldb, sb, betaF,
                new Addr(address(c)), CUDA_R_32F, ldc, sc, batches, traceCompute, CUBLAS_GEMM_DEFAULT);
        if (rc != CUBLAS_STATUS_SUCCESS) {
            throw new IllegalStateException("cuBLAS gemmStridedBatchedEx " + mathMode + " (m=" + m + ", n=" + n + ", k=" + k + "): status " + rc);
        }
        afterOp("gemmStridedBatchedEx");
    }

    private CUfunc_st function(String name) {
        return functions.computeIfAbsent(name, nm -> {
            CUfunc_st f = new CUfunc_st();
            checkDrv(cuModuleGetFunction(f, module, nm + suffix), "cuModuleGetFunction(" + nm + suffix + ")");
            return f;
        });
    }

    @Override
    public void launch(String name, int gx, int gy, int bx, int by, Object... args) {
        if (args.length > 32) throw new IllegalArgumentException("too many kernel arguments");
        CUfunc_st f = function(name);
        for (int i = 0; i < args.length; i++) {
            Object o = args[i];
            long at = 8L * i;
            if (o == null) argBuf.putLong(at, 0L);
            else if (o instanceof Integer v) argBuf.putInt(at, v);
            else if (o instanceof Double v) argBuf.putDouble(at, v);
            else argBuf.putLong(at, address(Dev.ptr(o)));
        }
        int rc = cuLaunchKernel(f, gx, gy, 1, bx, by, 1, 0, stream, argPtrs, (PointerPointer<?>) null);
        if (rc != CUDA_SUCCESS) {
            throw new IllegalStateException("CUDA launch of " + name + suffix + " grid (" + gx + "," + gy + ") block (" + bx + "," + by
                    + "): " + driverError(rc));
        }
        afterOp(name);
    }

    @Override
    public void synchronize() {
        checkRt(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        checkRt(cudaGetLastError(), "cudaGetLastError");
    }

    @Override public boolean supportsGraphs() { return true; }

    @Override
    public void beginCapture() {
        checkRt(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
    }

    @Override
    public Object endCapture() {
        CUgraph_st graph = new CUgraph_st();
        int rc = cudaStreamEndCapture(stream, graph);
        cudaGetLastError();
        checkRt(rc, "cudaStreamEndCapture");
        CUgraphExec_st exec = new CUgraphExec_st();
        int ri = cudaGraphInstantiate(exec, graph, 0L);
        cudaGraphDestroy(graph);
        checkRt(ri, "cudaGraphInstantiate");
        return exec;
    }

    @Override
    public void launchGraph(Object graph) {
        checkRt(cudaGraphLaunch((CUgraphExec_st) graph, stream), "cudaGraphLaunch");
        afterOp("graph");
    }

    @Override
    public void destroyGraph(Object graph) {
        if (!closed) cudaGraphExecDestroy((CUgraphExec_st) graph);
    }

    /** The stream all work runs on (for event timing). */
    CUstream_st stream() { return stream; }

    @Override
    public void close() {
        if (closed) return;
        try {
            cudaStreamSynchronize(stream);
            for (CBuf b : live) {
                b.freed = true;
                cudaFree(new Addr(b.address));
            }
            live.clear();
            cublasDestroy_v2(blas);
            cuModuleUnload(module);
            cudaStreamDestroy(stream);
        } finally {
            closed = true;
        }
    }
}
