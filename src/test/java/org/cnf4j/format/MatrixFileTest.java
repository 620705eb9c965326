package org.cnf4j.format;

import org.cnf4j.format.Npy;
import org.cnf4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.cnf4j.data.DataTestUtil.oneLine;
import static org.cnf4j.data.DataTestUtil.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MatrixFileTest {
    @TempDir Path dir;

    @Test
    void readsCsvWithHeader() throws IOException {
        MatrixFile.Matrix m = MatrixFile.read(Fixtures.data("breast_cancer.csv"));
        assertEquals(569, m.rows());
        assertEquals(30, m.cols());
        assertEquals(17.99, m.data()[0], 0);
        assertEquals(0.1189, m.data()[29], 0);
        MatrixFile.Matrix digits = MatrixFile.read(Fixtures.data("digits.csv"));
        assertEquals(1797, digits.rows());
        assertEquals(64, digits.cols());
        assertEquals(5, digits.data()[2], 0);
    }

    @Test
    void readsCsvWithoutHeaderSkippingEmptyLinesAndQuotes() throws IOException {
        Path f = write(dir.resolve("a.csv"), "\n1, 2 ,3\n\n\"4\",5e0,-6.5\n   \n");
        MatrixFile.Matrix m = MatrixFile.read(f);
        assertEquals(2, m.rows());
        assertEquals(3, m.cols());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, -6.5}, m.data(), 0);
    }

    @Test
    void headerIsDetectedOnlyWhenACellIsNotNumeric() throws IOException {
        MatrixFile.Table t = MatrixFile.readTable(write(dir.resolve("h.csv"), "x,2\n1,2\n3,4\n"));
        assertEquals(List.of("x", "2"), t.header());
        assertEquals(2, t.matrix().rows());
        MatrixFile.Table u = MatrixFile.readTable(write(dir.resolve("n.csv"), "1,2\n3,4\n"));
        assertEquals(null, u.header());
        assertEquals(2, u.matrix().rows());
    }

    @Test
    void nonNumericCellNamesLineRowAndColumn() throws IOException {
        StringBuilder b = new StringBuilder("a,b,c\n");
        for (int i = 1; i <= 16; i++) b.append(i).append(",1,2\n");
        b.append("17,1,abc\n");
        Path f = write(dir.resolve("bad.csv"), b.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(f));
        oneLine(e, "bad.csv", "line 18", "data row 17", "column 3", "'abc' is not a number");
        Path g = write(dir.resolve("empty-cell.csv"), "1,2\n3,\n");
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(g)), "line 2", "column 2", "empty");
    }

    /** A semicolon- or tab-separated file is named as such, not just as a cell that is not a number. */
    @Test
    void otherSeparatorsAreNamed() throws IOException {
        Path semi = write(dir.resolve("semi.csv"), "0.5;1.5;2\n1;2;3\n");
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(semi)), "semi.csv", "'1;2;3' is not a number",
                "separated by semicolons; cnf4j reads comma-separated values, '.' as the decimal point");
        Path tabs = write(dir.resolve("tabs.tsv"), "a\tb\n1\t2\n");
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(tabs)), "tabs.tsv", "separated by tabs");
        Path plain = write(dir.resolve("plain.csv"), "1,2\n3,x\n");
        String m = assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(plain)).getMessage();
        assertFalse(m.contains("separated by"), m);
    }

    @Test
    void javaOnlyNumberSuffixesAreNotNumbers() throws IOException {
        Path f = write(dir.resolve("d.csv"), "1,2\n3,4d\n");
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(f)), "'4d' is not a number");
    }

    @Test
    void raggedRowsAreRejected() throws IOException {
        Path f = write(dir.resolve("ragged.csv"), "x,y,z\n1,2,3\n4,5,6\n7,8\n");
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(f)), "ragged.csv", "line 4", "data row 3", "has 2 values", "has 3");
        Path g = write(dir.resolve("hdr.csv"), "x,y,z\n1,2\n");
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(g)), "header has 3");
    }

    @Test
    void nanAndInfinityNameTheFirstBadRow() throws IOException {
        Path f = write(dir.resolve("nan.csv"), "a,b\n1,2\n3,nan\n4,NaN\n");
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(f)), "line 3", "data row 2", "column 2", "NaN", "first bad row");
        Path g = write(dir.resolve("inf.csv"), "1,2\n-inf,2\n");
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(g)), "data row 2", "column 1", "-infinity");
        Path h = write(dir.resolve("inf2.csv"), "1,2\n1,Infinity\n");
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(h)), "+infinity");
        Path npy = dir.resolve("nan.npy");
        Npy.write(npy, new double[] {1, 2, 3, 4, Double.POSITIVE_INFINITY, 6, Double.NaN, 8}, new int[] {4, 2}, false);
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(npy)), "nan.npy", "row 3 (index 2), column 1", "infinity");
    }

    @Test
    void emptyDataIsRejected() throws IOException {
        Path f = write(dir.resolve("empty.csv"), "");
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(f)), "empty.csv", "no data rows");
        Path g = write(dir.resolve("header-only.csv"), "a,b\n\n");
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(g)), "no data rows after the header");
        Path npy = dir.resolve("empty.npy");
        Npy.write(npy, new double[0], new int[] {0, 3}, false);
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(npy)), "empty.npy", "empty");
    }

    @Test
    void missingOrUnreadableFilesAreIoErrors() throws IOException {
        Path missing = dir.resolve("nope.csv");
        oneLine(assertThrows(NoSuchFileException.class, () -> MatrixFile.read(missing)), "nope.csv", "file not found");
        oneLine(assertThrows(IOException.class, () -> MatrixFile.read(dir)), "is a directory");
    }

    @Test
    void npyOneAndTwoDimensionsAndErrors() throws IOException {
        Path f32 = dir.resolve("m.npy");
        Npy.write(f32, new double[] {1, 2, 3, 4, 5, 6}, new int[] {3, 2}, true);
        MatrixFile.Matrix m = MatrixFile.read(f32);
        assertEquals(3, m.rows());
        assertEquals(2, m.cols());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, m.data(), 0);
        Path v = dir.resolve("v.npy");
        Npy.write(v, new double[] {1, 2, 3}, new int[] {3}, false);
        MatrixFile.Matrix col = MatrixFile.read(v);
        assertEquals(3, col.rows());
        assertEquals(1, col.cols());
        Path cube = dir.resolve("cube.npy");
        Npy.write(cube, new double[8], new int[] {2, 2, 2}, false);
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.read(cube)), "cube.npy", "3-D");
        byte[] bytes = Files.readAllBytes(f32);
        Path cut = dir.resolve("cut.npy");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 5));
        oneLine(assertThrows(IOException.class, () -> MatrixFile.read(cut)), "cut.npy", "truncated");
    }

    @Test
    void writeRoundTripsAtomically() throws IOException {
        double[] x = {1.5, -2, 1e-300, Math.PI, 0, 7};
        for (String name : List.of("out.npy", "out.csv", "sub/dir/OUT.CSV")) {
            Path f = dir.resolve(name);
            MatrixFile.write(f, x, 3, 2);
            MatrixFile.Matrix m = MatrixFile.read(f);
            assertEquals(3, m.rows());
            assertEquals(2, m.cols());
            assertArrayEquals(x, m.data(), 0, name);
            MatrixFile.write(f, new double[] {9, 9}, 1, 2); // overwrite
            assertArrayEquals(new double[] {9, 9}, MatrixFile.read(f).data(), 0);
        }
        MatrixFile.write(dir.resolve("h.csv"), x, 3, 2, List.of("logp", "q"));
        assertEquals("logp,q", Files.readAllLines(dir.resolve("h.csv")).get(0));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count(), "no temporary files left");
        }
        oneLine(assertThrows(IllegalArgumentException.class, () -> MatrixFile.write(dir.resolve("x.txt"), x, 3, 2)), "x.txt", ".npy or .csv");
        assertThrows(IllegalArgumentException.class, () -> MatrixFile.write(dir.resolve("x.csv"), x, 4, 2));
        assertEquals(false, Files.exists(dir.resolve("x.txt")));
    }
}
