package org.cnf4j.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The size and SHA-256 of a run's data file, saved in config.json as {@code "data_file"} when the run starts, so
 * that eval, plot and resume can tell that the file was changed since: a run evaluated or continued on other data
 * than it was trained on would otherwise give numbers that look right and are not.
 */
public record DataFile(long size, String sha256) {
    /** The key of config.json. */
    static final String KEY = "data_file";

    /** The fingerprint of {@code file} as it is now. */
    public static DataFile of(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);   // every Java SE runtime has it
        }
        long size = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; size += n) md.update(buf, 0, n);
        }
        return new DataFile(size, HexFormat.of().formatHex(md.digest()));
    }

    ObjectNode toJson(ObjectMapper om) {
        return om.createObjectNode().put("size", size).put("sha256", sha256);
    }

    /** The fingerprint in {@code node}, or null when it holds none (a run from before fingerprints, or toy or MAF data). */
    static DataFile fromJson(JsonNode node) {
        if (node == null || !node.path("size").canConvertToLong() || !node.path("sha256").isTextual()) return null;
        return new DataFile(node.get("size").asLong(), node.get("sha256").asText());
    }

    /** Null when {@code now} is this fingerprint, else what differs, in words. */
    String change(DataFile now) {
        if (size != now.size) return "it had " + size + " bytes and has " + now.size + " now";
        if (!sha256.equalsIgnoreCase(now.sha256)) return "its SHA-256 differs (same size, " + size + " bytes)";
        return null;
    }
}
