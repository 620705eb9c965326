package org.cnf4j.ode;

/**
 * An explicit Runge-Kutta method as data (Butcher tableau): stage j evaluates f at
 * y + h sum_{l<j} a[j][l] k_l and time t + c[j] h; the step is y + h sum_j b[j] k_j.
 * The forward integrator and its adjoint are written once for any tableau.
 */
public record Tableau(String name, double[][] a, double[] b, double[] c) {
    public static final Tableau RK4 = new Tableau("rk4",
            new double[][] {{}, {0.5}, {0, 0.5}, {0, 0, 1}},
            new double[] {1.0 / 6, 2.0 / 6, 2.0 / 6, 1.0 / 6},
            new double[] {0, 0.5, 0.5, 1});
    public static final Tableau EULER = new Tableau("euler", new double[][] {{}}, new double[] {1}, new double[] {0});

    public int stages() { return b.length; }

    public static Tableau byName(String name) {
        switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "rk4": return RK4;
            case "euler": return EULER;
            default: throw new IllegalArgumentException("unknown integrator '" + name + "': use rk4 or euler");
        }
    }
}
