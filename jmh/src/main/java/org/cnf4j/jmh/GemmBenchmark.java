package org.cnf4j.jmh;

import java.util.concurrent.TimeUnit;
import org.cnf4j.backend.Blas;
import org.cnf4j.backend.DType;
import org.cnf4j.backend.Mat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's GEMM throughput as the engine uses it: single-threaded OpenBLAS sgemm per worker on
 * the MINIBOONE-size product K_1 J (256 x 256 times 256 x 4085, one chunk). Run with {@code -t 1} and
 * {@code -t 2} (JMH threads = engine workers); GFLOP/s = ops/s x 2 * 256 * 256 * 4085 / 1e9 per thread.
 * This is the reference for the "70% of GEMM throughput" target of the training step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 2, time = 3, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 3, time = 5, timeUnit = TimeUnit.SECONDS)
public class GemmBenchmark {
    /** Columns of one MINIBOONE chunk: 2000 samples in 21 chunks of 95-96, times d = 43. */
    public static final int M = 256, N = 4128;
    private Mat k, j, out;
    private org.cnf4j.backend.BlasStaging staging;

    @Setup(Level.Trial)
    public void setUp() {
        Blas.setBlasThreads(1);
        k = Mat.create(DType.FLOAT32, M, M);
        j = Mat.create(DType.FLOAT32, M, N);
        out = Mat.create(DType.FLOAT32, M, N);
        staging = new org.cnf4j.backend.BlasStaging(DType.FLOAT32, (long) M * N);
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < k.size(); i++) k.set(i, r.nextDouble() - 0.5);
        for (int i = 0; i < j.size(); i++) j.set(i, r.nextDouble() - 0.5);
    }

    @Benchmark
    public Mat sgemm() {
        Blas.gemm(staging, false, false, 1, k, j, 0, out);
        return out;
    }
}
