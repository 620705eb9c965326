package org.cnf4j.experiments;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.cnf4j.cli.Main;
import org.cnf4j.run.RunModel;
import org.cnf4j.run.TrainingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An experiment's cell trains through the same service as {@code cnf4j train}: the same options give the same maps. */
class FlowRunTest {
    @TempDir Path dir;

    private static TrainingOptions cell() {
        return new TrainingOptions().data("moons").width(8).layers(2).alpha("1.0,10.0,0.5").nt(2).ntVal(2).batch(128).valBatch(256).lr(0.05)
                .dropEvery(0).lrDrop(0.5).clamp(0.0).resampleEvery(5).valEvery(4).seed(3L).earlyStopping(0).gradTol(0.0);
    }

    private static String[] flags(Path out, String... extra) {
        java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("train", "--data", "moons", "--width", "8", "--alpha", "1,10,0.5",
                "--nt", "2", "--nt-val", "2", "--batch", "128", "--val-batch", "256", "--lr", "0.05", "--drop-every", "0", "--resample-every", "5",
                "--val-every", "4", "--seed", "3", "--threads", "1", "--no-plot", "--out", out.toString()));
        a.addAll(java.util.List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void otFlowCellEqualsTheCommandLine() throws Exception {
        FlowRun run = FlowRun.train(cell(), 0, 12);
        assertEquals(12, run.iterations());
        assertEquals(0, Main.execute(flags(dir.resolve("ot"), "--iters", "12")));
        assertArrayEquals(RunModel.load(dir.resolve("ot")).maps().get(0).data, run.maps().get(0).data, 0.0);
    }

    @Test
    void jkoCellSplitsTheBudgetAsTheCommandLineDoes() throws Exception {
        FlowRun run = FlowRun.train(cell(), 3, 10);   // 10 over 3 maps: 4 each, rounded up as train does
        assertEquals(12, run.iterations());
        assertEquals(0, Main.execute(flags(dir.resolve("jko"), "--method", "jko", "--steps", "3", "--iters", "4")));
        RunModel cli = RunModel.load(dir.resolve("jko"));
        for (int k = 0; k < 3; k++) assertArrayEquals(cli.maps().get(k).data, run.maps().get(k).data, 0.0, "map " + (k + 1));
    }
}
