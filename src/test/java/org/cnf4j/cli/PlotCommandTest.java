package org.cnf4j.cli;

import static org.cnf4j.testing.Fixtures.swissroll;
import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotCommandTest {
    @Test
    void plotsAnImportedModelAndATrainedRun(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("sw");
        assertEquals(0, Cli.run("import-otflow", "--weights", swissroll().resolve("weights").toString(),
                "--config", swissroll().resolve("config.json").toString(), "--out", model.toString()).code());
        Path png = dir.resolve("sw.png");
        Cli.Result r = Cli.run("plot", "--model", model.toString(), "--out", png.toString(), "--samples", "300", "--grid", "20", "--nt", "4");
        assertEquals(0, r.code(), r.err());
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img.getWidth() > 400 && img.getHeight() > 400);

        Path csv = TrainCommandTest.gaussianCsv(dir);
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run("train", "--data", csv.toString(), "--out", run.toString(), "--width", "8", "--batch", "100", "--nt", "2",
                "--nt-val", "2", "--iters", "4", "--val-every", "2").code());
        Path png2 = dir.resolve("sub/run.png");
        r = Cli.run("plot", "--model", run.toString(), "--out", png2.toString(), "--samples", "200");
        assertEquals(0, r.code(), r.err());
        assertNotNull(ImageIO.read(png2.toFile()));

        r = Cli.run("plot", "--model", run.toString(), "--out", dir.resolve("x.jpg").toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(dir.resolve("x.jpg")));
    }
}
