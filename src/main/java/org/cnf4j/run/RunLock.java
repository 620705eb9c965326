package org.cnf4j.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The one-writer lock of a run directory: an OS file lock ({@link FileChannel#tryLock}) on {@code RUN_DIR/.lock},
 * held while a training run, a resume, an import or {@code FittedFlow.save} writes into the directory, with the
 * holder's PID written inside so that a second writer can say who has it. The OS drops the lock when the process
 * dies, even by kill -9: the file may stay behind, but it is no longer locked and the next writer takes it.
 *
 * <p>Within one JVM the lock file is opened at most once: on Linux, closing any channel of a file releases every
 * lock this process holds on it, so a second open-and-close here would silently free the first holder's lock for
 * other processes. {@link #HELD} therefore answers "in use" for directories this JVM already holds, without
 * touching the file.
 */
public final class RunLock implements AutoCloseable {
    /** The lock file's name; a dot-file, so copies of a run skip it and it never counts as a run's content. */
    public static final String FILE = ".lock";

    /** Lock files (real paths) that this JVM holds, with their locks. */
    private static final Map<Path, RunLock> HELD = new HashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of the existing folder {@code dir}, creating {@code dir/.lock} if it is missing but writing
     * nothing into it (see {@link #stamp}). Another holder, in this process or another, gives {@link InUseException}.
     */
    static RunLock acquire(Path dir) throws IOException {
        return take(dir, true);
    }

    /** Throws {@link InUseException} if some process holds {@code dir}'s lock; creates and writes nothing. */
    static void checkFree(Path dir) throws IOException {
        if (!Files.exists(dir.resolve(FILE))) return;
        RunLock probe = take(dir, false);
        if (probe != null) probe.close();
    }

    private static RunLock take(Path dir, boolean create) throws IOException {
        Path file = dir.toRealPath().resolve(FILE);
        synchronized (HELD) {
            if (HELD.containsKey(file)) throw new InUseException(dir, ProcessHandle.current().pid());
            FileChannel ch;
            try {
                ch = create ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                        : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (NoSuchFileException e) {
                if (create) throw e;
                return null;   // removed since we looked: nobody holds it
            }
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;   // a channel of this JVM outside this class holds it
            } catch (IOException e) {
                ch.close();
                throw new IOException("cannot lock " + file + " (" + e.getMessage() + "): the file system must support file locks");
            }
            if (lock == null) {
                long pid = holder(ch);
                ch.close();
                throw new InUseException(dir, pid);
            }
            RunLock l = new RunLock(file, ch, lock);
            HELD.put(file, l);
            return l;
        }
    }

    /** The PID the holder wrote, or -1 while it has not written it yet (it writes right after locking). */
    private static long holder(FileChannel ch) throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
            if (s.matches("\\d+")) return Long.parseLong(s);
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return -1;
    }

    /** Writes this process's PID into the lock file (replacing a dead holder's), for a second writer's message. */
    void stamp() throws IOException {
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        channel.force(false);
    }

    /** Releases the lock; the file stays (removing it would race with a writer that has just opened it). */
    @Override
    public void close() throws IOException {
        synchronized (HELD) {
            if (HELD.get(file) != this) return;
            HELD.remove(file);
            try {
                if (lock.isValid()) lock.release();
            } finally {
                channel.close();
            }
        }
    }

    /** A run directory that another writer holds: exit 1 on the command line, with the holder's PID. */
    public static final class InUseException extends IOException {
        private final long pid;

        InUseException(Path dir, long pid) {
            super(dir + " is in use by another " + (pid == ProcessHandle.current().pid() ? "run in this cnf4j process" : "cnf4j process")
                    + " (pid " + (pid > 0 ? Long.toString(pid) : "unknown") + "); wait for it or choose another --out");
            this.pid = pid;
        }

        /** The holder's PID; -1 if it had not written it yet. */
        public long pid() { return pid; }
    }
}
