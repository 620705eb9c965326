import org.cnf4j.backend.DType;
import org.cnf4j.engine.LossResult;
import org.cnf4j.engine.cpu.CpuFlowEngine;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.ode.Alpha;
import org.cnf4j.ode.Tableau;

import java.util.Random;

/**
 * The consumer check's default program (experiments/consumer/check.sh): a project that depends on
 * org.cnf4j:cnf4j alone computes one OT-Flow loss on the CPU engine. It uses today's public classes and is
 * a stand-in until the library has its user-facing API.
 */
public class Example {
    public static void main(String[] args) {
        PhiShape shape = new PhiShape(2, 32, 2);          // d = 2, hidden width 32, 2 ResNet layers
        PhiParams params = PhiParams.initialise(shape, 0);
        int n = 256;
        double[] x = new double[n * shape.d()];           // row-major, one sample per row
        Random rnd = new Random(0);
        for (int i = 0; i < x.length; i++) x[i] = rnd.nextGaussian();
        try (CpuFlowEngine engine = new CpuFlowEngine(shape, DType.FLOAT64, 1)) {
            LossResult r = engine.loss(params, x, n, 8, Tableau.RK4, new Alpha(1, 100, 5), false);
            System.out.printf("engine: %s%n", engine.describe());
            System.out.printf("J = %.6f  (L %.6f, C %.6f, R %.6f) on %d standard-normal samples%n",
                    r.j(), r.l(), r.c(), r.r(), n);
        }
    }
}
