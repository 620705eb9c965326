import java.io.*;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
public class Gen16 {
  // rows of a d=16 mixture: two correlated Gaussian clusters, shifted and scaled per column; CSV, or float64 .npy
  // when the output's name ends in .npy:  java Gen16.java ROWS SEED OUT
  public static void main(String[] a) throws Exception {
    int n = Integer.parseInt(a[0]); long seed = Long.parseLong(a[1]);
    boolean npy = a[2].endsWith(".npy");
    Random r = new Random(seed);
    try (OutputStream raw = new BufferedOutputStream(new FileOutputStream(a[2]), 1 << 20);
         PrintWriter w = new PrintWriter(new OutputStreamWriter(raw, StandardCharsets.UTF_8))) {
      if (npy) {
        String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + n + ", 16), }";
        String header = dict + " ".repeat((64 - (10 + dict.length() + 1) % 64) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        raw.write(b.array());
        raw.write(header.getBytes(StandardCharsets.ISO_8859_1));
      } else {
        StringBuilder h = new StringBuilder();
        for (int j = 0; j < 16; j++) h.append(j == 0 ? "" : ",").append("f").append(j);
        w.println(h);
      }
      ByteBuffer row = ByteBuffer.allocate(16 * 8).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        double c = r.nextBoolean() ? 2 : -2, g = r.nextGaussian();
        StringBuilder s = new StringBuilder();
        row.clear();
        for (int j = 0; j < 16; j++) {
          double v = (j + 1) * (c * (j % 3 == 0 ? 1 : -0.5) + 0.6 * g + 0.8 * r.nextGaussian()) + 10 * j;
          if (npy) row.putDouble(v); else s.append(j == 0 ? "" : ",").append(v);
        }
        if (npy) raw.write(row.array()); else w.println(s);
      }
      w.flush();
    }
  }
}
