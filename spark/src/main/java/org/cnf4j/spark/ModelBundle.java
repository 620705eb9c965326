package org.cnf4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.cnf4j.run.RunModel;

/**
 * A run directory's model as bytes, for shipping to executors (by broadcast): config.json and the weights
 * ({@code weights/KEY.npy} for OT-Flow, {@code maps/k/KEY.npy} for JKO-Flow) in a zip archive, nothing else of the run
 * (no checkpoint, log or plot). {@link #open} rebuilds the {@link RunModel} from the bytes alone, so executors need no
 * shared file system. {@link #id} is the SHA-256 of the bytes: executors cache models and engines under it.
 */
public final class ModelBundle implements Serializable {
    private static final long serialVersionUID = 1L;

    private final byte[] bytes;
    private final String id;
    private final String source;

    private ModelBundle(byte[] bytes, String source) {
        this.bytes = bytes;
        this.source = source;
        this.id = sha256(bytes);
    }

    /**
     * The model of run directory {@code runDir} (trained by {@code cnf4j train}, JKO-Flow included, or written by
     * {@code import-otflow} or the Java API); loads it once first, so a broken run fails here with the one-line message
     * of {@code cnf4j logp}.
     */
    public static ModelBundle of(Path runDir) throws IOException {
        RunModel.load(runDir);
        List<Path> files = new ArrayList<>();
        files.add(runDir.resolve("config.json"));
        for (Path sub : List.of(runDir.resolve("weights"), runDir.resolve("maps"))) {
            if (Files.isDirectory(sub)) for (Path f : Zips.files(sub)) files.add(f);
        }
        return new ModelBundle(Zips.zip(runDir, files), runDir.toString());
    }

    /** SHA-256 of the bytes, in hex: equal for equal model files. */
    public String id() { return id; }

    /** The run directory the bundle was made from (for messages). */
    public String source() { return source; }

    /** Size of the archive in bytes. */
    public int size() { return bytes.length; }

    /** Rebuilds the model: the files go to a private temporary folder, are loaded as a run directory, and are removed. */
    public RunModel open() throws IOException {
        Path dir = Files.createTempDirectory("cnf4j-model-");
        try {
            Zips.unzip(bytes, dir, "model bundle of " + source);
            return RunModel.load(dir);
        } finally {
            Zips.deleteTree(dir);
        }
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
