package org.cnf4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code cnf4j train --preset NAME}: the reference recipes shipped as config files (resources
 * {@code org/cnf4j/cli/presets/NAME.yaml}, read as {@code --config} reads a file, below it in precedence). OT-Flow's
 * per-data-set commands of its detailedSetup.md, and the JKO-Flow drivers' settings; docs/REFERENCE.md says where
 * cnf4j cannot follow them exactly.
 */
enum Preset {
    OTFLOW_8GAUSSIANS, OTFLOW_CHECKERBOARD, OTFLOW_SWISSROLL, OTFLOW_CIRCLES, OTFLOW_MOONS, OTFLOW_PINWHEEL, OTFLOW_2SPIRALS,
    OTFLOW_POWER, OTFLOW_GAS, OTFLOW_HEPMASS, OTFLOW_MINIBOONE, OTFLOW_BSDS300,
    JKO_TOY, JKO_MINIBOONE;

    /** The preset a user named, or a one-line error listing them all. */
    static Preset of(String name) {
        for (Preset p : values()) if (p.label().equals(name.trim().toLowerCase(Locale.ROOT))) return p;
        StringBuilder all = new StringBuilder();
        for (Preset p : values()) all.append(all.length() > 0 ? ", " : "").append(p.label());
        throw new IllegalArgumentException("unknown --preset '" + name + "'; use one of " + all);
    }

    /** The name users type: otflow-8gaussians, jko-toy, ... */
    String label() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    @Override public String toString() { return label(); }

    /** Sets the preset's options that neither the command line nor {@code taken} (a --config file's) set; returns its keys. */
    List<String> apply(CommandSpec spec, ParseResult parsed, Set<String> forbidden, Set<String> taken) {
        String resource = "presets/" + label() + ".yaml";
        try (InputStream in = Preset.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("preset " + label() + " is missing from the jar (" + resource + ")");
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                return ConfigFile.apply("preset " + label(), r, spec, parsed, forbidden, taken);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
