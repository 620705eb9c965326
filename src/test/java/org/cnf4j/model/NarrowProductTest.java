package org.cnf4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.cnf4j.backend.Blas;
import org.cnf4j.backend.BlasStaging;
import org.cnf4j.backend.DType;
import org.cnf4j.backend.Mat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The float32 loops' narrow products equal BLAS's, for each form the kernel uses, and decline every other shape. */
class NarrowProductTest {
    static Mat random(int rows, int cols, SplittableRandom r) {
        Mat m = Mat.create(DType.FLOAT32, rows, cols);
        for (int i = 0; i < m.size(); i++) m.set(i, r.nextDouble() - 0.5);
        return m;
    }

    @ParameterizedTest(name = "transA={0} transB={1} beta={2} q={3}")
    @CsvSource({"false,false,0,3", "false,false,1,8", "true,false,0,3", "true,false,1,5", "false,true,1,3", "false,true,0,8",
        "false,false,0.5,2", "true,false,-1,1", "false,true,2,4"})
    void narrowProductsEqualBlas(boolean ta, boolean tb, double beta, int q) {
        int cs = 37, r = 11;
        SplittableRandom rnd = new SplittableRandom(q * 7L + (ta ? 1 : 0) + (tb ? 2 : 0));
        Mat a, b, c;
        if (!ta && !tb) { a = random(r, q, rnd); b = random(q, cs, rnd); c = random(r, cs, rnd); }
        else if (ta) { a = random(r, q, rnd); b = random(r, cs, rnd); c = random(q, cs, rnd); }
        else { a = random(r, cs, rnd); b = random(q, cs, rnd); c = random(r, q, rnd); }
        Mat viaBlas = Mat.create(DType.FLOAT32, c.rows, c.cols);
        viaBlas.copyFrom(c);
        Blas.gemm(new BlasStaging(DType.FLOAT32, 1024), ta, tb, 1, a, b, beta, viaBlas);
        ElementLoops loops = ElementLoops.of(DType.FLOAT32, cs, 2, 0.5);
        assertTrue(loops.narrowProduct(ta, tb, 1, a, b, beta, c));
        for (int i = 0; i < c.size(); i++) assertEquals(viaBlas.get(i), c.get(i), 2e-6, "element " + i);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"wide", "alpha", "rows", "float64", "bothTransposed"})
    void otherShapesAreLeftToBlas(String which) {
        int cs = 16;
        SplittableRandom rnd = new SplittableRandom(3);
        ElementLoops loops = ElementLoops.of(which.equals("float64") ? DType.FLOAT64 : DType.FLOAT32, cs, 2, 0.5);
        Mat a = which.equals("float64") ? Mat.create(DType.FLOAT64, 4, 3) : random(4, which.equals("wide") ? 9 : 3, rnd);
        Mat b = which.equals("float64") ? Mat.create(DType.FLOAT64, 3, cs)
                : random(a.cols, which.equals("rows") ? 2 * cs : cs, rnd);
        Mat c = Mat.create(a.dtype(), 4, b.cols);
        double alpha = which.equals("alpha") ? 0.5 : 1;
        boolean tt = which.equals("bothTransposed");
        assertFalse(loops.narrowProduct(tt, tt, alpha, a, b, 0, c));
        for (int i = 0; i < c.size(); i++) assertEquals(0, c.get(i), 0.0, "C untouched");
    }
}
