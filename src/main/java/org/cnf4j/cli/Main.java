package org.cnf4j.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.cnf4j.engine.MemoryEstimate;
import org.cnf4j.engine.NotEnoughMemoryException;
import org.cnf4j.format.MissingFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the cnf4j command-line tool. Commands parse and validate, then call the library. */
@Command(name = "cnf4j", mixinStandardHelpOptions = true, version = "cnf4j 0.1.0",
        description = "Continuous normalizing flows with optimal-transport regularisation (OT-Flow).",
        subcommands = {TrainCommand.class, EvalCommand.class, LogpCommand.class, SampleCommand.class, ImportOtflowCommand.class, ExportCommand.class,
            PlotCommand.class, BenchCommand.class, BaselineCommand.class, ExperimentCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {
    /** No command: the usage goes to stderr and the exit code says so (2), as for any other incomplete command line. */
    @Override
    public Integer call() {
        CommandLine.usage(this, System.err);
        return 2;
    }

    public static void main(String[] args) {
        installUncaughtHandler(java.util.Arrays.asList(args).contains("--verbose"));
        System.exit(execute(args));
    }

    /**
     * A thread other than the command's own that dies (a library's background thread, say of an OutOfMemoryError)
     * leaves a result nobody can trust: say so in the one error line and exit 1. System.exit runs the shutdown hook
     * that deletes the temporaries of writes in progress. Only {@link #main} installs it: {@link #execute} runs
     * inside other programs (the tests) that keep their own.
     */
    static void installUncaughtHandler(boolean verbose) {
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            try {
                if (verbose) e.printStackTrace();
                System.err.println("cnf4j: error: " + message(e) + " (in thread " + t.getName() + ")");
                System.err.flush();
            } finally {
                System.exit(1);
            }
        });
    }

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
        try {
            return cl.execute(args);
        } catch (Error e) {
            // picocli's handlers take Exceptions only: an OutOfMemoryError (from the command's thread, or a worker's
            // rethrown by the engine) or a StackOverflowError arrives here, and gets the same one line
            if (verboseWord) e.printStackTrace(cl.getErr());
            cl.getErr().println("cnf4j: error: " + message(e));
            cl.getErr().flush();
            return 1;
        }
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
        // these carry only the path as their message: say what is wrong with it
        if (ex instanceof FileAlreadyExistsException e && e.getReason() == null && e.getFile() != null) {
            boolean file = Files.isRegularFile(Path.of(e.getFile()));
            return e.getFile() + ": already exists" + (file ? " as a file, where a folder is needed" : "") + "; choose another path or remove it";
        }
        if (ex instanceof NotDirectoryException e && e.getReason() == null && e.getFile() != null) return e.getFile() + ": not a folder, where one is needed";
        if (ex instanceof DirectoryNotEmptyException e && e.getReason() == null && e.getFile() != null) return e.getFile() + ": folder not empty";
        // ELOOP arrives as a FileSystemException with the OS text as reason, or (from a file walk) a bare FileSystemLoopException
        if (ex instanceof FileSystemException e && e.getFile() != null && MissingFile.isLoop(e)) return MissingFile.loop(Path.of(e.getFile())).getMessage();
        if (ex instanceof com.fasterxml.jackson.core.JacksonException e) return "not valid JSON: " + oneLine(e.getOriginalMessage());
        if (ex instanceof NotEnoughMemoryException e) return e.getMessage() + "; with the cnf4j launcher: " + launcherSetting(e);
        for (Throwable c = ex; c != null; c = c.getCause()) if (c instanceof OutOfMemoryError oom) return outOfMemory(oom);
        String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
        // ENOSPC: every write is atomic, so what was there is intact and a training run keeps its last checkpoint
        if (msg.contains("No space left on device")) {
            return oneLine(msg) + "; free some space on that disk and run the command again (a training run continues with train --out RUN_DIR --resume)";
        }
        return oneLine(msg);
    }

    /** The launcher's setting that raises the limit a memory estimate exceeded, with a quarter to spare. */
    private static String launcherSetting(NotEnoughMemoryException e) {
        long gb = (long) Math.ceil(e.needBytes() * 1.25 / (1L << 30));
        return switch (e.kind()) {
            case HEAP -> "CNF4J_JAVA_OPTS=-Xmx" + gb + "g";
            case PHYSICAL -> "CNF4J_MAXPHYS=" + gb + "G";
        };
    }

    /** Which memory ran out (JavaCPP names its off-heap limits in the message) and what to change. */
    static String outOfMemory(OutOfMemoryError e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (m.contains("physicalBytes") || m.contains("maxBytes") || m.contains("Direct buffer")) {
            return "out of off-heap memory (" + oneLine(m) + "): use a smaller --batch, --width or -n, or raise the limit "
                    + "(CNF4J_MAXPHYS=... with the cnf4j launcher)";
        }
        return "out of memory (" + (m.isEmpty() ? "the Java heap" : oneLine(m)) + ", at most " + MemoryEstimate.size(Runtime.getRuntime().maxMemory())
                + "): use a smaller --batch, --width or -n, or give cnf4j more heap (CNF4J_JAVA_OPTS=-Xmx... with the cnf4j launcher)";
    }

    static String oneLine(String s) {
        if (s == null) return "";
        String first = s.strip().lines().findFirst().orElse("");
        return first.length() > 400 ? first.substring(0, 400) + "..." : first;
    }
}
