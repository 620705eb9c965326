package org.cnf4j.backend;

/** Floating-point precision of a compute engine. Accumulations in the fused loops always run in double. */
public enum DType {
    FLOAT32, FLOAT64;

    /** Parses "float32"/"float64" (also "f32", "f64", "float", "double"). */
    public static DType parse(String s) {
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "float32": case "f32": case "float": return FLOAT32;
            case "float64": case "f64": case "double": return FLOAT64;
            default: throw new IllegalArgumentException("unknown dtype '" + s + "': use float32 or float64");
        }
    }

    public String label() { return this == FLOAT32 ? "float32" : "float64"; }
}
