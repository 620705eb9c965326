package org.cnf4j.engine.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The committed kernel fatbin ({@code org/cnf4j/cuda/otflow_kernels.fatbin}: SASS for sm_80, sm_86,
 * sm_89, sm_90 and PTX for compute_90, built by {@code src/main/cuda/build-fatbin.sh} with nvcc 13.0)
 * and its manifest (SHA-256 of each .cu source and of the fatbin).
 */
public final class Fatbin {
    static final String RESOURCE = "/org/cnf4j/cuda/otflow_kernels.fatbin";
    static final String MANIFEST = "/org/cnf4j/cuda/otflow_kernels.manifest";

    private Fatbin() {}

    static byte[] resource(String name) {
        try (InputStream in = Fatbin.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("resource " + name + " missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fatbin image, checked against the SHA-256 its manifest records. */
    static byte[] bytes() {
        byte[] image = resource(RESOURCE);
        String want = manifest().get("fatbin otflow_kernels.fatbin");
        if (want == null || !want.equals(sha256(image))) {
            throw new IllegalStateException("kernel fatbin does not match its manifest: rebuild with src/main/cuda/build-fatbin.sh");
        }
        return image;
    }

    /** Manifest entries "source NAME" / "fatbin NAME" mapped to their SHA-256, plus "nvcc" and "flags". */
    public static Map<String, String> manifest() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : new String(resource(MANIFEST), StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] p = line.trim().split(" ", 2);
            if (p[0].equals("source") || p[0].equals("fatbin")) {
                String[] hv = p[1].split(" ", 2);
                out.put(p[0] + " " + hv[1].trim(), hv[0]);
            } else {
                out.put(p[0], p.length > 1 ? p[1] : "");
            }
        }
        return out;
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
