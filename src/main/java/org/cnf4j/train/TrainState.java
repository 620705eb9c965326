package org.cnf4j.train;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import org.cnf4j.format.AtomicFile;
import org.cnf4j.model.PhiParams;
import org.cnf4j.model.PhiShape;

/**
 * Everything a training run needs to continue bit for bit: iteration, batch draws, parameters, the
 * optimiser state, and the best model so far. Batches are a pure function of (seed, draw index) and
 * the engine is deterministic, so restoring this is enough for a resumed run to end identical to an
 * uninterrupted one.
 *
 * <p>Checkpoint file: magic, version, the fields, then a CRC-32 of all preceding bytes; written to a
 * temporary file and renamed, so a kill at any moment leaves either the old or the new checkpoint.
 */
public final class TrainState {
    private static final byte[] MAGIC = "CNF4JCKP".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 5;

    public int iteration;
    public int draws;
    public PhiParams params;
    public Adam adam;
    public PhiParams best;
    /** Best validation J (infinity before the first validation), its terms and iteration. */
    public double bestJ = Double.POSITIVE_INFINITY, bestL, bestC, bestR;
    public int bestIter;
    /** Learning-rate scale from NaN recoveries (1 until one happens). */
    public double lrScale = 1;
    /** Early stopping: validations in a row without a new best, and how many lr drops happened (past 3 x the drops per tenfold: stopped). */
    public int plateau, lrStage;
    /** The JKO-Flow subproblem (1-based) this state trains; 1 for plain OT-Flow. */
    public int subproblem = 1;
    /** Relative-gradient rule: the mean gradient norm of the first validation interval (0 before it ends), the running sum and count of the current interval, and whether the rule fired. */
    public double gradRef, gradSum;
    public int gradCount;
    public boolean converged;
    /**
     * How far the cosine anneal has come, 0..1 ({@link BudgetAnneal#COSINE}): the share of its time budgets used, where a
     * resumed run's new budget spreads what is left. So --resume continues the decay instead of starting it over at the
     * full rate. 0 without a cosine anneal, and in checkpoints written before it existed (version 3 and older).
     */
    public double budgetUsed;
    /**
     * The exponential moving average of the parameters that validation judges ({@link TrainConfig#ema}); null without
     * one, and in checkpoints written before it existed (version 4 and older), where a resumed run with an average starts
     * it at the parameters.
     */
    public PhiParams average;

    public static TrainState start(PhiParams init, double lr) {
        TrainState s = new TrainState();
        s.params = init.copy();
        s.best = init.copy();
        s.adam = new Adam(init.size(), lr);
        return s;
    }

    public TrainState copy() {
        TrainState c = new TrainState();
        c.iteration = iteration;
        c.draws = draws;
        c.params = params.copy();
        c.adam = adam.copy();
        c.best = best.copy();
        c.bestJ = bestJ;
        c.bestL = bestL;
        c.bestC = bestC;
        c.bestR = bestR;
        c.bestIter = bestIter;
        c.lrScale = lrScale;
        c.plateau = plateau;
        c.lrStage = lrStage;
        c.subproblem = subproblem;
        c.gradRef = gradRef;
        c.gradSum = gradSum;
        c.gradCount = gradCount;
        c.converged = converged;
        c.budgetUsed = budgetUsed;
        c.average = average == null ? null : average.copy();
        return c;
    }

