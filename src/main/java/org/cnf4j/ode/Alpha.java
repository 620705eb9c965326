package org.cnf4j.ode;

/** Loss weights alpha = (a0, a1, a2) on transport cost L, negative log-likelihood C and HJB penalty R. */
public record Alpha(double a0, double a1, double a2) {
    public Alpha {
        if (!(a0 > 0) || !Double.isFinite(a0)) throw new IllegalArgumentException("alpha a0 must be a positive number, got " + a0);
        if (!Double.isFinite(a1) || !Double.isFinite(a2) || a1 < 0 || a2 < 0) {
            throw new IllegalArgumentException("alpha a1, a2 must be finite and >= 0, got " + a1 + ", " + a2);
        }
    }

    /** Parses "a0,a1,a2". */
    public static Alpha parse(String s) {
        String[] parts = s.split(",");
        if (parts.length != 3) throw new IllegalArgumentException("alpha needs three numbers a0,a1,a2, got '" + s + "'");
        try {
            return new Alpha(Double.parseDouble(parts[0].trim()), Double.parseDouble(parts[1].trim()), Double.parseDouble(parts[2].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("alpha needs three numbers a0,a1,a2, got '" + s + "'");
        }
    }

    @Override public String toString() { return a0 + "," + a1 + "," + a2; }
}
