package org.cnf4j.backend;

/**
 * Floating-point precision of a compute engine. The float32 engine's element-wise loops run in float (so that C2
 * vectorises them); sums over samples and over the chunks of a batch run in double.
 */
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

    /** Bytes per element. */
    public int bytes() { return this == FLOAT32 ? 4 : 8; }

    public String label() { return this == FLOAT32 ? "float32" : "float64"; }
}
