package org.cnf4j.cli;

import static org.cnf4j.testing.Fixtures.assertRel;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnf4j.format.MatrixFile;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.run.RunDirectory;
import org.cnf4j.run.RunModel;
import org.cnf4j.model.PhiShape;
import org.cnf4j.train.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --method jko: the composed run directory, K=1 against OT-Flow, kill -9 and resume, and the model commands on it. */
class JkoCommandTest {
    static final PhiShape SHAPE = new PhiShape(2, 8, 2);
    static final String[] SMALL = {"train", "--data", "8gaussians", "--batch", "256", "--val-batch", "256", "--nt", "2", "--nt-val", "4",
        "--width", "8", "--val-every", "5", "--seed", "3", "--threads", "2", "--no-plot"};

    private static String[] with(String[] base, String... more) {
        List<String> l = new ArrayList<>(List.of(base));
        l.addAll(List.of(more));
        return l.toArray(new String[0]);
    }

    private static void ok(Cli.Result r) {
        assertEquals(0, r.code(), r.out() + r.err());
    }

    @Test
    void oneStepIsPlainOtFlowBitForBitThroughTheCli(@TempDir Path dir) throws Exception {
        Path plain = dir.resolve("plain"), jko = dir.resolve("jko");
        ok(Cli.run(with(SMALL, "--out", plain.toString(), "--iters", "15")));
        ok(Cli.run(with(SMALL, "--out", jko.toString(), "--iters", "15", "--method", "jko", "--steps", "1")));
        assertArrayEquals(ReferenceModel.loadWeights(plain.resolve("weights"), SHAPE).data,
                ReferenceModel.loadWeights(RunDirectory.mapFolder(jko, 1), SHAPE).data, 0.0);
        assertFalse(Files.exists(jko.resolve("weights")));
    }

    @Test
    void composedRunServesEvalLogpSampleAndPlot(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        Cli.Result t = Cli.run(with(SMALL, "--out", run.toString(), "--iters", "10", "--method", "jko", "--steps", "3"));
        ok(t);
        assertTrue(t.out().contains("[3/3] map 3 done"), t.out());
        assertTrue(t.out().contains("composed validation NLL"), t.out());
        JsonNode cfg = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals("jko", cfg.get("method").asText());
        assertEquals(3, cfg.get("jko").get("steps").asInt());
        assertEquals(3, RunModel.load(run).maps().size());
        // log.csv counts iterations across subproblems and names the subproblem
        List<String> log = Files.readAllLines(run.resolve("log.csv"));
        assertEquals("iter,J,L,C,R,lr,val_J,val_C,seconds,step", log.get(0));
        assertEquals(31, log.size());
        assertTrue(log.get(30).startsWith("30,") && log.get(30).endsWith(",3"), log.get(30));

        Cli.Result e = Cli.run("eval", "--model", run.toString(), "--mmd-n", "200", "--max-test", "500");
        ok(e);
        assertTrue(e.out().contains("JKO-Flow, 3 maps composed"), e.out());
        JsonNode ev = new ObjectMapper().readTree(run.resolve("eval.json").toFile());
        assertEquals(3, ev.get("maps").asInt());
        assertTrue(ev.get("inverse_error").asDouble() < 1e-3, ev.toString());
        assertTrue(Double.isFinite(ev.get("test_nll").asDouble()));

        // Dormand-Prince through the three maps agrees with fine RK4
        Path a = dir.resolve("a.json"), f = dir.resolve("f.json");
        ok(Cli.run("eval", "--model", run.toString(), "--adaptive", "--rtol", "1e-8", "--atol", "1e-8", "--mmd-n", "50", "--max-test", "200", "--output", a.toString()));
        ok(Cli.run("eval", "--model", run.toString(), "--nt", "64", "--mmd-n", "50", "--max-test", "200", "--output", f.toString()));
        JsonNode ja = new ObjectMapper().readTree(a.toFile()), jf = new ObjectMapper().readTree(f.toFile());
        assertTrue(ja.get("derivative_evaluations").asLong() > 3 * 6, ja.toString());
        assertEquals(jf.get("test_nll").asDouble(), ja.get("test_nll").asDouble(), 1e-5);

        // sample with log-densities, then logp of the samples: the same numbers (nt 32 keeps RK4 error small)
        Path smp = dir.resolve("s.npy"), lp = dir.resolve("lp.npy");
        ok(Cli.run("sample", "--model", run.toString(), "-n", "64", "--with-logp", "--nt", "32", "--output", smp.toString()));
        MatrixFile.Matrix s = MatrixFile.read(smp);
        assertEquals(3, s.cols());
        double[] x = new double[64 * 2], logp = new double[64];
        for (int i = 0; i < 64; i++) {
            x[2 * i] = s.data()[3 * i];
            x[2 * i + 1] = s.data()[3 * i + 1];
            logp[i] = s.data()[3 * i + 2];
        }
        Path xs = dir.resolve("x.csv");
        MatrixFile.write(xs, x, 64, 2);
        ok(Cli.run("logp", "--model", run.toString(), "--input", xs.toString(), "--nt", "32", "--output", lp.toString()));
        assertRel(MatrixFile.read(lp).data(), logp, 1e-5, "sample then logp through 3 maps");

        ok(Cli.run("plot", "--model", run.toString(), "--out", dir.resolve("p.png").toString(), "--samples", "200", "--grid", "20"));
        assertTrue(Files.size(dir.resolve("p.png")) > 1000);
    }

