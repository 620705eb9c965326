import org.apache.spark.sql.*;
public class ToParquet {
  public static void main(String[] a) {
    SparkSession s = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    s.sparkContext().setLogLevel("ERROR");
    s.read().option("header", true).option("inferSchema", true).csv(a[0]).write().parquet(a[1]);
    s.stop();
  }
}
