package org.cnf4j.jmh;

import java.util.concurrent.TimeUnit;
import org.cnf4j.backend.DType;
import org.cnf4j.model.PhiParams;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.engine.FlowEngine.PhiValues;
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
 * One evaluation of Phi, its gradient over s = [x, t] and the exact Hessian trace over x for a batch
 * of n samples at t = 0.5, float32: the work of one RK4 stage without the parameter adjoint.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.bytedeco.javacpp.maxbytes=6G",
        "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
public class PhiGradTraceBenchmark {
    @Param({"toy", "power", "miniboone"})
    public String size;

    @Param({"1", "2"})
    public int threads;

    private BenchSize cfg;
    private PhiParams params;
    private double[] x;
    private CpuFlowEngine engine;

    @Setup(Level.Trial)
    public void setUp() {
        cfg = BenchSize.of(size);
        params = PhiParams.initialise(cfg.shape(), 0);
        x = cfg.inputs(1);
        engine = new CpuFlowEngine(cfg.shape(), DType.FLOAT32, threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() { engine.close(); }

    @Benchmark
    public PhiValues gradientAndTrace() {
        return engine.evaluatePhi(params, x, cfg.n, 0.5);
    }
}
