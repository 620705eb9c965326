package org.cnf4j.cli;

import org.cnf4j.engine.cuda.Emulation;

/**
 * The command line with {@code --device cuda} served by the Java twins of the kernels: the device script
 * (experiments/gpu/run-on-device.sh, CLI part) is rehearsed with it on a machine without a GPU, on the bundle's own
 * runtime and class path, before it spends device time. On the GPU machine the script runs {@link Main} itself.
 */
public final class EmulatedCli {
    private EmulatedCli() {}

    public static void main(String[] args) {
        Main.installUncaughtHandler(java.util.Arrays.asList(args).contains("--verbose"));
        int code;
        try (Emulation e = Emulation.install()) {
            code = Main.execute(args);
        }
        System.exit(code);
    }
}