    @Test
    void killedInALaterSubproblemResumesToTheSameMaps(@TempDir Path dir) throws Exception {
        Path killed = dir.resolve("killed"), full = dir.resolve("full");
        String[] args = with(SMALL, "--iters", "60", "--method", "jko", "--steps", "3", "--checkpoint-every", "3");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.cnf4j.cli.Main"));
        cmd.addAll(List.of(with(args, "--out", killed.toString())));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        Path ckpt = killed.resolve("checkpoint.bin");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (subproblem(ckpt) < 2 && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(10);
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        TrainState at = TrainState.load(ckpt, SHAPE);
        assertTrue(at.subproblem >= 2 && !(at.subproblem == 3 && at.iteration == 60),
                "killed after subproblem 1 and before the end: " + at.subproblem + "/" + at.iteration + " " + Files.readString(dir.resolve("child.log")));

        Cli.Result r = Cli.run("train", "--out", killed.toString(), "--resume", "--no-plot");
        ok(r);
        assertTrue(r.out().contains("resuming " + killed + " at JKO step"), r.out());
        ok(Cli.run(with(args, "--out", full.toString())));
        for (int k = 1; k <= 3; k++) {
            assertArrayEquals(ReferenceModel.loadWeights(RunDirectory.mapFolder(full, k), SHAPE).data,
                    ReferenceModel.loadWeights(RunDirectory.mapFolder(killed, k), SHAPE).data, 0.0, "map " + k);
        }
        assertArrayEquals(TrainState.load(full.resolve("checkpoint.bin"), SHAPE).params.data, TrainState.load(ckpt, SHAPE).params.data, 0.0);
        assertEquals(Files.readAllLines(full.resolve("log.csv")).size(), Files.readAllLines(killed.resolve("log.csv")).size());
    }

    /** The subproblem of the checkpoint, 0 while there is none. */
    private static int subproblem(Path ckpt) {
        try {
            return Files.exists(ckpt) ? TrainState.load(ckpt, SHAPE).subproblem : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    @Test
    void badJkoOptionsGetOneLineErrors(@TempDir Path dir) throws Exception {
        String[][] cases = {
            {"--method", "fancy"}, {"--steps", "3"}, {"--method", "jko", "--steps", "0"}, {"--method", "jko", "--epochs", "2"},
            {"--iters", "5", "--epochs", "2"}, {"--grad-tol", "1.5"}};
        String[] expect = {"unknown --method", "--steps is for --method jko", "--steps must be >= 1", "--epochs needs a finite data set",
            "exclude each other", "grad-tol must be in [0, 1)"};
        for (int i = 0; i < cases.length; i++) {
            Path out = dir.resolve("r" + i);
            Cli.Result r = Cli.run(with(with(SMALL, "--out", out.toString()), cases[i]));
            assertNotEquals(0, r.code(), String.join(" ", cases[i]));
            assertTrue(r.err().contains(expect[i]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(out.resolve("config.json")), "nothing written for " + String.join(" ", cases[i]));
        }
        Path run = dir.resolve("ok");
        ok(Cli.run(with(SMALL, "--out", run.toString(), "--iters", "5", "--method", "jko", "--steps", "2")));
        Cli.Result r = Cli.run("train", "--out", run.toString(), "--resume", "--iters", "50");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("per-subproblem budget"), r.err());
    }

    @Test
    void epochsSetTheBudgetOnFileData(@TempDir Path dir) throws Exception {
        Path csv = TrainCommandTest.gaussianCsv(dir), run = dir.resolve("run");
        ok(Cli.run("train", "--data", csv.toString(), "--out", run.toString(), "--width", "8", "--nt", "2", "--nt-val", "2", "--batch", "100",
                "--epochs", "2", "--method", "jko", "--steps", "2", "--no-plot"));
        JsonNode train = new ObjectMapper().readTree(run.resolve("config.json").toFile()).get("train");
        int nTrain = org.cnf4j.data.DataSets.load(csv.toString(), 0).nTrain();
        assertEquals(2 * (nTrain / 100), train.get("iters").asInt(), train.toString());
        assertEquals(2, RunModel.load(run).maps().size());
    }

    @Test
    void configFileSelectsJko(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("jko.yaml"), run = dir.resolve("run");
        Files.writeString(yaml, "method: jko\nsteps: 2\niters: 4\ngrad_tol: 0.5\n");
        ok(Cli.run(with(SMALL, "--out", run.toString(), "--config", yaml.toString())));
        JsonNode cfg = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals("jko", cfg.get("method").asText());
        assertEquals(2, cfg.get("jko").get("steps").asInt());
        assertEquals(4, cfg.get("train").get("iters").asInt());
        assertEquals(0.5, cfg.get("train").get("gradTol").asDouble());
        assertEquals(2, RunModel.load(run).maps().size());
    }
}
