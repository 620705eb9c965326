package org.cnf4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
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
 *
 * <p>A long-lived executor (a notebook's session scoring model after model) would otherwise keep every engine, with
 * its worker threads and off-heap buffers, until it exits: the JVM keeps the {@link #limit} most recently used pairs
 * ({@code -Dcnf4j.spark.cachedEngines}, default 4) and closes the least recently used one beyond it as soon as no call
 * is running on it. A task that still holds an evicted pair gets a fresh one on its next call.
 */
public final class ExecutorModels {
    private static final Map<String, Loaded> CACHE = new LinkedHashMap<>(16, 0.75f, true);   // access order; guarded by CACHE
    private static final AtomicInteger BUILT = new AtomicInteger();
    private static int limit = Math.max(1, Integer.getInteger("cnf4j.spark.cachedEngines", 4));

    private ExecutorModels() {}

    /** A model with its engine; {@link #call} runs work on the engine, serialised when the engine needs it. */
    public static final class Loaded {
        private final ModelBundle bundle;
        private final EngineSpec spec;
        private final RunModel model;
        private final FlowEngine engine;
        private final boolean concurrent;
        private final Object serial = new Object();
        private int inUse;                  // calls running; guarded by this
        private boolean retired, closed;    // guarded by this

        Loaded(ModelBundle bundle, EngineSpec spec, RunModel model, FlowEngine engine) {
            this.bundle = bundle;
            this.spec = spec;
            this.model = model;
            this.engine = engine;
            this.concurrent = engine instanceof CpuFlowEngine;
        }

        public RunModel model() { return model; }

        /** Runs {@code work} with the model and engine (a fresh pair's, if this one was evicted and closed meanwhile). */
        public <T> T call(Work<T> work) {
            synchronized (this) {
                if (closed) return get(bundle, spec).call(work);
                inUse++;
            }
            try {
                if (concurrent) return work.run(model, engine);
                synchronized (serial) {
                    return work.run(model, engine);
                }
            } finally {
                synchronized (this) {
                    if (--inUse == 0 && retired) closeNow();
                }
            }
        }

        synchronized void retire() {
            retired = true;
            if (inUse == 0) closeNow();
        }

        synchronized boolean isClosed() { return closed; }

        private void closeNow() {
            closed = true;
            engine.close();
        }
    }

    /** Work on a model and its engine. */
    @FunctionalInterface
    public interface Work<T> {
        T run(RunModel model, FlowEngine engine);
    }

    /** The model of {@code bundle} with an engine of {@code spec}, built once per JVM (while it stays among the most recently used). */
    public static Loaded get(ModelBundle bundle, EngineSpec spec) {
        String key = bundle.id() + "/" + spec;
        synchronized (CACHE) {
            Loaded l = CACHE.get(key);
            if (l != null) return l;
            try {
                RunModel m = bundle.open();
                l = new Loaded(bundle, spec, m, Engines.create(m.shape(), spec.options()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot rebuild the model of " + bundle.source() + " on this executor: " + e.getMessage(), e);
            }
            BUILT.incrementAndGet();
            CACHE.put(key, l);
            evictBeyond(limit);
            return l;
        }
    }

    private static void evictBeyond(int keep) {
        for (Iterator<Loaded> it = CACHE.values().iterator(); CACHE.size() > keep && it.hasNext(); ) {
            Loaded eldest = it.next();
            it.remove();
            eldest.retire();
        }
    }

    /** How many model + engine pairs this JVM has built (the tests check that partitions reuse them). */
    public static int built() { return BUILT.get(); }

    /** How many pairs this JVM keeps. */
    public static int limit() {
        synchronized (CACHE) {
            return limit;
        }
    }

    /** Sets how many pairs this JVM keeps (at least 1), closing the least recently used ones beyond it; returns the old limit. */
    static int limit(int keep) {
        synchronized (CACHE) {
            int old = limit;
            limit = Math.max(1, keep);
            evictBeyond(limit);
            return old;
        }
    }
}
