package org.cnf4j.jmh;

import static org.bytedeco.openblas.global.openblas_nolapack.*;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-threaded float32 GEMM at the CPU engine's shapes, called straight through the JavaCPP
 * OpenBLAS preset ({@code cblas_sgemm}, row-major, alpha 1, beta 0) on {@link FloatPointer} buffers of
 * uniform random numbers in [-0.5, 0.5). It uses none of cnf4j's own classes, so it measures only the
 * OpenBLAS on the classpath (jmh/openblas.sh builds one jar per OpenBLAS version and compares them).
 *
 * <p>A shape is {@code MxNxK:TT}: C (M x N) = op(A) (M x K) * op(B) (K x N), with T = N (no transpose) or
 * T (transpose) for A then B. Stored row-major: A is M x K (lda K) or, transposed, K x M (lda M); B is
 * K x N (ldb N) or, transposed, N x K (ldb K); C is M x N (ldc N). GFLOP/s = 2 M N K / time.
 *
 * <p>The shapes, as the engine forms them (m hidden width, d dimensions, a chunk of s samples):
 * <ul>
 *   <li>toy, m = 32, d = 2, s = 512, 1024, 2048: 32 x s x 32 NN (K0 or K1 times activations),
 *       32 x 2s x 32 NN (K1 J), 32 x 32 x 2s NT (kj J^T, a reduction over samples),
 *       32 x 2s x 32 TN (K1^T kj), 32 x s x 3 NN (K0 s)</li>
 *   <li>d = 16, m = 64, s = 250: 64 x 4000 x 64 NN, 64 x 64 x 4000 NT</li>
 *   <li>MINIBOONE, m = 256, d = 43, s = 96: 256 x 4128 x 256 NN, 256 x 256 x 4128 NT, 256 x 4128 x 256 TN</li>
 *   <li>BSDS300, m = 512, d = 63, s = 65: 512 x 4095 x 512 NN</li>
 * </ul>
 * With the stacked opening product (PhiKernel.stackedOpening, nTh = 2 and d m^2 <= 2^18) K1 J_0 is B (d m x m) times
 * tanh(a_0) (m x s): at d = 16 1024 x 250 x 64 NN, 1024 x 64 x 250 NT (dB), 64 x 250 x 1024 TN (dtanh); at digits'
 * d = 64, m = 64, s = 64: 4096 x 64 x 64 NN, 4096 x 64 x 64 NT, 64 x 64 x 4096 TN against 64 x 4096 x 64.
 *
 * <p>Run with {@code -t 1}. OpenBLAS is set to one thread ({@code blas_set_num_threads(1)}) as the engine
 * sets it. With {@code -Dgemm.nd4j=true} (on the launching JVM; forks inherit it) the trial first loads
 * ND4J's native backend, as the engine does, before OpenBLAS is used.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 2, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
public class GemmShapesBenchmark {

    @Param({
        // toy, 512 samples per chunk
        "32x512x32:NN", "32x1024x32:NN", "32x32x1024:NT", "32x1024x32:TN", "32x512x3:NN",
        // toy, 1024 samples per chunk (32x1024x32:NN is the 512-chunk K1 J above)
        "32x2048x32:NN", "32x32x2048:NT", "32x2048x32:TN", "32x1024x3:NN",
        // toy, 2048 samples per chunk (32x2048x32:NN is the 1024-chunk K1 J above)
        "32x4096x32:NN", "32x32x4096:NT", "32x4096x32:TN", "32x2048x3:NN",
        // d = 16, m = 64, ~250 samples per chunk; stacked
        "64x4000x64:NN", "64x64x4000:NT", "1024x250x64:NN", "1024x64x250:NT", "64x250x1024:TN",
        // digits, d = 64, m = 64, 64 samples per chunk: formed J_0, then stacked
        "64x4096x64:NN", "64x64x4096:NT", "64x4096x64:TN", "4096x64x64:NN", "4096x64x64:NT", "64x64x4096:TN",
        // MINIBOONE, m = 256, d = 43, 96 samples per chunk
        "256x4128x256:NN", "256x256x4128:NT", "256x4128x256:TN",
        // BSDS300, m = 512, d = 63, 65 samples per chunk
        "512x4095x512:NN"
    })
    public String shape;

    private int m, n, k, lda, ldb, ldc, transA, transB;
    private FloatPointer a, b, c;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        if (Boolean.getBoolean("gemm.nd4j")) {
            Class<?> nd4j = Class.forName("org.nd4j.linalg.factory.Nd4j");
            nd4j.getMethod("getBackend").invoke(null);
            nd4j.getMethod("create", int[].class).invoke(null, (Object) new int[] {1});
        }
        Loader.load(openblas_nolapack.class);
        blas_set_num_threads(1);

        String[] parts = shape.split(":");
        String[] dims = parts[0].split("x");
        m = Integer.parseInt(dims[0]);
        n = Integer.parseInt(dims[1]);
        k = Integer.parseInt(dims[2]);
        boolean ta = parts[1].charAt(0) == 'T', tb = parts[1].charAt(1) == 'T';
        transA = ta ? CblasTrans : CblasNoTrans;
        transB = tb ? CblasTrans : CblasNoTrans;
        lda = ta ? m : k;
        ldb = tb ? k : n;
        ldc = n;
        SplittableRandom r = new SplittableRandom(12345);
        a = random((long) m * k, r);
        b = random((long) k * n, r);
        c = new FloatPointer((long) m * n);
        c.zero();

        // which OpenBLAS this fork runs on: the runtime class's version string (read reflectively, since
        // javac would inline the constant) and the native library JavaCPP loaded
        Object version = openblas_nolapack.class.getField("OPENBLAS_VERSION").get(null);
        System.err.println("GemmShapesBenchmark: " + String.valueOf(version).trim() + ", blas threads "
                + blas_get_num_threads() + ", libs " + Loader.getLoadedLibraries().values().stream()
                        .filter(f -> f.contains("libopenblas")).toList()
                + ", nd4j loaded " + Boolean.getBoolean("gemm.nd4j"));
    }

    private static FloatPointer random(long size, SplittableRandom r) {
        float[] v = new float[(int) size];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() - 0.5);
        FloatPointer p = new FloatPointer(size);
        p.put(v);
        return p;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.deallocate();
        b.deallocate();
        c.deallocate();
    }

    @Benchmark
    public void sgemm() {
        cblas_sgemm(CblasRowMajor, transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc);
    }
}
