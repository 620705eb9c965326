package org.cnf4j.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/** Folders as bytes, for what travels between driver and executors (a model, a trained cell's run directory). */
final class Zips {
    private Zips() {}

    /** The files of {@code dir} without hidden (temporary) ones, in a fixed order. */
    static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> {
                for (Path part : dir.relativize(p)) if (part.toString().startsWith(".")) return false;
                return true;
            }).sorted(Comparator.comparing(Path::toString)).toList();
        }
    }

    /** A zip archive of {@code files}, named by their paths relative to {@code dir}. */
    static byte[] zip(Path dir, List<Path> files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (Path f : files) {
                z.putNextEntry(new ZipEntry(dir.relativize(f).toString().replace('\\', '/')));
                z.write(Files.readAllBytes(f));
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }

    /** Writes the archive's files under {@code dir} (created); refuses entries that point outside it. */
    static void unzip(byte[] bytes, Path dir, String what) throws IOException {
        Files.createDirectories(dir);
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                Path f = dir.resolve(e.getName()).normalize();
                if (!f.startsWith(dir) || e.isDirectory()) throw new IOException(what + ": unexpected entry " + e.getName());
                Files.createDirectories(f.getParent());
                Files.write(f, z.readAllBytes());
            }
        }
    }

    /** Removes a folder and everything in it (nothing if it does not exist). */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        }
    }
}
