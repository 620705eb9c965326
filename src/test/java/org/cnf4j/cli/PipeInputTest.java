package org.cnf4j.cli;

import static org.cnf4j.testing.Fixtures.swissroll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cnf4j.testing.Fifo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that reads a matrix reads a pipe or FIFO exactly as it reads the regular file with the same bytes:
 * the format sniffing used to eat the first 6 bytes, turning the first row into garbage with exit 0. The timeouts
 * run in a separate thread because a FIFO opened a second time blocks for ever, which is one of the failures caught.
 */
class PipeInputTest {
    @TempDir static Path dir;
    static Path model;

    @BeforeAll
    static void importModel() {
        model = Cli.importSwissroll(dir.resolve("model"));
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void logpReadsStdinThroughARealPipe() throws Exception {
        Path inputs = swissroll().resolve("inputs.npy");
        Path want = dir.resolve("from-file.csv"), got = dir.resolve("from-pipe.csv");
        assertEquals(0, Cli.run("logp", "--model", model.toString(), "--input", inputs.toString(), "--output", want.toString()).code());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // cat | java ... --input /dev/stdin: a real pipe between two processes, as a user types it
        Process p = new ProcessBuilder("bash", "-c", "cat \"$1\" | \"$2\" -cp \"$3\" org.cnf4j.cli.Main logp --model \"$4\" --input /dev/stdin --output \"$5\"",
                "bash", inputs.toString(), java, System.getProperty("java.class.path"), model.toString(), got.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("pipe.log").toFile()).start();
        assertTrue(p.waitFor(100, TimeUnit.SECONDS), "the piped logp finished");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("pipe.log")));
        assertEquals(Files.readString(want), Files.readString(got), "the same log-densities through the pipe as from the file");
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void trainLogpAndEvalReadAFifoLikeTheFile() throws Exception {
        Path csv = Files.writeString(dir.resolve("points.csv"), "x,y\n" + BadInputTest.csvRows(240, 2));
        byte[] bytes = Files.readAllBytes(csv);
        String[] small = {"--width", "8", "--batch", "64", "--nt", "2", "--nt-val", "2", "--iters", "3", "--val-every", "1"};

        // train, with the plot at the end: it must reuse the rows it read, not open the FIFO again (which would block)
        Path fromFile = dir.resolve("run-file"), fromFifo = dir.resolve("run-fifo");
        assertEquals(0, Cli.run(concat(List.of("train", "--data", csv.toString(), "--out", fromFile.toString()), small)).code());
        Path fifo = Fifo.feed(dir.resolve("train-fifo"), bytes);
        Cli.Result r = Cli.run(concat(List.of("train", "--data", fifo.toString(), "--out", fromFifo.toString()), small));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(fromFifo.resolve("plot.png")));
        try (var keys = Files.list(fromFile.resolve("weights"))) {
            for (Path w : (Iterable<Path>) keys::iterator) {
                assertArrayEquals(Files.readAllBytes(w), Files.readAllBytes(fromFifo.resolve("weights").resolve(w.getFileName())), w.getFileName().toString());
            }
        }

        Path want = dir.resolve("logp-file.csv"), got = dir.resolve("logp-fifo.csv");
        assertEquals(0, Cli.run("logp", "--model", fromFile.toString(), "--input", csv.toString(), "--output", want.toString()).code());
        Path logpFifo = Fifo.feed(dir.resolve("logp-fifo"), bytes);
        assertEquals(0, Cli.run("logp", "--model", fromFile.toString(), "--input", logpFifo.toString(), "--output", got.toString()).code());
        assertEquals(Files.readString(want), Files.readString(got));

        // eval --data: both sources are "other data than the run's", so both take the same path through the model
        Path copy = Files.write(dir.resolve("copy.csv"), bytes);
        Path evalFile = dir.resolve("eval-file.json"), evalFifo = dir.resolve("eval-fifo.json");
        assertEquals(0, Cli.run("eval", "--model", fromFile.toString(), "--data", copy.toString(), "--mmd-n", "20", "--output", evalFile.toString()).code());
        Path evalIn = Fifo.feed(dir.resolve("eval-fifo"), bytes);
        assertEquals(0, Cli.run("eval", "--model", fromFile.toString(), "--data", evalIn.toString(), "--mmd-n", "20", "--output", evalFifo.toString()).code());
        ObjectMapper om = new ObjectMapper();
        assertEquals(om.readTree(evalFile.toFile()).get("test_nll").asDouble(), om.readTree(evalFifo.toFile()).get("test_nll").asDouble(), 0.0);
    }

    private static String[] concat(List<String> head, String[] tail) {
        String[] all = head.toArray(new String[head.size() + tail.length]);
        System.arraycopy(tail, 0, all, head.size(), tail.length);
        return all;
    }
}
