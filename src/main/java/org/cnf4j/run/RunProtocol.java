package org.cnf4j.run;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/**
 * JKO-Flow's protocol choices that are not in {@link org.cnf4j.train.TrainConfig}: the budget's meaning, the optimiser across
 * subproblems, and a toy set drawn once ({@code toySamples} > 0). Saved in config.json's options; a resume reads them.
 */
record RunProtocol(String budget, String adam, int toySamples) {
    /** config.json's option that records --toy-samples. */
    static final String TOY_SAMPLES = "toy-samples";
    static final String TOTAL = "total", PER_MAP = "per-map", RESET = "reset", CARRY = "carry";

    static RunProtocol of(TrainingOptions o, boolean jko) {
        String b = o.budget() == null ? TOTAL : o.budget().trim().toLowerCase(Locale.ROOT);
        String a = o.adam() == null ? RESET : o.adam().trim().toLowerCase(Locale.ROOT);
        if (!b.equals(TOTAL) && !b.equals(PER_MAP)) throw new IllegalArgumentException("unknown --budget '" + o.budget() + "': use total or per-map");
        if (!a.equals(RESET) && !a.equals(CARRY)) throw new IllegalArgumentException("unknown --adam '" + o.adam() + "': use reset or carry");
        if (!jko && o.budget() != null) throw new IllegalArgumentException("--budget is for --method jko (how the budget is shared by its maps)");
        if (!jko && o.adam() != null) throw new IllegalArgumentException("--adam is for --method jko (the optimiser across its subproblems)");
        int n = o.toySamples() == null ? 0 : o.toySamples();
        if (o.toySamples() != null && n < 3) throw new IllegalArgumentException("--toy-samples must be >= 3, got " + o.toySamples());
        return new RunProtocol(b, a, n);
    }

    /** What config.json records (only what differs from a plain run, so older runs read the same). */
    void record(Map<String, Object> opts) {
        if (!budget.equals(TOTAL)) opts.put("budget", budget);
        if (!adam.equals(RESET)) opts.put("adam", adam);
        if (toySamples > 0) opts.put(TOY_SAMPLES, toySamples);
    }

    static RunProtocol load(RunDirectory run) throws IOException {
        return new RunProtocol(run.loadOption("budget").asText(TOTAL), run.loadOption("adam").asText(RESET), run.loadOption(TOY_SAMPLES).asInt(0));
    }
}
