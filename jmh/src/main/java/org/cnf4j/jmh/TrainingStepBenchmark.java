package org.cnf4j.jmh;

import java.util.concurrent.TimeUnit;
import org.cnf4j.backend.DType;
import org.cnf4j.model.PhiParams;
import org.cnf4j.ode.Alpha;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.engine.LossResult;
import org.cnf4j.ode.Tableau;
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
 * One training step's worth of work: the OT-Flow loss integrated with RK4 plus dJ/d(all parameters),
 * float32, alpha = (1, 100, 15) as in torch_otflow.py's default. The torch counterpart is its
 * "fwdbwd" timing. MINIBOONE takes seconds per call, so the iteration counts are small; raise them
 * on the command line (-wi, -i, -r) for the toy size if needed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.bytedeco.javacpp.maxbytes=6G",
        "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-XX:+UseParallelGC"})
@Warmup(iterations = 2, time = 5, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 3, time = 10, timeUnit = TimeUnit.SECONDS)
public class TrainingStepBenchmark {
    @Param({"toy", "d16", "d16w", "digits", "power", "miniboone"})
    public String size;

    @Param({"1", "2"})
    public int threads;

    private BenchSize cfg;
    private PhiParams params;
    private double[] x;
    private CpuFlowEngine engine;
    private final Alpha alpha = new Alpha(1, 100, 15);

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
    public LossResult lossAndGradient() {
        return engine.loss(params, x, cfg.n, cfg.nt, Tableau.RK4, alpha, true);
    }
}
