import java.lang.reflect.*;
Class<?> mc = Class.forName("org.cnf4j.experiments.QualityBenchmark$Mixture");
Constructor<?> ctor = mc.getDeclaredConstructor(int.class, int.class, long.class); ctor.setAccessible(true);
Object truth = ctor.newInstance(16, 10, 20261203L);
Method sample = mc.getDeclaredMethod("sample", int.class, long.class); sample.setAccessible(true);
Method logd = mc.getDeclaredMethod("logDensity", double[].class, int.class); logd.setAccessible(true);
int d = 16; int nTest = 20000;
double[] test = (double[]) sample.invoke(truth, nTest, 999L);
double[] lt = (double[]) logd.invoke(truth, test, nTest);
for (int n : new int[]{16000, 64000}) {
  for (long s = 0; s < 3; s++) {
    double[] tr = (double[]) sample.invoke(truth, n, 100L + s);
    org.cnf4j.baseline.GaussianMixture best = null; double bestLl = -1e300;
    for (long init = 0; init < 3; init++) {
      var g = org.cnf4j.baseline.GaussianMixture.fit(tr, n, d, 10, 1e-4, 300, 1e-5, init);
      if (g.meanLogLikelihood() > bestLl) { bestLl = g.meanLogLikelihood(); best = g; }
    }
    double[] lq = best.logDensity(test, nTest);
    double kl = 0; for (int i = 0; i < nTest; i++) kl += (lt[i] - lq[i]) / nTest;
    System.out.printf("n=%d seed=%d K=10 oracle-family KL=%.4f%n", n, s, kl);
  }
}
/exit
