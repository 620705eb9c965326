package org.cnf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;
import org.cnf4j.run.ReferenceModel;
import org.cnf4j.train.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every run directory can be continued with --resume, whatever stopped it (a kill before the first checkpoint, a
 * diverged loss, an interrupted save), and ends bit-identical to an uninterrupted run; no temporary file outlives a
 * failed or interrupted write; a directory with nothing resumable in it is reused by a new train.
 */
class ResumableRunTest {
    static final PhiShape SHAPE = new PhiShape(2, 8, 2);
    static final String[] SMALL = {"train", "--data", "8gaussians", "--batch", "256", "--val-batch", "256", "--nt", "2", "--nt-val", "2",
        "--width", "8", "--val-every", "5", "--seed", "3", "--no-plot"};

    static String[] with(String[] base, String... more) {
        return Stream.concat(Stream.of(base), Stream.of(more)).toArray(String[]::new);
    }

    static PhiParams last(Path run) throws IOException { return TrainState.load(run.resolve("checkpoint.bin"), SHAPE).params; }

    /** Names in {@code dir} (and maps/) that start with a dot: cnf4j's temporaries. */
    static List<String> hidden(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            // the run directory's lock file is not a temporary: it stays by design (the OS lock, not the file, counts)
            s.filter(p -> p.getFileName().toString().startsWith(".") && !p.getFileName().toString().equals(org.cnf4j.run.RunLock.FILE)).forEach(p -> out.add(dir.relativize(p).toString()));
        }
        return out;
    }

    /** The resumed run equals an uninterrupted run of the same flags, parameters and best model bit for bit. */
    static void sameAsUninterrupted(Path resumed, Path dir, String... flags) throws IOException {
        Path full = dir.resolve("full");
        Cli.Result r = Cli.run(with(with(SMALL, flags), "--out", full.toString()));
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(last(full).data, last(resumed).data, 0.0, "parameters");
        assertArrayEquals(ReferenceModel.load(full).params().data, ReferenceModel.load(resumed).params().data, 0.0, "best model");
        assertEquals(Files.readAllLines(full.resolve("log.csv")).size(), Files.readAllLines(resumed.resolve("log.csv")).size(), "log lines");
    }

    @Test
    void aRunKilledBeforeItsFirstRegularCheckpointResumes(@TempDir Path dir) throws Exception {
        // --checkpoint-every 1000: before this change such a run had nothing to resume from until its end
        Path killed = dir.resolve("killed");
        List<String> cmd = ChildJvm.command(List.of(), Main.class.getName(), with(SMALL, "--out", killed.toString(), "--iters", "60",
                "--checkpoint-every", "1000"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(killed.resolve("log.csv")) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(5);
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, TrainState.load(killed.resolve("checkpoint.bin"), SHAPE).iteration, Files.readString(dir.resolve("child.log")));
        assertFalse(Files.exists(killed.resolve("weights")));

        Cli.Result r = Cli.run("train", "--out", killed.toString(), "--resume");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("resuming " + killed + " at iteration 0 of 60"), r.out());
        sameAsUninterrupted(killed, dir, "--iters", "60", "--checkpoint-every", "1000");
    }

    @Test
    void aRunWithoutAnyCheckpointStartsAgainFromItsConfiguration(@TempDir Path dir) throws Exception {
        // what an earlier cnf4j left when it was stopped before its first checkpoint: config.json and log.csv only
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run(with(SMALL, "--out", run.toString(), "--iters", "7")).code());
        Files.delete(run.resolve("checkpoint.bin"));
        try (Stream<Path> s = Files.list(run.resolve("weights"))) {
            for (Path f : s.toList()) Files.delete(f);
        }
        Files.delete(run.resolve("weights"));
        Files.write(run.resolve("log.csv"), new byte[0]);   // killed before the log's first flush
        assertEquals(1, Cli.run("eval", "--model", run.toString()).code());
        Path x = Files.writeString(dir.resolve("x.csv"), "0.5,0.5\n");
        Cli.Result notYet = Cli.run("logp", "--model", run.toString(), "--input", x.toString(), "--output", dir.resolve("l.csv").toString());
        assertEquals(1, notYet.code());
        assertEquals("cnf4j: error: " + run + " is not trained yet: training stopped before its first checkpoint wrote weights/; "
                + "continue it with 'cnf4j train --out " + run + " --resume'", notYet.err().strip());

        Cli.Result r = Cli.run("train", "--out", run.toString(), "--resume", "--iters", "12");
        assertEquals(0, r.code(), r.err());
        sameAsUninterrupted(run, dir, "--iters", "12");
    }

    @Test
    void anInterruptedSaveIsRepairedByTheNextStart(@TempDir Path dir) throws Exception {
        // kill -9 in the middle of RunDirectory.saveWeights and of the other writers: weights/ moved aside to .weights.old,
        // a half-written .weights.tmp, and the fixed-name temporaries of checkpoint.bin, log.csv and config.json
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run(with(SMALL, "--out", run.toString(), "--iters", "8", "--checkpoint-every", "4")).code());
        Files.move(run.resolve("weights"), run.resolve(".weights.old"));
        Files.createDirectories(run.resolve(".weights.tmp"));
        Files.write(run.resolve(".weights.tmp/A.npy"), new byte[] {1, 2, 3});
        for (String t : List.of(".checkpoint.bin.tmp", ".log.csv.tmp", ".config.json.tmp")) Files.write(run.resolve(t), new byte[100]);
        Cli.Result r = Cli.run("train", "--out", run.toString(), "--resume", "--iters", "14");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(), hidden(run), "stale temporaries removed");
        sameAsUninterrupted(run, dir, "--iters", "14", "--checkpoint-every", "4");
    }

    @Test
    void aNewTrainReusesADirectoryWithNothingResumableAndNothingElse(@TempDir Path dir) throws Exception {
        Path left = dir.resolve("left");
        Files.createDirectories(left);
        Files.writeString(left.resolve("config.json"), "{\"d\": 2}");
        Files.writeString(left.resolve("log.csv"), "iter,J\n");
        Files.write(left.resolve(".checkpoint.bin.tmp"), new byte[0]);
        Cli.Result r = Cli.run(with(SMALL, "--out", left.toString(), "--iters", "2"));
        assertEquals(0, r.code(), r.err());
        assertEquals(2, TrainState.load(left.resolve("checkpoint.bin"), SHAPE).iteration);

        // a run with a checkpoint is continued, not replaced
        Cli.Result again = Cli.run(with(SMALL, "--out", left.toString(), "--iters", "2"));
        assertEquals(1, again.code());
        assertTrue(again.err().contains("holds a cnf4j training run: continue it with --resume"), again.err());

        // a folder with anything else is never touched
        Path mine = dir.resolve("mine");
        Files.createDirectories(mine);
        Files.writeString(mine.resolve("config.json"), "{}");
        Files.writeString(mine.resolve("notes.txt"), "mine");
        Cli.Result refused = Cli.run(with(SMALL, "--out", mine.toString(), "--iters", "2"));
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("is not empty"), refused.err());
        assertEquals("mine", Files.readString(mine.resolve("notes.txt")));
        assertEquals("{}", Files.readString(mine.resolve("config.json")));
    }

    @Test
    void aDivergedRunStopsQuicklyWithOneLineAndStaysResumable(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        long t0 = System.nanoTime();
        Cli.Result r = Cli.run(with(SMALL, "--out", run.toString(), "--iters", "50", "--lr", "1e300"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(1, r.code(), r.out());
        assertEquals("cnf4j: error: training diverged at iteration 2: 5 non-finite steps in a row even after lowering lr to 6.25e+298; "
                + "try a smaller --lr", r.err().strip());
        assertEquals(4, r.out().lines().filter(l -> l.contains("loss or gradient not finite")).count(), r.out());
        assertTrue(seconds < 30, "ended in " + seconds + " s");
        List<String> log = Files.readAllLines(run.resolve("log.csv"));
        assertEquals("# iter 2: 5 non-finite steps in a row, the last at lr 6.25e+298; training stopped", log.get(log.size() - 1));
        assertEquals(List.of(), hidden(run));
        // the run keeps its last good checkpoint; resumed, it meets the same steps and says so again
        assertEquals(0, TrainState.load(run.resolve("checkpoint.bin"), SHAPE).iteration);
        Cli.Result again = Cli.run("train", "--out", run.toString(), "--resume");
        assertEquals(r.err(), again.err());
        Cli.Result eval = Cli.run("eval", "--model", run.toString());
        assertEquals(1, eval.code());
        assertTrue(eval.err().contains("is not trained yet"), eval.err());
    }

    @Test
    void aCheckpointThatCannotBeWrittenLeavesNoTemporaryAndTheOldCheckpoint(@TempDir Path dir) throws Exception {
        // a full disk during the save: the temporary name points at /dev/full, so writing it fails with ENOSPC
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run(with(SMALL, "--out", run.toString(), "--iters", "3")).code());
        byte[] before = Files.readAllBytes(run.resolve("checkpoint.bin"));
        TrainState st = TrainState.load(run.resolve("checkpoint.bin"), SHAPE);
        st.iteration = 99;
        Path tmp = TrainState.tempFile(run.resolve("checkpoint.bin"));
        Files.createSymbolicLink(tmp, Path.of("/dev/full"));
        assertThrows(IOException.class, () -> st.save(run.resolve("checkpoint.bin")));
        assertFalse(Files.exists(tmp, java.nio.file.LinkOption.NOFOLLOW_LINKS), "temporary removed");
        assertArrayEquals(before, Files.readAllBytes(run.resolve("checkpoint.bin")), "the old checkpoint stays");
    }

    @Test
    void sigtermDuringSampleLeavesNoTemporaryFile(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("tiny");
        assertEquals(0, Cli.run("train", "--data", "8gaussians", "--width", "2", "--iters", "1", "--batch", "16", "--val-batch", "16", "--nt", "1",
                "--nt-val", "1", "--out", run.toString(), "--no-plot").code());
        Path outDir = Files.createDirectories(dir.resolve("out")), out = outDir.resolve("big.csv");
        List<String> cmd = ChildJvm.command(List.of("-Xmx1g"), Main.class.getName(), "sample", "--model", run.toString(), "-n", "3000000",
                "--nt", "1", "--output", out.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (hidden(outDir).isEmpty() && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(2);
        assertFalse(hidden(outDir).isEmpty(), "the child was writing its temporary: " + Files.readString(dir.resolve("child.log")));
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, p.exitValue(), "stopped before it finished: " + Files.readString(dir.resolve("child.log")));
        assertEquals(List.of(), hidden(outDir), "the shutdown hook deleted the temporary");
        assertFalse(Files.exists(out));
    }
}
