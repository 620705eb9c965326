package org.cnf4j.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.cnf4j.model.PhiParams;
import org.cnf4j.train.TrainConfig;

/**
 * A training run's folder: {@code config.json} (the reference's keys d, m, nTh, alph, nt plus the full
 * training configuration), {@code weights/KEY.npy} (the reference layout, so the same loader reads
 * PyTorch exports and our models) and {@code log.csv}. Every file is written under a temporary name and
 * renamed into place, so an interrupted run never leaves a half-written file.
 */
public final class RunDirectory {
    private final Path dir;

    private RunDirectory(Path dir) { this.dir = dir; }

    public Path path() { return dir; }

    /** Creates the folder; refuses one that already holds files. */
    public static RunDirectory create(Path dir) throws IOException {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) throw new IOException(dir + " exists and is not a directory: choose another --out");
            try (var s = Files.list(dir)) {
                if (s.findAny().isPresent()) throw new IOException(dir + " is not empty: choose another --out or remove it");
            }
        }
        Files.createDirectories(dir);
        return new RunDirectory(dir);
    }

    public Path tempFile(String name) { return dir.resolve("." + name + ".tmp"); }

    /** Renames the temporary file of {@code name} into place. */
    public void commit(String name) throws IOException {
        Files.move(tempFile(name), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public void saveModel(PhiParams p, TrainConfig cfg) throws IOException {
        Path tmp = dir.resolve(".weights.tmp");
        Files.createDirectories(tmp);
        for (PhiParams.Tensor t : p.tensors()) {
            int[] shape = t.name().endsWith(".bias") ? new int[] {t.size()} : new int[] {t.rows(), t.cols()};
            Npy.write(tmp.resolve(t.name() + ".npy"), p.copyOf(t.name()), shape, false);
        }
        Path weights = dir.resolve("weights");
        if (Files.exists(weights)) {
            try (var s = Files.list(weights)) {
                for (Path f : (Iterable<Path>) s::iterator) Files.delete(f);
            }
            Files.delete(weights);
        }
        Files.move(tmp, weights, StandardCopyOption.ATOMIC_MOVE);
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode c = om.createObjectNode();
        c.put("d", p.shape.d()).put("m", p.shape.m()).put("nTh", p.shape.nTh());
        c.putArray("alph").add(cfg.alpha().a0()).add(cfg.alpha().a1()).add(cfg.alpha().a2());
        c.put("nt", cfg.nt()).put("nt_val", cfg.ntVal()).put("r", p.shape.r());
        c.set("train", om.valueToTree(cfg));
        om.writeValue(tempFile("config.json").toFile(), c);
        commit("config.json");
    }
}
