package org.cnf4j.spark;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.apache.spark.BarrierTaskContext;
import org.cnf4j.engine.DataParallel;

/**
 * The tasks' per-step exchange over TCP, with Spark's barrier context only for the rendezvous. Spark's own
 * {@code allGather} waits in steps of one second (its task thread polls the reply with {@code Thread.sleep(1000)}),
 * which is more than a whole training step of a small model; here task 0 listens on a port of its executor,
 * announces it through one {@code allGather}, the other tasks connect, and every step each task sends its vector to
 * task 0, which sends all of them, in task order, back to each task. A task that fails closes its connections, so
 * the others fail at once too (and Spark retries the stage) instead of waiting for a vector that never comes.
 */
final class DirectGather implements DataParallel.Gather, AutoCloseable {
    /** How long task 0 waits for the others to connect, and they for it to accept. */
    static final int RENDEZVOUS_MS = 120_000;

    private final int rank, size;
    private final ServerSocket server;
    private final Socket[] peers;          // task 0: one per other task (index = rank); others: [0] is task 0
    private final DataInputStream[] in;
    private final DataOutputStream[] out;

    private DirectGather(int rank, int size, ServerSocket server, Socket[] peers) throws IOException {
        this.rank = rank;
        this.size = size;
        this.server = server;
        this.peers = peers;
        in = new DataInputStream[peers.length];
        out = new DataOutputStream[peers.length];
        for (int i = 0; i < peers.length; i++) {
            if (peers[i] == null) continue;
            peers[i].setTcpNoDelay(true);
            in[i] = new DataInputStream(new BufferedInputStream(peers[i].getInputStream(), 1 << 16));
            out[i] = new DataOutputStream(new BufferedOutputStream(peers[i].getOutputStream(), 1 << 16));
        }
    }

    /** Connects the tasks of this barrier stage: task 0 announces host:port in one allGather, the others connect to it. */
    static DirectGather connect(BarrierTaskContext ctx) throws IOException {
        int rank = ctx.partitionId(), size = ctx.numPartitions();
        ServerSocket server = null;
        String address = "";
        try {
            if (rank == 0 && size > 1) {
                String host = host(ctx.getTaskInfos()[0].address());
                server = new ServerSocket();
                server.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
                server.setSoTimeout(RENDEZVOUS_MS);
                address = host + ":" + server.getLocalPort();
            }
            String[] all = ctx.allGather(address);
            Socket[] peers = new Socket[rank == 0 ? size : 1];
            if (rank == 0) {
                for (int i = 1; i < size; i++) {
                    Socket s = server.accept();
                    int r = new DataInputStream(s.getInputStream()).readInt();
                    if (r < 1 || r >= size || peers[r] != null) {
                        s.close();
                        throw new IOException("data-parallel rendezvous: a connection claimed task " + r + " of " + size);
                    }
                    peers[r] = s;
                }
            } else {
                String a = all[0];
                int colon = a.lastIndexOf(':');
                Socket s = new Socket();
                s.connect(new InetSocketAddress(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1))), RENDEZVOUS_MS);
                new DataOutputStream(s.getOutputStream()).writeInt(rank);
                peers[0] = s;
            }
            return new DirectGather(rank, size, server, peers);
        } catch (SocketTimeoutException e) {
            if (server != null) server.close();
            throw new IOException("data-parallel rendezvous: the tasks did not all connect within " + RENDEZVOUS_MS / 1000 + " s", e);
        }
    }

    /** The host part of an executor address "host:port" (IPv6 literals in brackets). */
    static String host(String address) {
        int colon = address.lastIndexOf(':');
        String h = colon > 0 ? address.substring(0, colon) : address;
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    @Override
    public double[][] allGather(double[] local) {
        try {
            double[][] all = new double[size][];
            if (rank == 0) {
                all[0] = local.clone();
                for (int r = 1; r < size; r++) all[r] = read(in[r]);
                for (int r = 1; r < size; r++) {
                    for (double[] v : all) write(out[r], v);
                    out[r].flush();
                }
            } else {
                write(out[0], local);
                out[0].flush();
                for (int r = 0; r < size; r++) all[r] = read(in[0]);
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException("data-parallel exchange failed (another task stopped?): " + e.getMessage(), e);
        }
    }

    private static void write(DataOutputStream o, double[] v) throws IOException {
        o.writeInt(v.length);
        for (double x : v) o.writeLong(Double.doubleToRawLongBits(x));
    }

    private static double[] read(DataInputStream i) throws IOException {
        int n = i.readInt();
        if (n < 0) throw new IOException("corrupt message of length " + n);
        double[] v = new double[n];
        for (int k = 0; k < n; k++) v[k] = Double.longBitsToDouble(i.readLong());
        return v;
    }

    @Override
    public void close() {
        for (Socket s : peers) {
            if (s == null) continue;
            try {
                s.close();
            } catch (IOException ignored) {
                // closing to make the peers fail fast; nothing else to do
            }
        }
        if (server != null) {
            try {
                server.close();
            } catch (IOException ignored) {
                // as above
            }
        }
    }
}
