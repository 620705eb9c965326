public class PK {
    static void k2x4(float[] a, float[][] br, float[][] cr, int M, int K, int N) {
        for (int i = 0; i < M; i += 2) {
            float[] c0 = cr[i + 0]; java.util.Arrays.fill(c0, 0); int a0 = (i + 0) * K;
            float[] c1 = cr[i + 1]; java.util.Arrays.fill(c1, 0); int a1 = (i + 1) * K;
            for (int k = 0; k < K; k += 4) {
                float x0_0 = a[a0 + k + 0]; float x0_1 = a[a0 + k + 1]; float x0_2 = a[a0 + k + 2]; float x0_3 = a[a0 + k + 3];
                float x1_0 = a[a1 + k + 0]; float x1_1 = a[a1 + k + 1]; float x1_2 = a[a1 + k + 2]; float x1_3 = a[a1 + k + 3];
                float[] b0 = br[k + 0]; float[] b1 = br[k + 1]; float[] b2 = br[k + 2]; float[] b3 = br[k + 3];
                for (int n = 0; n < N; n++) {
                    float v0 = b0[n]; float v1 = b1[n]; float v2 = b2[n]; float v3 = b3[n];
                    c0[n] += x0_0 * v0 + x0_1 * v1 + x0_2 * v2 + x0_3 * v3;
                    c1[n] += x1_0 * v0 + x1_1 * v1 + x1_2 * v2 + x1_3 * v3;
                }
            }
        }
    }
    static void k3x4(float[] a, float[][] br, float[][] cr, int M, int K, int N) {
        for (int i = 0; i < M; i += 3) {
            float[] c0 = cr[i + 0]; java.util.Arrays.fill(c0, 0); int a0 = (i + 0) * K;
            float[] c1 = cr[i + 1]; java.util.Arrays.fill(c1, 0); int a1 = (i + 1) * K;
            float[] c2 = cr[i + 2]; java.util.Arrays.fill(c2, 0); int a2 = (i + 2) * K;
            for (int k = 0; k < K; k += 4) {
                float x0_0 = a[a0 + k + 0]; float x0_1 = a[a0 + k + 1]; float x0_2 = a[a0 + k + 2]; float x0_3 = a[a0 + k + 3];
                float x1_0 = a[a1 + k + 0]; float x1_1 = a[a1 + k + 1]; float x1_2 = a[a1 + k + 2]; float x1_3 = a[a1 + k + 3];
                float x2_0 = a[a2 + k + 0]; float x2_1 = a[a2 + k + 1]; float x2_2 = a[a2 + k + 2]; float x2_3 = a[a2 + k + 3];
                float[] b0 = br[k + 0]; float[] b1 = br[k + 1]; float[] b2 = br[k + 2]; float[] b3 = br[k + 3];
                for (int n = 0; n < N; n++) {
                    float v0 = b0[n]; float v1 = b1[n]; float v2 = b2[n]; float v3 = b3[n];
                    c0[n] += x0_0 * v0 + x0_1 * v1 + x0_2 * v2 + x0_3 * v3;
                    c1[n] += x1_0 * v0 + x1_1 * v1 + x1_2 * v2 + x1_3 * v3;
                    c2[n] += x2_0 * v0 + x2_1 * v1 + x2_2 * v2 + x2_3 * v3;
                }
            }
        }
    }
    static void k2x8(float[] a, float[][] br, float[][] cr, int M, int K, int N) {
        for (int i = 0; i < M; i += 2) {
            float[] c0 = cr[i + 0]; java.util.Arrays.fill(c0, 0); int a0 = (i + 0) * K;
            float[] c1 = cr[i + 1]; java.util.Arrays.fill(c1, 0); int a1 = (i + 1) * K;
            for (int k = 0; k < K; k += 8) {
                float x0_0 = a[a0 + k + 0]; float x0_1 = a[a0 + k + 1]; float x0_2 = a[a0 + k + 2]; float x0_3 = a[a0 + k + 3]; float x0_4 = a[a0 + k + 4]; float x0_5 = a[a0 + k + 5]; float x0_6 = a[a0 + k + 6]; float x0_7 = a[a0 + k + 7];
                float x1_0 = a[a1 + k + 0]; float x1_1 = a[a1 + k + 1]; float x1_2 = a[a1 + k + 2]; float x1_3 = a[a1 + k + 3]; float x1_4 = a[a1 + k + 4]; float x1_5 = a[a1 + k + 5]; float x1_6 = a[a1 + k + 6]; float x1_7 = a[a1 + k + 7];
                float[] b0 = br[k + 0]; float[] b1 = br[k + 1]; float[] b2 = br[k + 2]; float[] b3 = br[k + 3]; float[] b4 = br[k + 4]; float[] b5 = br[k + 5]; float[] b6 = br[k + 6]; float[] b7 = br[k + 7];
                for (int n = 0; n < N; n++) {
                    float v0 = b0[n]; float v1 = b1[n]; float v2 = b2[n]; float v3 = b3[n]; float v4 = b4[n]; float v5 = b5[n]; float v6 = b6[n]; float v7 = b7[n];
                    c0[n] += x0_0 * v0 + x0_1 * v1 + x0_2 * v2 + x0_3 * v3 + x0_4 * v4 + x0_5 * v5 + x0_6 * v6 + x0_7 * v7;
                    c1[n] += x1_0 * v0 + x1_1 * v1 + x1_2 * v2 + x1_3 * v3 + x1_4 * v4 + x1_5 * v5 + x1_6 * v6 + x1_7 * v7;
                }
            }
        }
    }
    static void k2x2(float[] a, float[][] br, float[][] cr, int M, int K, int N) {
        for (int i = 0; i < M; i += 2) {
            float[] c0 = cr[i + 0]; java.util.Arrays.fill(c0, 0); int a0 = (i + 0) * K;
            float[] c1 = cr[i + 1]; java.util.Arrays.fill(c1, 0); int a1 = (i + 1) * K;
            for (int k = 0; k < K; k += 2) {
                float x0_0 = a[a0 + k + 0]; float x0_1 = a[a0 + k + 1];
                float x1_0 = a[a1 + k + 0]; float x1_1 = a[a1 + k + 1];
                float[] b0 = br[k + 0]; float[] b1 = br[k + 1];
                for (int n = 0; n < N; n++) {
                    float v0 = b0[n]; float v1 = b1[n];
                    c0[n] += x0_0 * v0 + x0_1 * v1;
                    c1[n] += x1_0 * v0 + x1_1 * v1;
                }
            }
        }
    }
    static void k1x4(float[] a, float[][] br, float[][] cr, int M, int K, int N) {
        for (int i = 0; i < M; i += 1) {
            float[] c0 = cr[i + 0]; java.util.Arrays.fill(c0, 0); int a0 = (i + 0) * K;
            for (int k = 0; k < K; k += 4) {
                float x0_0 = a[a0 + k + 0]; float x0_1 = a[a0 + k + 1]; float x0_2 = a[a0 + k + 2]; float x0_3 = a[a0 + k + 3];
                float[] b0 = br[k + 0]; float[] b1 = br[k + 1]; float[] b2 = br[k + 2]; float[] b3 = br[k + 3];
                for (int n = 0; n < N; n++) {
                    float v0 = b0[n]; float v1 = b1[n]; float v2 = b2[n]; float v3 = b3[n];
                    c0[n] += x0_0 * v0 + x0_1 * v1 + x0_2 * v2 + x0_3 * v3;
                }
            }
        }
    }
    static void k4x4(float[] a, float[][] br, float[][] cr, int M, int K, int N) {
        for (int i = 0; i < M; i += 4) {
            float[] c0 = cr[i + 0]; java.util.Arrays.fill(c0, 0); int a0 = (i + 0) * K;
            float[] c1 = cr[i + 1]; java.util.Arrays.fill(c1, 0); int a1 = (i + 1) * K;
            float[] c2 = cr[i + 2]; java.util.Arrays.fill(c2, 0); int a2 = (i + 2) * K;
            float[] c3 = cr[i + 3]; java.util.Arrays.fill(c3, 0); int a3 = (i + 3) * K;
            for (int k = 0; k < K; k += 4) {
                float x0_0 = a[a0 + k + 0]; float x0_1 = a[a0 + k + 1]; float x0_2 = a[a0 + k + 2]; float x0_3 = a[a0 + k + 3];
                float x1_0 = a[a1 + k + 0]; float x1_1 = a[a1 + k + 1]; float x1_2 = a[a1 + k + 2]; float x1_3 = a[a1 + k + 3];
                float x2_0 = a[a2 + k + 0]; float x2_1 = a[a2 + k + 1]; float x2_2 = a[a2 + k + 2]; float x2_3 = a[a2 + k + 3];
                float x3_0 = a[a3 + k + 0]; float x3_1 = a[a3 + k + 1]; float x3_2 = a[a3 + k + 2]; float x3_3 = a[a3 + k + 3];
                float[] b0 = br[k + 0]; float[] b1 = br[k + 1]; float[] b2 = br[k + 2]; float[] b3 = br[k + 3];
                for (int n = 0; n < N; n++) {
                    float v0 = b0[n]; float v1 = b1[n]; float v2 = b2[n]; float v3 = b3[n];
                    c0[n] += x0_0 * v0 + x0_1 * v1 + x0_2 * v2 + x0_3 * v3;
                    c1[n] += x1_0 * v0 + x1_1 * v1 + x1_2 * v2 + x1_3 * v3;
                    c2[n] += x2_0 * v0 + x2_1 * v1 + x2_2 * v2 + x2_3 * v3;
                    c3[n] += x3_0 * v0 + x3_1 * v1 + x3_2 * v2 + x3_3 * v3;
                }
            }
        }
    }
    public static void main(String[] args) {
        int M = 48, K = 32, N = Integer.parseInt(args[0]);
        java.util.Random r = new java.util.Random(1);
        float[] a = new float[M * K], b = new float[K * N], c = new float[M * N];
        float[][] br = new float[K][N], cr = new float[M][N];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        double flops = 2.0 * M * K * N;
        for (int rep = 0; rep < 4; rep++) {
            StringBuilder sb = new StringBuilder();
            { int it = 10000; long t0 = System.nanoTime();
              for (int q = 0; q < it; q++) { for (int k = 0; k < K; k++) System.arraycopy(b, k * N, br[k], 0, N); k2x4(a, br, cr, M, K, N); for (int i = 0; i < M; i++) System.arraycopy(cr[i], 0, c, i * N, N); }
              sb.append(String.format("k2x4 %.1f  ", flops * it / (System.nanoTime() - t0))); }
            { int it = 10000; long t0 = System.nanoTime();
              for (int q = 0; q < it; q++) { for (int k = 0; k < K; k++) System.arraycopy(b, k * N, br[k], 0, N); k3x4(a, br, cr, M, K, N); for (int i = 0; i < M; i++) System.arraycopy(cr[i], 0, c, i * N, N); }
              sb.append(String.format("k3x4 %.1f  ", flops * it / (System.nanoTime() - t0))); }
            { int it = 10000; long t0 = System.nanoTime();
              for (int q = 0; q < it; q++) { for (int k = 0; k < K; k++) System.arraycopy(b, k * N, br[k], 0, N); k2x8(a, br, cr, M, K, N); for (int i = 0; i < M; i++) System.arraycopy(cr[i], 0, c, i * N, N); }
              sb.append(String.format("k2x8 %.1f  ", flops * it / (System.nanoTime() - t0))); }
            { int it = 10000; long t0 = System.nanoTime();
              for (int q = 0; q < it; q++) { for (int k = 0; k < K; k++) System.arraycopy(b, k * N, br[k], 0, N); k2x2(a, br, cr, M, K, N); for (int i = 0; i < M; i++) System.arraycopy(cr[i], 0, c, i * N, N); }
              sb.append(String.format("k2x2 %.1f  ", flops * it / (System.nanoTime() - t0))); }
            { int it = 10000; long t0 = System.nanoTime();
              for (int q = 0; q < it; q++) { for (int k = 0; k < K; k++) System.arraycopy(b, k * N, br[k], 0, N); k1x4(a, br, cr, M, K, N); for (int i = 0; i < M; i++) System.arraycopy(cr[i], 0, c, i * N, N); }
              sb.append(String.format("k1x4 %.1f  ", flops * it / (System.nanoTime() - t0))); }
            { int it = 10000; long t0 = System.nanoTime();
              for (int q = 0; q < it; q++) { for (int k = 0; k < K; k++) System.arraycopy(b, k * N, br[k], 0, N); k4x4(a, br, cr, M, K, N); for (int i = 0; i < M; i++) System.arraycopy(cr[i], 0, c, i * N, N); }
              sb.append(String.format("k4x4 %.1f  ", flops * it / (System.nanoTime() - t0))); }
            System.out.println(sb);
        }
    }
}
