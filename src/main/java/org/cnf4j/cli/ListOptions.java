package org.cnf4j.cli;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Comma-separated option values ({@code --seeds 0,1,2}, {@code --data A,B}): a list the user gave must name at least
 * one value, each once. An empty list ({@code --seeds ,}) ran nothing and then failed deep inside the experiment (an
 * index error, an empty chart); a value named twice ran the same work twice.
 */
final class ListOptions {
    private ListOptions() {}

    /** {@code values} as given, or null where the option was absent (the command's default applies). */
    static <T> List<T> distinct(String option, List<T> values) {
        if (values == null) return null;
        if (values.isEmpty()) throw new IllegalArgumentException(option + " needs at least one value");
        Set<T> seen = new HashSet<>();
        for (T v : values) {
            if (!seen.add(v)) throw new IllegalArgumentException(option + " lists " + v + " twice: give each value once");
        }
        return List.copyOf(values);
    }
}
