import java.lang.reflect.*;
Class<?> mc = Class.forName("org.cnf4j.experiments.QualityBenchmark$Mixture");
Constructor<?> ctor = mc.getDeclaredConstructor(int.class, int.class, long.class); ctor.setAccessible(true);
Object truth = ctor.newInstance(16, 10, 20261203L);
Method sample = mc.getDeclaredMethod("sample", int.class, long.class); sample.setAccessible(true);
Method logd = mc.getDeclaredMethod("logDensity", double[].class, int.class); logd.setAccessible(true);
Field fm = mc.getDeclaredField("means"); fm.setAccessible(true); Field fc = mc.getDeclaredField("chol"); fc.setAccessible(true);
Field fw = mc.getDeclaredField("logWeights"); fw.setAccessible(true);
double[][] means = (double[][]) fm.get(truth); double[][] chol = (double[][]) fc.get(truth); double[] lw = (double[]) fw.get(truth);
int d = 16, k = 10, n = 20000;
double[] x = (double[]) sample.invoke(truth, n, 999L);
double[] lt = (double[]) logd.invoke(truth, x, n);
double[] sd = new double[d];
for (int j = 0; j < d; j++) { double m = 0, v = 0; for (int i = 0; i < n; i++) m += x[i*d+j]; m /= n; for (int i = 0; i < n; i++) v += Math.pow(x[i*d+j]-m,2); sd[j] = Math.sqrt(v/n); }
double minEig = 1e9;
for (double sig : new double[]{0.02, 0.03, 0.05, 0.1}) {
  double[][] L2 = new double[k][]; double[] ld = new double[k];
  for (int c = 0; c < k; c++) {
    double[] L = chol[c]; double[] cov = new double[d*d];
    for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) { double v = 0; for (int q = 0; q < d; q++) v += L[i*d+q]*L[j*d+q]; cov[i*d+j] = v + (i==j ? sig*sig*sd[i]*sd[i] : 0); }
    double[] C = new double[d*d];
    for (int i = 0; i < d; i++) for (int j = 0; j <= i; j++) { double s = cov[i*d+j]; for (int q = 0; q < j; q++) s -= C[i*d+q]*C[j*d+q]; C[i*d+j] = i==j ? Math.sqrt(s) : s / C[j*d+j]; }
    L2[c] = C; for (int i = 0; i < d; i++) ld[c] += 2*Math.log(C[i*d+i]);
  }
  double kl = 0;
  for (int r = 0; r < n; r++) {
    double[] lc = new double[k]; double mx = -1e300;
    for (int c = 0; c < k; c++) {
      double[] z = new double[d]; double q2 = 0;
      for (int i = 0; i < d; i++) { double s = x[r*d+i]-means[c][i]; for (int q = 0; q < i; q++) s -= L2[c][i*d+q]*z[q]; z[i] = s / L2[c][i*d+i]; q2 += z[i]*z[i]; }
      lc[c] = lw[c] - 0.5*q2 - 0.5*ld[c] - 0.5*d*Math.log(2*Math.PI); mx = Math.max(mx, lc[c]);
    }
    double s = 0; for (int c = 0; c < k; c++) s += Math.exp(lc[c]-mx);
    kl += (lt[r] - (mx + Math.log(s))) / n;
  }
  System.out.printf("sigma=%.2f (standardised) KL(truth || truth*noise)=%.4f%n", sig, kl);
}
/exit
