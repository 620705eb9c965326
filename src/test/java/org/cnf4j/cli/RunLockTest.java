package org.cnf4j.cli;

import static org.cnf4j.testing.Fixtures.swissroll;
import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.cnf4j.api.Cnf4j;
import org.cnf4j.api.FittedFlow;
import org.cnf4j.run.RunDirectory;
import org.cnf4j.run.RunLock;
import org.cnf4j.testing.RunLockHolder;
import org.cnf4j.testing.TreeSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per run directory: a second train, resume, import or save on a directory that another process
 * (a {@link RunLockHolder}) writes is refused with exit 1 and the holder's PID and changes nothing there; readers
 * are not held up; a holder killed with SIGKILL leaves no lock behind; of two fresh runs on one folder, in two
 * processes or two threads, exactly one wins.
 */
class RunLockTest {
    static final String[] SMALL = {"--batch", "128", "--val-batch", "128", "--nt", "2", "--nt-val", "2", "--width", "8",
        "--val-every", "2", "--checkpoint-every", "2", "--no-plot"};

    /** A started holder and the first line it printed. */
    record Holder(Process process, String line) {
        long pid() { return process.pid(); }
    }

    static Holder hold(String mode, Path dir) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                RunLockHolder.class.getName(), mode, dir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        assertNotNull(line, "the holder printed nothing");
        return new Holder(p, line);
    }

    /** Runs {@code task} twice at once, in two threads released together; what each returned or threw. */
    static Object[] twice(Callable<Object> task) throws InterruptedException {
        CyclicBarrier go = new CyclicBarrier(2);
        Object[] outcome = new Object[2];
        Thread[] ts = new Thread[2];
        for (int i = 0; i < 2; i++) {
            int k = i;
            ts[i] = new Thread(() -> {
                try {
                    go.await();
                    outcome[k] = task.call();
                } catch (Exception e) {
                    outcome[k] = e;
                }
            });
            ts[i].start();
        }
        for (Thread t : ts) t.join();
        return outcome;
    }

    static String[] train(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", "8gaussians", "--out", out.toString()));
        a.addAll(List.of(SMALL));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static void inUse(Path dir, long pid, String... args) throws Exception {
        Map<String, String> before = TreeSnapshot.of(dir);
        Cli.Result r = Cli.run(args);
        assertEquals(1, r.code(), String.join(" ", args) + ": " + r.err());
        assertEquals("cnf4j: error: " + dir + " is in use by another cnf4j process (pid " + pid + "); wait for it or choose another --out", r.err().strip());
        assertEquals(before, TreeSnapshot.of(dir), "the refused command changed the run directory");
    }

    @Test
    void aSecondWriterIsRefusedWithTheHoldersPidReadersAreNotAndSigkillFreesTheLock(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run(train(run, "--iters", "4")).code());
        Holder h = hold("resume", run);
        try {
            assertEquals("held " + h.pid(), h.line());
            assertEquals(Long.toString(h.pid()), Files.readString(run.resolve(RunLock.FILE)).strip(), "the holder's PID is in the lock file");
            inUse(run, h.pid(), "train", "--out", run.toString(), "--resume", "--iters", "6");
            inUse(run, h.pid(), train(run, "--iters", "6"));
            inUse(run, h.pid(), "import-otflow", "--weights", swissroll().resolve("weights").toString(), "--config",
                    swissroll().resolve("config.json").toString(), "--out", run.toString());
            try (FittedFlow other = Cnf4j.otFlow().width(8).iterations(1).batch(64).nt(2).ntValidation(2).fit("8gaussians")) {
                RunLock.InUseException e = assertThrows(RunLock.InUseException.class, () -> other.save(run));
                assertEquals(h.pid(), e.pid());
            }
            // readers do not take the lock
            assertEquals(0, Cli.run("eval", "--model", run.toString(), "--mmd-n", "20", "--output", dir.resolve("e.json").toString()).code());
            assertEquals(0, Cli.run("sample", "--model", run.toString(), "-n", "4", "--output", dir.resolve("s.npy").toString()).code());
            assertEquals(0, Cli.run("plot", "--model", run.toString(), "--out", dir.resolve("p.png").toString(), "--grid", "4", "--samples", "20").code());
            try (FittedFlow f = Cnf4j.load(run)) {
                f.save(dir.resolve("copy"));
            }
            assertTrue(Files.isRegularFile(dir.resolve("copy/weights/A.npy")));
        } finally {
            h.process().destroyForcibly();   // SIGKILL: no chance to release anything
            assertTrue(h.process().waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(Files.exists(run.resolve(RunLock.FILE)), "the killed holder's lock file stays behind");
        Cli.Result r = Cli.run("train", "--out", run.toString(), "--resume", "--iters", "6");
        assertEquals(0, r.code(), "the lock died with its holder: " + r.err());
        assertEquals(Long.toString(ProcessHandle.current().pid()), Files.readString(run.resolve(RunLock.FILE)).strip());
    }

    @Test
    void ofTwoProcessesStartingOneFreshRunExactlyOneWins(@TempDir Path dir) throws Exception {
        Path fresh = dir.resolve("fresh");
        List<Holder> hs = new ArrayList<>();
        try {
            Object[] got = twice(() -> hold("create", fresh));
            for (Object o : got) if (o instanceof Holder x) hs.add(x);
            for (Object o : got) if (o instanceof Exception e) throw e;
            Holder winner = hs.stream().filter(x -> x.line().startsWith("held")).findFirst().orElseThrow(() -> new AssertionError(
                    "no process got the lock: " + hs.get(0).line() + " / " + hs.get(1).line()));
            Holder loser = hs.get(0) == winner ? hs.get(1) : hs.get(0);
            assertEquals("in-use " + winner.pid(), loser.line(), "the other process must see the winner's lock");
            assertTrue(loser.process().waitFor(30, TimeUnit.SECONDS));
            assertEquals(3, loser.process().exitValue());
            assertEquals(Map.of("", "dir", RunLock.FILE, java.util.Base64.getEncoder().encodeToString((winner.pid() + "\n").getBytes())),
                    TreeSnapshot.of(fresh), "the loser wrote nothing");
        } finally {
            for (Holder x : hs) x.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void ofTwoThreadsStartingOneFreshRunExactlyOneWins(@TempDir Path dir) throws Exception {
        for (int round = 0; round < 10; round++) {
            Path fresh = dir.resolve("fresh" + round);
            Object[] outcome = twice(() -> RunDirectory.create(fresh));
            long won = java.util.Arrays.stream(outcome).filter(o -> o instanceof RunDirectory).count();
            assertEquals(1, won, "round " + round + ": " + java.util.Arrays.toString(outcome));
            for (Object o : outcome) {
                if (o instanceof RunDirectory rd) rd.close();
                else assertInstanceOf(RunLock.InUseException.class, o, "round " + round);
            }
        }
    }
}
