import jdk.incubator.vector.*;
import org.cnf4j.backend.*;

public class VK {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    // C (M x N) = A (M x K) B (K x N), row-major, beta 0
    static void nnVec(float[] a, float[] b, float[] c, int M, int K, int N) {
        int L = S.length();
        for (int i = 0; i < M; i += 4) {
            int a0 = i * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
            for (int n = 0; n < N; n += 2 * L) {
                FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
                for (int k = 0; k < K; k++) {
                    FloatVector b0 = FloatVector.fromArray(S, b, k * N + n), b1 = FloatVector.fromArray(S, b, k * N + n + L);
                    FloatVector x = FloatVector.broadcast(S, a[a0 + k]);
                    c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
                    x = FloatVector.broadcast(S, a[a1 + k]);
                    c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
                    x = FloatVector.broadcast(S, a[a2 + k]);
                    c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
                    x = FloatVector.broadcast(S, a[a3 + k]);
                    c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
                }
                c00.intoArray(c, i * N + n); c01.intoArray(c, i * N + n + L);
                c10.intoArray(c, (i + 1) * N + n); c11.intoArray(c, (i + 1) * N + n + L);
                c20.intoArray(c, (i + 2) * N + n); c21.intoArray(c, (i + 2) * N + n + L);
                c30.intoArray(c, (i + 3) * N + n); c31.intoArray(c, (i + 3) * N + n + L);
            }
        }
    }
    // C (M x P) = A (M x N) B^T, B (P x N)
    static void ntVec(float[] a, float[] b, float[] c, int M, int P, int N) {
        int L = S.length();
        for (int i = 0; i < M; i += 2) {
            for (int j = 0; j < P; j += 4) {
                FloatVector s00 = FloatVector.zero(S), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
                int ai = i * N, bj = j * N;
                for (int n = 0; n < N; n += L) {
                    FloatVector x0 = FloatVector.fromArray(S, a, ai + n), x1 = FloatVector.fromArray(S, a, ai + N + n);
                    FloatVector y = FloatVector.fromArray(S, b, bj + n);
                    s00 = x0.fma(y, s00); s10 = x1.fma(y, s10);
                    y = FloatVector.fromArray(S, b, bj + N + n);
                    s01 = x0.fma(y, s01); s11 = x1.fma(y, s11);
                    y = FloatVector.fromArray(S, b, bj + 2 * N + n);
                    s02 = x0.fma(y, s02); s12 = x1.fma(y, s12);
                    y = FloatVector.fromArray(S, b, bj + 3 * N + n);
                    s03 = x0.fma(y, s03); s13 = x1.fma(y, s13);
                }
                c[i * P + j] = s00.reduceLanes(VectorOperators.ADD); c[i * P + j + 1] = s01.reduceLanes(VectorOperators.ADD);
                c[i * P + j + 2] = s02.reduceLanes(VectorOperators.ADD); c[i * P + j + 3] = s03.reduceLanes(VectorOperators.ADD);
                c[(i + 1) * P + j] = s10.reduceLanes(VectorOperators.ADD); c[(i + 1) * P + j + 1] = s11.reduceLanes(VectorOperators.ADD);
                c[(i + 1) * P + j + 2] = s12.reduceLanes(VectorOperators.ADD); c[(i + 1) * P + j + 3] = s13.reduceLanes(VectorOperators.ADD);
            }
        }
    }
    public static void main(String[] args) {
        Blas.ensureLoaded(); Blas.setBlasThreads(1);
        int M = 32, K = 32;
        for (int N : new int[]{512, 1024}) {
            F32Mat A = (F32Mat) Mat.create(DType.FLOAT32, M, K), B = (F32Mat) Mat.create(DType.FLOAT32, K, N), C = (F32Mat) Mat.create(DType.FLOAT32, M, N), C2 = (F32Mat) Mat.create(DType.FLOAT32, M, N);
            java.util.Random r = new java.util.Random(1);
            for (int i = 0; i < A.data.length; i++) A.data[i] = (float) r.nextGaussian();
            for (int i = 0; i < B.data.length; i++) B.data[i] = (float) r.nextGaussian();
            BlasStaging st = new BlasStaging(DType.FLOAT32, (long) K * N * 2);
            double flops = 2.0 * M * K * N;
            for (int rep = 0; rep < 3; rep++) {
                int it = 20000;
                long t0 = System.nanoTime();
                for (int q = 0; q < it; q++) Blas.gemm(st, false, false, 1, A, B, 0, C);
                long t1 = System.nanoTime();
                for (int q = 0; q < it; q++) nnVec(A.data, B.data, C2.data, M, K, N);
                long t2 = System.nanoTime();
                double err = 0; for (int i = 0; i < C.data.length; i++) err = Math.max(err, Math.abs(C.data[i] - C2.data[i]));
                System.out.printf("NN N=%d blas %.1f GF/s  vec %.1f GF/s  maxdiff %.2e%n", N, flops * it / (t1 - t0), flops * it / (t2 - t1), err);
            }
            // NT: C(32x32) = X(32xN) Y(32xN)^T
            F32Mat X = (F32Mat) Mat.create(DType.FLOAT32, M, N), Y = (F32Mat) Mat.create(DType.FLOAT32, K, N), D = (F32Mat) Mat.create(DType.FLOAT32, M, K), D2 = (F32Mat) Mat.create(DType.FLOAT32, M, K);
            for (int i = 0; i < X.data.length; i++) X.data[i] = (float) r.nextGaussian();
            for (int i = 0; i < Y.data.length; i++) Y.data[i] = (float) r.nextGaussian();
            for (int rep = 0; rep < 3; rep++) {
                int it = 20000;
                long t0 = System.nanoTime();
                for (int q = 0; q < it; q++) Blas.gemm(st, false, true, 1, X, Y, 0, D);
                long t1 = System.nanoTime();
                for (int q = 0; q < it; q++) ntVec(X.data, Y.data, D2.data, M, K, N);
                long t2 = System.nanoTime();
                double err = 0; for (int i = 0; i < D.data.length; i++) err = Math.max(err, Math.abs(D.data[i] - D2.data[i]));
                System.out.printf("NT N=%d blas %.1f GF/s  vec %.1f GF/s  maxdiff %.2e%n", N, flops * it / (t1 - t0), flops * it / (t2 - t1), err);
            }
        }
    }
}
