# Writes PK.java: plain-Java GEMM kernels C (48 x N) = A (48 x 32) B, R rows of C by KB rows of B per pass over N,
# with B's and C's rows as separate arrays (the form C2 vectorises). Usage: python3 gen_pk.py > PK.java
def kernel(name, R, KB):
    L = [f"    static void {name}(float[] a, float[][] br, float[][] cr, int M, int K, int N) {{",
         f"        for (int i = 0; i < M; i += {R}) {{"]
    for r in range(R):
        L.append(f"            float[] c{r} = cr[i + {r}]; java.util.Arrays.fill(c{r}, 0); int a{r} = (i + {r}) * K;")
    L.append(f"            for (int k = 0; k < K; k += {KB}) {{")
    for r in range(R):
        L.append("                " + " ".join(f"float x{r}_{q} = a[a{r} + k + {q}];" for q in range(KB)))
    L.append("                " + " ".join(f"float[] b{q} = br[k + {q}];" for q in range(KB)))
    L.append("                for (int n = 0; n < N; n++) {")
    L.append("                    " + " ".join(f"float v{q} = b{q}[n];" for q in range(KB)))
    for r in range(R):
        L.append(f"                    c{r}[n] += " + " + ".join(f"x{r}_{q} * v{q}" for q in range(KB)) + ";")
    L.append("                }\n            }\n        }\n    }")
    return "\n".join(L)

variants = [("k2x4", 2, 4), ("k3x4", 3, 4), ("k2x8", 2, 8), ("k2x2", 2, 2), ("k1x4", 1, 4), ("k4x4", 4, 4)]
out = "public class PK {\n" + "\n".join(kernel(*v) for v in variants) + '''
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
'''
for name, R, KB in variants:
    out += f'''            {{ int it = 10000; long t0 = System.nanoTime();
              for (int q = 0; q < it; q++) {{ for (int k = 0; k < K; k++) System.arraycopy(b, k * N, br[k], 0, N); {name}(a, br, cr, M, K, N); for (int i = 0; i < M; i++) System.arraycopy(cr[i], 0, c, i * N, N); }}
              sb.append(String.format("{name} %.1f  ", flops * it / (System.nanoTime() - t0))); }}
'''
out += '''            System.out.println(sb);
        }
    }
}
'''
print(out, end="")
