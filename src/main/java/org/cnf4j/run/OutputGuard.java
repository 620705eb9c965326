package org.cnf4j.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Keeps what a command writes away from what it reads: {@code logp --output} must not replace the {@code --input}
 * rows, no output may land on a model file, {@code train --out} must not swallow its data. Paths are compared as the
 * file system resolves them ({@link #real}), so a symbolic link or a {@code ..} does not get around the check, and an
 * existing output that is a hard link of an input is caught too. A refusal is an IllegalArgumentException (a usage
 * error, exit 2) thrown before anything is written.
 */
public final class OutputGuard {
    /** What a run directory holds for its model and its training: no command's output may replace one of these. */
    public static final Set<String> RUN_FILES = Set.of("config.json", "weights", "maps", "checkpoint.bin", "log.csv", RunLock.FILE);

    private OutputGuard() {}

    /**
     * {@code out} (what {@code outFlag} writes: a file, or a folder such as a run directory) must not be {@code in},
     * lie inside it, or hold it; {@code inWhat} names the input in the message ("the --input file"). Null paths pass.
     */
    public static void apart(String outFlag, Path out, String inWhat, Path in) throws IOException {
        if (out == null || in == null) return;
        // a folder named as an input file is the input's error, not the output's ("lies inside the --data file /tmp")
        // (an IOException, exit 1, as the readers' own "is a directory, not a data file")
        if (inWhat.endsWith(" file") && Files.isDirectory(in)) throw new IOException(in + " is a folder; " + inWhat + " must be a file");
        Path o = real(out), i = real(in);
        if (o.equals(i) || (Files.exists(out) && Files.exists(in) && Files.isSameFile(out, in))) {
            throw refused(outFlag, out, "is " + inWhat + " (" + in + ")");
        }
        if (o.startsWith(i)) throw refused(outFlag, out, "lies inside " + inWhat + " " + in);
        if (i.startsWith(o)) throw refused(outFlag, out, "holds " + inWhat + " " + in);
    }

    /**
     * For a result that may sit beside the model it describes (eval.json, plot.png): {@code out} may be a new file at
     * the top of run directory {@code run}, but not one of its {@link #RUN_FILES}, a temporary (dot) file, anything
     * below its folders, nor the run directory itself or a folder above it. Outside the run anything goes.
     */
    public static void besideRun(String outFlag, Path out, Path run) throws IOException {
        if (out == null || run == null) return;
        Path o = real(out), r = real(run);
        if (!o.startsWith(r) && !r.startsWith(o)) return;
        if (o.equals(r) || r.startsWith(o)) throw refused(outFlag, out, "is or holds the run directory " + run);
        Path inRun = r.relativize(o);
        String top = inRun.getName(0).toString();
        if (inRun.getNameCount() > 1) throw refused(outFlag, out, "lies inside the run's " + top + " folder in " + run);
        if (isRunFile(top)) throw refused(outFlag, out, "is the run's own " + top + " in " + run);
    }

    /**
     * {@code out} must not replace a file of any cnf4j run directory, whichever run the command itself reads: one of
     * the {@link #RUN_FILES} or a dot file at the top of a run, or anything in a run's weights or maps folder. A run is a
     * folder with a config.json beside weights, maps or a checkpoint. ({@link #besideRun} and {@link #apart} guard the
     * command's own run; this keeps every other one whole, e.g. from {@code baseline --output OTHER_RUN/config.json}.)
     */
    public static void notIntoARun(String outFlag, Path out) throws IOException {
        if (out == null) return;
        Path o = real(out);
        for (Path at = o.getParent(); at != null; at = at.getParent()) {
            if (!isRun(at)) continue;
            Path inRun = at.relativize(o);
            String top = inRun.getName(0).toString();
            if (inRun.getNameCount() > 1 && (top.equals("weights") || top.equals("maps"))) {
                throw refused(outFlag, out, "lies inside the " + top + " folder of the run " + at);
            }
            if (inRun.getNameCount() == 1 && isRunFile(top)) {
                throw refused(outFlag, out, "is the " + top + " of the run " + at);
            }
        }
    }

    /** Whether a name at the top of a run directory is the run's own: one of {@link #RUN_FILES}, or a dot (temporary) file. */
    private static boolean isRunFile(String top) {
        return RUN_FILES.contains(top) || top.startsWith(".");
    }

    /** Whether {@code dir} holds a cnf4j run: a config.json beside its weights or maps folder or its checkpoint. */
    static boolean isRun(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json")) && (Files.isDirectory(dir.resolve("weights"))
                || Files.isDirectory(dir.resolve("maps")) || Files.isRegularFile(dir.resolve("checkpoint.bin")));
    }

    private static IllegalArgumentException refused(String flag, Path out, String why) {
        return new IllegalArgumentException(flag + " " + out + " " + why + ": choose another " + flag + " (nothing was written)");
    }

    /**
     * The path the file system means by {@code p}: the real path of its nearest existing ancestor (links and
     * {@code ..} resolved by the OS) with the rest appended and normalised. A dangling link resolves to its target,
     * since writing through it would create that.
     */
    public static Path real(Path p) throws IOException {
        return real(p.toAbsolutePath(), 0);
    }

    private static Path real(Path abs, int links) throws IOException {
        Path rest = abs.getFileSystem().getPath("");
        for (Path at = abs; at != null; at = at.getParent()) {
            if (Files.exists(at)) {
                try {
                    return at.toRealPath().resolve(rest).normalize();
                } catch (NoSuchFileException e) {
                    // a pipe or socket behind /dev/stdin or /proc/self/fd/N exists but has no path: it is its own name
                    return at.normalize().resolve(rest).normalize();
                }
            }
            if (Files.isSymbolicLink(at) && links < 40) {
                Path target = at.resolveSibling(Files.readSymbolicLink(at));
                return real(target.resolve(rest), links + 1);
            }
            if (Files.exists(at, LinkOption.NOFOLLOW_LINKS)) break;   // a link loop: no file can be created through it
            rest = at.getFileName().resolve(rest);
        }
        return abs.normalize();
    }
}
