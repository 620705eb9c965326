package org.cnf4j.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.cnf4j.format.MissingFile;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Tag;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code --config FILE}: a YAML or JSON mapping (JSON is YAML) from option names to values, e.g.
 * {@code width: 64}, {@code nt-val: 16}, {@code alpha: [1, 100, 5]}. Keys are the long option names with or
 * without the leading dashes; {@code nt_val} and {@code ntVal} spell {@code nt-val} too. Options given on the
 * command line win over the file.
 */
final class ConfigFile {
    private ConfigFile() {}

    /** Reads the file and sets every option that the command line did not; returns the keys it applied. */
    static List<String> apply(Path file, CommandSpec spec, ParseResult parsed, Set<String> forbidden) throws IOException {
        if (!Files.exists(file)) throw MissingFile.explain(file, "config file");
        if (!Files.isReadable(file) || Files.isDirectory(file)) throw new AccessDeniedException(null, null, file + ": cannot read the config file");
        try (Reader r = Files.newBufferedReader(file)) {
            return apply(file.toString(), r, spec, parsed, forbidden, Set.of());
        }
    }

    /**
     * {@link #apply(Path, CommandSpec, ParseResult, Set)} for YAML read from {@code in} (named {@code where} in
     * messages), leaving alone the options in {@code taken} (set by a file of higher precedence).
     */
    static List<String> apply(String where, Reader in, CommandSpec spec, ParseResult parsed, Set<String> forbidden, Set<String> taken) {
        Object root;
        try {
            root = new Yaml(new PlainConstructor()).load(in);
        } catch (java.io.UncheckedIOException e) {
            throw new IllegalArgumentException(where + ": not a text file");
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            if (e.getCause() instanceof java.nio.charset.CharacterCodingException) throw new IllegalArgumentException(where + ": not a text file");
            String m = e.getMessage() == null ? e.toString() : e.getMessage().replaceAll("\\s+", " ").trim();
            throw new IllegalArgumentException(where + ": not valid YAML or JSON (" + m + ")");
        }
        if (root == null) return List.of();
        if (!(root instanceof Map<?, ?> map)) throw new IllegalArgumentException(where + ": expected a mapping of option names to values");
        Map<String, Object> resolved = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!scalar(e.getKey())) throw new IllegalArgumentException(where + ": " + kind(e.getKey()) + " is not an option name");
            String key = normalise(String.valueOf(e.getKey()));
            if (forbidden.contains(key)) throw new IllegalArgumentException(where + ": option '" + key + "' cannot be set in a config file");
            OptionSpec opt = spec.findOption("--" + key);
            if (opt == null) {
                String known = spec.options().stream().map(OptionSpec::longestName).filter(n -> n.startsWith("--"))
                        .map(n -> n.substring(2)).filter(n -> !forbidden.contains(n)).collect(Collectors.joining(", "));
                throw new IllegalArgumentException(where + ": unknown option '" + e.getKey() + "'; use one of " + known);
            }
            if (resolved.containsKey(key)) throw new IllegalArgumentException(where + ": option '" + key + "' is given twice (as '" + e.getKey() + "' and an earlier spelling); keep one");
            resolved.put(key, e.getValue());
            if (parsed.hasMatchedOption(opt) || taken.contains(key)) continue;
            opt.setValue(convert(e.getValue(), opt.type(), where, key));
        }
        return List.copyOf(resolved.keySet());
    }

    /**
     * SafeConstructor with timestamps kept as the text they were written as: a {@code java.util.Date} would come back
     * in the JVM's time zone and format ("Fri Dec 14 00:00:00 UTC 2001"), which is not what the user wrote.
     */
    private static final class PlainConstructor extends SafeConstructor {
        PlainConstructor() {
            super(strict());
            yamlConstructors.put(Tag.TIMESTAMP, new ConstructYamlStr());
        }
    }

    /** A key given twice is an error (the default keeps the last one and logs a warning on stderr). */
    private static LoaderOptions strict() {
        LoaderOptions o = new LoaderOptions();
        o.setAllowDuplicateKeys(false);
        return o;
    }

    static String normalise(String key) {
        String k = key.trim();
        while (k.startsWith("-")) k = k.substring(1);
        StringBuilder b = new StringBuilder();
        for (char c : k.toCharArray()) {
            if (Character.isUpperCase(c)) b.append('-').append(Character.toLowerCase(c));
            else b.append(c == '_' ? '-' : c);
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }

    private static Object convert(Object v, Class<?> type, String file, String key) {
        String where = file + ": option '" + key + "'";
        if (v == null) throw new IllegalArgumentException(where + " has no value");
        if (v instanceof List<?> l) {
            if (type != String.class) throw new IllegalArgumentException(where + " takes one value, not a list");
            for (Object e : l) if (!scalar(e)) throw new IllegalArgumentException(where + ": " + kind(e) + " is not a valid option value");
            return l.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        if (v instanceof Map<?, ?>) throw new IllegalArgumentException(where + " takes a value, not a mapping");
        // anything else (!!binary gives a byte[], !!set a Set) would print as Java's toString, e.g. "[B@701fc37a"
        if (!scalar(v)) throw new IllegalArgumentException(where + ": " + kind(v) + " is not a valid option value");
        String s = String.valueOf(v).trim();
        try {
            if (type == String.class) return s;
            if (type == Path.class) return Path.of(s);
            if (type == Integer.class || type == int.class) {
                if (v instanceof Number n && n.doubleValue() == n.intValue()) return n.intValue();
                return Integer.parseInt(s);
            }
            if (type == Long.class || type == long.class) {
                if (v instanceof Number n && n.doubleValue() == n.longValue()) return n.longValue();
                return Long.parseLong(s);
            }
            if (type == Double.class || type == double.class) {
                if (v instanceof Number n) return n.doubleValue();
                return Double.parseDouble(s);
            }
            if (type == Boolean.class || type == boolean.class) {
                if (v instanceof Boolean b) return b;
                if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) return Boolean.parseBoolean(s);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(where + ": '" + s + "' is not a valid " + type.getSimpleName().toLowerCase(Locale.ROOT));
    }

    /** The values a YAML scalar loads as under {@link PlainConstructor}: text, numbers, booleans. */
    private static boolean scalar(Object v) {
        return v instanceof String || v instanceof Number || v instanceof Boolean;
    }

    private static String kind(Object v) {
        if (v == null) return "an empty value";
        if (v instanceof byte[]) return "a binary value";
        if (v instanceof java.util.Set<?>) return "a set";
        if (v instanceof List<?>) return "a list";
        if (v instanceof Map<?, ?>) return "a mapping";
        return "a value of an unsupported YAML type";
    }
}
