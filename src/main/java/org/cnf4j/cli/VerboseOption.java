package org.cnf4j.cli;

import picocli.CommandLine.Option;

/** {@code --verbose} for the commands that run no engine (the others have it through {@link EngineMixin}); read by {@link Main}. */
public final class VerboseOption {
    @Option(names = "--verbose", description = "Print stack traces on errors.")
    boolean verbose;
}
