package org.cnf4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the cnf4j command-line tool. Commands parse and validate, then call the library. */
@Command(name = "cnf4j", mixinStandardHelpOptions = true, version = "cnf4j 0.1.0",
        description = "Continuous normalizing flows with optimal-transport regularisation (OT-Flow).",
        subcommands = {TrainCommand.class, BenchCommand.class})
public final class Main implements Runnable {
    @Override public void run() { CommandLine.usage(this, System.out); }

    public static void main(String[] args) { System.exit(execute(args)); }

    /** Runs a command line and returns the exit code (0 ok, 1 data/runtime error, 2 usage error). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
            if (verbose) ex.printStackTrace(cmd.getErr());
            String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            cmd.getErr().println("cnf4j: error: " + msg);
            return ex instanceof IllegalArgumentException ? 2 : 1;
        });
        return cl.execute(args);
    }
}
