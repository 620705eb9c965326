package org.cnf4j.spark.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.cnf4j.spark.BadRowException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code cnf4j-spark}: cnf4j's scoring and sampling as Spark jobs. Exit codes as the core's command
 * line: 0 ok, 2 usage error (bad flag or value, unknown column, existing output), 1 data or runtime error (missing
 * file, failed job, bad row under --on-bad-row fail); errors are one line on stderr.
 */
@Command(name = "cnf4j-spark", mixinStandardHelpOptions = true, version = "cnf4j-spark 0.1.0",
        description = "cnf4j on Apache Spark: log-densities and samples of trained flows, grids of training runs, and data-parallel training, as Spark jobs.",
        subcommands = {ScoreCommand.class, SampleCommand.class, SweepCommand.class, TrainCommand.class, AlphaSweepCommand.class})
public final class SparkMain implements Runnable {
    @Override public void run() { CommandLine.usage(this, System.out); }

    public static void main(String[] args) {
        quietLogging(args);
        int rc = execute(args);
        // stop Spark before the JVM exits, so executors are released cleanly (as spark-submit expects of an application)
        org.apache.spark.sql.SparkSession.getDefaultSession().foreach(s -> {
            s.stop();
            return null;
        });
        System.exit(rc);
    }

    /**
     * Spark's INFO log is not for the command line: unless the user configured log4j2 or said --verbose, the module's
     * own configuration (warnings and errors on stderr) is used.
     */
    static void quietLogging(String[] args) {
        if (System.getProperty("log4j2.configurationFile") != null || System.getProperty("log4j.configurationFile") != null) return;
        if (java.util.Arrays.asList(args).contains("--verbose")) return;
        var url = SparkMain.class.getResource("/org/cnf4j/spark/log4j2-cli.properties");
        if (url != null) System.setProperty("log4j2.configurationFile", url.toString());
    }

    /** Runs a command line and returns the exit code. */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new SparkMain());
        TrainCommand.addTrainOptions(cl.getSubcommands().get("train").getCommandSpec());
        boolean verboseWord = java.util.Arrays.asList(args).contains("--verbose");
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (verboseWord) ex.printStackTrace(cmd.getErr());
            cmd.getErr().println("cnf4j-spark: error: " + message(ex));
            cmd.getErr().flush();
            return usage(ex) ? 2 : 1;
        });
        cl.setParameterExceptionHandler((ex, strings) -> {
            String name = ex.getCommandLine().getCommandSpec().qualifiedName();
            ex.getCommandLine().getErr().println("cnf4j-spark: error: " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
            ex.getCommandLine().getErr().flush();
            return 2;
        });
        return cl.execute(args);
    }

    private static boolean usage(Throwable ex) {
        return ex instanceof IllegalArgumentException && find(ex, BadRowException.class) == null;
    }

    /** A one-line description: a bad row's own message from inside a failed Spark job, else the error's first line. */
    static String message(Throwable ex) {
        BadRowException bad = find(ex, BadRowException.class);
        if (bad != null) return bad.getMessage();
        String marker = BadRowException.class.getName() + ": ";
        for (Throwable t = ex; t != null; t = t.getCause()) {
            String m = t.getMessage();
            int at = m == null ? -1 : m.indexOf(marker);
            if (at >= 0) return oneLine(m.substring(at + marker.length()));
        }
        if (ex instanceof NoSuchFileException e && e.getReason() == null && e.getFile() != null) return e.getFile() + ": file not found";
        if (ex instanceof AccessDeniedException e && e.getReason() == null && e.getFile() != null) return e.getFile() + ": permission denied";
        Throwable task = taskFailure(ex);
        if (task != null) return message(task);
        if (ex instanceof OutOfMemoryError) return "out of memory: give Spark more (--conf spark.driver.memory=..., spark.executor.memory=...)";
        String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        return oneLine(msg);
    }

    /** Inside a failed Spark job: the task's own exception (cnf4j's, not Spark's wrapper), if it came back. */
    private static Throwable taskFailure(Throwable ex) {
        if (!(ex instanceof org.apache.spark.SparkException)) return null;
        for (Throwable t = ex.getCause(); t != null; t = t.getCause()) {
            if (!t.getClass().getName().startsWith("org.apache.spark.") && t.getMessage() != null) return t;
        }
        return null;
    }

    private static <T extends Throwable> T find(Throwable ex, Class<T> type) {
        for (Throwable t = ex; t != null; t = t.getCause()) if (type.isInstance(t)) return type.cast(t);
        return null;
    }

    static String oneLine(String s) {
        if (s == null) return "";
        String first = s.strip().lines().findFirst().orElse("");
        return first.length() > 400 ? first.substring(0, 400) + "..." : first;
    }
}