    public void save(Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeInt(VERSION);
        PhiShape s = params.shape;
        out.writeInt(s.d());
        out.writeInt(s.m());
        out.writeInt(s.nTh());
        out.writeInt(iteration);
        out.writeInt(draws);
        writeArray(out, params.data);
        writeArray(out, adam.firstMoment());
        writeArray(out, adam.secondMoment());
        out.writeLong(adam.steps());
        out.writeDouble(adam.learningRate());
        writeArray(out, best.data);
        out.writeDouble(bestJ);
        out.writeDouble(bestL);
        out.writeDouble(bestC);
        out.writeDouble(bestR);
        out.writeInt(bestIter);
        out.writeDouble(lrScale);
        out.writeInt(plateau);
        out.writeInt(lrStage);
        out.writeInt(subproblem);
        out.writeDouble(gradRef);
        out.writeDouble(gradSum);
        out.writeInt(gradCount);
        out.writeBoolean(converged);
        out.writeDouble(budgetUsed);
        out.writeBoolean(average != null);
        if (average != null) writeArray(out, average.data);
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeLong(crc.getValue());
        out.flush();
        // a fixed temporary name, so that a run directory's next start recognises one that kill -9 left
        AtomicFile.write(file, tempFile(file), o -> o.write(bytes.toByteArray()));
    }

    /** The temporary name {@link #save} writes {@code file} under before renaming it. */
    public static Path tempFile(Path file) { return file.resolveSibling("." + file.getFileName() + ".tmp"); }

    /** Loads a checkpoint, checking its integrity and that it fits {@code shape}. */
    public static TrainState load(Path file, PhiShape shape) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("no checkpoint at " + file);
        byte[] all = Files.readAllBytes(file);
        String bad = file + " is corrupt or truncated: delete it or start a new run";
        if (all.length < MAGIC.length + 12) throw new IOException(bad);
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 8);
        if (crc.getValue() != ByteBuffer.wrap(all, all.length - 8, 8).getLong()) throw new IOException(bad);
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all, 0, all.length - 8))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!java.util.Arrays.equals(magic, MAGIC)) throw new IOException(file + " is not a cnf4j checkpoint");
            int version = in.readInt();
            if (version < 1 || version > VERSION) throw new IOException(file + ": unsupported checkpoint version " + version);
            PhiShape saved = new PhiShape(in.readInt(), in.readInt(), in.readInt());
            if (!saved.equals(shape)) {
                throw new IOException(file + " holds a model with d=" + saved.d() + ", m=" + saved.m() + ", nTh=" + saved.nTh()
                        + " but the run is configured for d=" + shape.d() + ", m=" + shape.m() + ", nTh=" + shape.nTh());
            }
            TrainState s = new TrainState();
            s.iteration = in.readInt();
            s.draws = in.readInt();
            s.params = new PhiParams(shape, readArray(in));
            double[] m = readArray(in), v = readArray(in);
            long steps = in.readLong();
            s.adam = new Adam(m, v, steps, in.readDouble());
            s.best = new PhiParams(shape, readArray(in));
            s.bestJ = in.readDouble();
            s.bestL = in.readDouble();
            s.bestC = in.readDouble();
            s.bestR = in.readDouble();
            s.bestIter = in.readInt();
            s.lrScale = in.readDouble();
            if (version >= 2) {
                s.plateau = in.readInt();
                s.lrStage = in.readInt();
            }
            if (version >= 3) {
                s.subproblem = in.readInt();
                s.gradRef = in.readDouble();
                s.gradSum = in.readDouble();
                s.gradCount = in.readInt();
                s.converged = in.readBoolean();
                if (s.subproblem < 1) throw new IOException(bad);
            }
            if (version >= 4) {
                s.budgetUsed = in.readDouble();
                if (!(s.budgetUsed >= 0 && s.budgetUsed <= 1)) throw new IOException(bad);
            }
            if (version >= 5 && in.readBoolean()) s.average = new PhiParams(shape, readArray(in));
            if (in.available() > 0) throw new IOException(bad);
            return s;
        } catch (EOFException | IllegalArgumentException e) {
            throw new IOException(bad);
        }
    }

    private static void writeArray(DataOutputStream out, double[] a) throws IOException {
        out.writeInt(a.length);
        for (double v : a) out.writeDouble(v);
    }

    private static double[] readArray(InputStream raw) throws IOException {
        DataInputStream in = (DataInputStream) raw;
        int n = in.readInt();
        if (n < 0 || n > 100_000_000) throw new EOFException();
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = in.readDouble();
        return a;
    }
}
