import java.io.*;
import java.util.Random;
public class Gen16 {
  // rows of a d=16 mixture: two correlated Gaussian clusters, shifted and scaled per column
  public static void main(String[] a) throws Exception {
    int n = Integer.parseInt(a[0]); long seed = Long.parseLong(a[1]);
    Random r = new Random(seed);
    try (PrintWriter w = new PrintWriter(new BufferedWriter(new FileWriter(a[2])))) {
      StringBuilder h = new StringBuilder();
      for (int j = 0; j < 16; j++) h.append(j == 0 ? "" : ",").append("f").append(j);
      w.println(h);
      for (int i = 0; i < n; i++) {
        double c = r.nextBoolean() ? 2 : -2, g = r.nextGaussian();
        StringBuilder s = new StringBuilder();
        for (int j = 0; j < 16; j++) {
          double v = (j + 1) * (c * (j % 3 == 0 ? 1 : -0.5) + 0.6 * g + 0.8 * r.nextGaussian()) + 10 * j;
          s.append(j == 0 ? "" : ",").append(v);
        }
        w.println(s);
      }
    }
  }
}
