package org.cnf4j.backend;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** GEMM through the staging, against the textbook triple loop, for every transpose, beta and pinned operand. */
class BlasTest {
    static Mat random(DType t, int rows, int cols, SplittableRandom r) {
        Mat m = Mat.create(t, rows, cols);
        for (int i = 0; i < m.size(); i++) m.set(i, r.nextDouble() - 0.5);
        return m;
    }

    @ParameterizedTest(name = "{0} transA={1} transB={2} beta={3} pinA={4}")
    @CsvSource({"float32,false,false,0,false", "float32,true,false,1,true", "float32,false,true,0.5,false", "float32,true,true,0,true",
        "float64,false,false,1,true", "float64,true,false,0,false", "float64,false,true,0,true", "float64,true,true,-2,false"})
    void stagedGemmEqualsTheDefinition(String dtype, boolean ta, boolean tb, double beta, boolean pinA) {
        DType t = DType.parse(dtype);
        SplittableRandom r = new SplittableRandom(7);
        int m = 5, n = 7, k = 3;
        Mat a = ta ? random(t, k, m, r) : random(t, m, k, r);
        Mat b = tb ? random(t, n, k, r) : random(t, k, n, r);
        Mat c = random(t, m, n, r);
        double[] expect = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int q = 0; q < k; q++) s += (ta ? a.get(q, i) : a.get(i, q)) * (tb ? b.get(j, q) : b.get(q, j));
                expect[i * n + j] = 1.5 * s + beta * c.get(i, j);
            }
        }
        if (pinA) a.pinNative();
        Blas.gemm(new BlasStaging(t, 64), ta, tb, 1.5, a, b, beta, c);
        double tol = t == DType.FLOAT32 ? 1e-6 : 1e-14;
        for (int i = 0; i < expect.length; i++) assertEquals(expect[i], c.get(i), tol, "element " + i);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"float32", "float64"})
    void anOperandLargerThanTheStagingOrAPinnedProductIsRefused(String dtype) {
        DType t = DType.parse(dtype);
        SplittableRandom r = new SplittableRandom(1);
        Mat a = random(t, 4, 4, r), b = random(t, 4, 4, r), c = Mat.create(t, 4, 4);
        assertThrows(IllegalArgumentException.class, () -> Blas.gemm(new BlasStaging(t, 15), false, false, 1, a, b, 0, c));
        c.pinNative();
        assertThrows(IllegalArgumentException.class, () -> Blas.gemm(new BlasStaging(t, 16), false, false, 1, a, b, 0, c));
    }
}
