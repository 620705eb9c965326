package org.cnf4j.cli;

/** A process whose background thread dies of an OutOfMemoryError while the main thread works: Main's handler must end it. */
public final class DyingThreadMain {
    private DyingThreadMain() {}

    public static void main(String[] args) throws InterruptedException {
        Main.installUncaughtHandler(false);
        new Thread(() -> {
            throw new OutOfMemoryError("Java heap space");
        }, "background").start();
        Thread.sleep(60_000);
        System.exit(0);
    }
}
