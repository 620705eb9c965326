package org.cnf4j.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.cnf4j.format.MissingFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the cnf4j command-line tool. Commands parse and validate, then call the library. */
@Command(name = "cnf4j", mixinStandardHelpOptions = true, version = "cnf4j 0.1.0",
        description = "Continuous normalizing flows with optimal-transport regularisation (OT-Flow).",
        subcommands = {TrainCommand.class, EvalCommand.class, LogpCommand.class, SampleCommand.class, ImportOtflowCommand.class,
            PlotCommand.class, BenchCommand.class, ExperimentCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {
    /** No command: the usage goes to stderr and the exit code says so (2), as for any other incomplete command line. */
    @Override
    public Integer call() {
        CommandLine.usage(this, System.err);
        return 2;
    }

    public static void main(String[] args) { System.exit(execute(args)); }

    /** Runs a command line and returns the exit code (0 ok, 1 data/runtime error, 2 usage error). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        // --verbose is EngineMixin's option where a command has it; a command line that did not parse is
        // scanned for the word, since there is no parse result to ask
        boolean verboseWord = java.util.Arrays.asList(args).contains("--verbose");
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (verbose(cmd)) ex.printStackTrace(cmd.getErr());
            cmd.getErr().println("cnf4j: error: " + message(ex));
            cmd.getErr().flush();
            return ex instanceof IllegalArgumentException ? 2 : 1;
        });
        cl.setParameterExceptionHandler((ex, strings) -> {
            if (verboseWord) ex.printStackTrace(ex.getCommandLine().getErr());
            String name = ex.getCommandLine().getCommandSpec().qualifiedName();
            ex.getCommandLine().getErr().println("cnf4j: error: " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
            ex.getCommandLine().getErr().flush();
            return 2;
        });
        return cl.execute(args);
    }

    /** Whether the command that failed was given --verbose (through its {@link EngineMixin} or {@link VerboseOption}). */
    private static boolean verbose(CommandLine cmd) {
        for (Object mixin : cmd.getMixins().values()) {
            if (mixin instanceof EngineMixin m && m.verbose) return true;
            if (mixin instanceof VerboseOption v && v.verbose) return true;
        }
        return false;
    }

    /** A one-line description of an error for stderr. */
    static String message(Throwable ex) {
        if (ex instanceof NoSuchFileException e && e.getReason() == null && e.getFile() != null) return e.getFile() + ": file not found";
        if (ex instanceof AccessDeniedException e && e.getReason() == null && e.getFile() != null) return e.getFile() + ": permission denied";
        // ELOOP arrives as a FileSystemException with the OS text as reason, or (from a file walk) a bare FileSystemLoopException
        if (ex instanceof FileSystemException e && e.getFile() != null && MissingFile.isLoop(e)) return MissingFile.loop(Path.of(e.getFile())).getMessage();
        if (ex instanceof com.fasterxml.jackson.core.JacksonException e) return "not valid JSON: " + oneLine(e.getOriginalMessage());
        if (ex instanceof OutOfMemoryError) return "out of memory: use a smaller batch or more heap (CNF4J_JAVA_OPTS=-Xmx...)";
        String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        return oneLine(msg);
    }

    static String oneLine(String s) {
        if (s == null) return "";
        String first = s.strip().lines().findFirst().orElse("");
        return first.length() > 400 ? first.substring(0, 400) + "..." : first;
    }
}
