import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import jdk.incubator.foreign.CLinker;
import jdk.incubator.foreign.FunctionDescriptor;
import jdk.incubator.foreign.MemoryAddress;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Which OpenBLAS a classpath runs on, and whether ND4J works on it. Run in source-file mode on the
 * benchmark jar (jmh/openblas.sh does):
 *   java --add-modules jdk.incubator.foreign --enable-native-access=ALL-UNNAMED -cp JAR jmh/OpenBlasInfo.java
 * Loads ND4J (Nd4j.create, and a 64x96 * 96x80 mmul checked against a plain loop: ND4J's own GEMM path
 * into OpenBLAS), then prints OpenBLAS's openblas_get_config() and openblas_get_corename(). The presets'
 * openblas_nolapack class does not map those two functions, so they are looked up with
 * Loader.addressof and called through the JDK 17 incubating foreign linker.
 */
public class OpenBlasInfo {
    static String callString(String symbol) throws Throwable {
        Pointer p = Loader.addressof(symbol);
        if (p == null || p.address() == 0) return "<" + symbol + " not found>";
        MethodHandle h = CLinker.getInstance().downcallHandle(MemoryAddress.ofLong(p.address()),
                MethodType.methodType(MemoryAddress.class), FunctionDescriptor.of(CLinker.C_POINTER));
        return CLinker.toJavaString((MemoryAddress) h.invokeExact());
    }

    public static void main(String[] args) throws Throwable {
        INDArray one = Nd4j.create(1);
        System.out.println("Nd4j.create(1): ok, " + one.dataType() + ", backend " + Nd4j.getBackend().getClass().getSimpleName());
        int m = 64, k = 96, n = 80;
        INDArray a = Nd4j.rand(DataType.FLOAT, m, k), b = Nd4j.rand(DataType.FLOAT, k, n);
        INDArray c = a.mmul(b);
        float[][] fa = a.toFloatMatrix(), fb = b.toFloatMatrix(), fc = c.toFloatMatrix();
        double maxErr = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int l = 0; l < k; l++) s += (double) fa[i][l] * fb[l][j];
                maxErr = Math.max(maxErr, Math.abs(s - fc[i][j]));
            }
        System.out.println("Nd4j mmul 64x96*96x80 float: max abs error vs loop " + maxErr + (maxErr < 1e-3 ? " (ok)" : " (WRONG)"));
        Loader.load(openblas_nolapack.class);
        System.out.println("OPENBLAS_VERSION (runtime class): "
                + String.valueOf(openblas_nolapack.class.getField("OPENBLAS_VERSION").get(null)).trim());
        System.out.println("openblas_get_config(): " + callString("openblas_get_config"));
        System.out.println("openblas_get_corename(): " + callString("openblas_get_corename"));
        System.out.println("blas_get_num_threads(): " + openblas_nolapack.blas_get_num_threads());
        Loader.getLoadedLibraries().values().stream().filter(f -> f.contains("libopenblas"))
                .forEach(f -> System.out.println("loaded: " + f));
    }
}
