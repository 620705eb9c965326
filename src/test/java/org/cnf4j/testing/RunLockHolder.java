package org.cnf4j.testing;

import java.nio.file.Path;
import org.cnf4j.run.RunDirectory;
import org.cnf4j.run.RunLock;

/**
 * A second process for the lock tests: {@code create DIR} takes a fresh run directory as a new run does, {@code resume
 * DIR} an existing one as --resume does. It prints "held PID" (or "in-use PID" of the holder, and exits 3), then keeps
 * the lock until its standard input closes, or until it is killed.
 */
public final class RunLockHolder {
    private RunLockHolder() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        try (RunDirectory run = args[0].equals("create") ? RunDirectory.create(dir) : RunDirectory.openForWriting(dir)) {
            System.out.println("held " + ProcessHandle.current().pid());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the test to close our input
            }
        } catch (RunLock.InUseException e) {
            System.out.println("in-use " + e.pid());
            System.exit(3);
        }
    }
}
