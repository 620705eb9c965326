package org.cnf4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.cnf4j.engine.Engines;
import org.cnf4j.engine.FlowEngine;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.run.RunModel;

/**
 * The models and engines of one JVM (an executor, or the driver in local mode), keyed by model id and engine spec: the
 * first task of a model rebuilds it from the broadcast bytes and builds its engine; every later partition of that JVM
 * reuses both. The CPU engine takes concurrent calls (each call's chunks run on the engine's own workers); any other
 * engine is called by one task at a time.
 */
public final class ExecutorModels {
    private static final ConcurrentHashMap<String, Loaded> CACHE = new ConcurrentHashMap<>();
    private static final AtomicInteger BUILT = new AtomicInteger();

    private ExecutorModels() {}

    /** A model with its engine; {@link #call} runs work on the engine, serialised when the engine needs it. */
    public static final class Loaded {
        private final RunModel model;
        private final FlowEngine engine;
        private final boolean concurrent;

        Loaded(RunModel model, FlowEngine engine) {
            this.model = model;
            this.engine = engine;
            this.concurrent = engine instanceof CpuFlowEngine;
        }

        public RunModel model() { return model; }

        /** Runs {@code work} with the model and engine. */
        public <T> T call(Work<T> work) {
            if (concurrent) return work.run(model, engine);
            synchronized (this) {
                return work.run(model, engine);
            }
        }
    }

    /** Work on a model and its engine. */
    @FunctionalInterface
    public interface Work<T> {
        T run(RunModel model, FlowEngine engine);
    }

    /** The model of {@code bundle} with an engine of {@code spec}, built once per JVM. */
    public static Loaded get(ModelBundle bundle, EngineSpec spec) {
        return CACHE.computeIfAbsent(bundle.id() + "/" + spec, k -> {
            try {
                RunModel m = bundle.open();
                FlowEngine e = Engines.create(m.shape(), spec.options());
                BUILT.incrementAndGet();
                return new Loaded(m, e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot rebuild the model of " + bundle.source() + " on this executor: " + e.getMessage(), e);
            }
        });
    }

    /** How many model + engine pairs this JVM has built (the tests check that partitions reuse them). */
    public static int built() { return BUILT.get(); }
}
