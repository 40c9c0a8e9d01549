package org.jwsp.provider;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.host.ws2.SockAddr;

/**
 * The connections of {@link NativeSendStressTest} and their verifiers. The driver asks for each
 * connection by number ({@link #open}, an upcall from one of its pthreads: a new loopback pair
 * through the host's ws2_32, so both ends are jwsp sockets; the listener is closed at once) and
 * for a peer reset ({@link #reset}: {@code SO_LINGER {1, 0}} on the peer, then {@code closesocket},
 * an RST). Each peer is read on a thread of its own by a {@link Verifier} that checks every
 * record as it arrives. {@link #verify} then holds each (connection, thread) against what the
 * driver stamped and the failures it logged.
 *
 * <p>Client handles: the driver closes those it replaces; {@link #closeRest} closes the others
 * (still shared, or parked) and every peer. Upcalls never throw into native code: a failure
 * answers -1 and is kept for the test's message.
 */
final class StressConnections {

    static final int MAGIC = 0x4A575350;
    static final int RECORD = 16;
    /** CONN layout: handle, users, state, alias_of, reserved. */
    static final long CONN_SIZE = 24, STATE = 12, ALIAS_OF = 16;
    static final int CLOSED = 1, RESET = 2, PARKED = 4;

    private final Ws2 ws2;
    private final int threads;
    private final MemorySegment conns;
    private final long[] clients, servers;
    private final Verifier[] verifiers;
    final AtomicReference<Throwable> upcallFailure = new AtomicReference<>();
    /** Told of every connection opened, to end the pauses it holds. */
    volatile DelayingFilter filter;

    StressConnections(Ws2 ws2, int threads, MemorySegment conns, int capacity) {
        this.ws2 = ws2;
        this.threads = threads;
        this.conns = conns;
        this.clients = new long[capacity];
        this.servers = new long[capacity];
        this.verifiers = new Verifier[capacity];
    }

    /**
     * Connection {@code id}: its client handle, or -1. Any thread (an upcall from the driver). The
     * client socket is made first, so it takes jwsp's most recently freed slot: the slot of the
     * connection the driver has just closed.
     */
    long open(long id) {
        try (Arena a = Arena.ofConfined()) {
            long client = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            long listener = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            MemorySegment address = SockAddr.loopback(AF_INET(), 0, a);
            MemorySegment length = a.allocateFrom(ValueLayout.JAVA_INT, SockAddr.size(AF_INET()));
            if (client == INVALID_SOCKET() || listener == INVALID_SOCKET() || ws2.bind(listener, address, SockAddr.size(AF_INET())) != 0
                    || ws2.listen(listener, 1) != 0 || ws2.getsockname(listener, address, length) != 0
                    || ws2.connect(client, address, SockAddr.size(AF_INET())) != 0) {
                throw new IllegalStateException("connection " + id + ": " + ws2.lastError());
            }
            long server = ws2.accept(listener, MemorySegment.NULL, MemorySegment.NULL);
            ws2.closesocket(listener);
            if (server == INVALID_SOCKET()) {
                throw new IllegalStateException("accept of connection " + id + ": " + ws2.lastError());
            }
            int c = (int) id;
            clients[c] = client;
            servers[c] = server;
            conns.set(ValueLayout.JAVA_LONG, c * CONN_SIZE, client);
            verifiers[c] = new Verifier(c, server);
            DelayingFilter f = filter;
            if (f != null) {
                f.reopened();
            }
            return client;
        } catch (Throwable t) {
            upcallFailure.compareAndSet(null, t);
            return -1;
        }
    }

    /** {@code closesocket} through the test's ws2_32 (an upcall); never throws. */
    int closesocket(long s) {
        try {
            return ws2.closesocket(s);
        } catch (Throwable t) {
            upcallFailure.compareAndSet(null, t);
            return -1;
        }
    }

    /** The peer of connection {@code id} closes abortively; 0, or -1. Any thread (an upcall). */
    int reset(long id) {
        try (Arena a = Arena.ofConfined()) {
            int c = (int) id;
            verifiers[c].reset = true; // its recv then fails: the end of that stream
            MemorySegment linger = a.allocate(4);
            linger.set(ValueLayout.JAVA_SHORT, 0, (short) 1); // l_onoff 1, l_linger 0
            if (ws2.setsockopt(servers[c], SOL_SOCKET(), SO_LINGER(), linger, 4) != 0 || ws2.closesocket(servers[c]) != 0) {
                throw new IllegalStateException("reset of connection " + c + ": " + ws2.lastError());
            }
            servers[c] = 0;
            return 0;
        } catch (Throwable t) {
            upcallFailure.compareAndSet(null, t);
            return -1;
        }
    }

    int state(int c) {
        return conns.get(ValueLayout.JAVA_INT, c * CONN_SIZE + STATE);
    }

    /** After the driver: every client it did not close sends its FIN, so each stream ends. */
    void shutdownRest(int count) {
        for (int c = 0; c < count; c++) {
            if ((state(c) & CLOSED) == 0) {
                ws2.shutdown(clients[c], SD_SEND());
            }
        }
    }

    void closeRest(int count) {
        for (int c = 0; c < count; c++) {
            if ((state(c) & CLOSED) == 0 && clients[c] != 0) {
                ws2.closesocket(clients[c]);
            }
            if (servers[c] != 0) {
                ws2.closesocket(servers[c]);
                servers[c] = 0;
            }
        }
    }

    /** What {@link #verify} found. */
    record Outcome(long onWire, long failed, long lostToReset, long throughReissuedHandles) {
    }

    /**
     * Every connection's stream against the driver's stamps ({@code seqs}: records per
     * (connection, thread)) and failure log: a record on the wire was never reported failed; one
     * not on the wire was reported failed, or its connection was reset (TCP drops what it had
     * accepted); nothing beyond what was stamped; a partial record only at the end of a
     * connection the driver closed or reset.
     */
    Outcome verify(int count, MemorySegment seqs, Map<Long, Integer> failures) throws InterruptedException {
        Set<Long> elsewhere = new HashSet<>();
        long onWire = 0, failed = 0, lost = 0;
        for (int c = 0; c < count; c++) {
            Verifier v = verifiers[c];
            v.thread.join(60_000);
            check(!v.thread.isAlive(), "connection " + c + ": the peer never saw the end of its stream");
            check(v.failure == null, v.failure);
            int state = state(c);
            check(!v.partialTail || (state & (CLOSED | RESET)) != 0, "connection " + c + ": a partial record, yet no fault cut it");
            for (long f : v.foreign) {
                int from = (int) (f >>> 40);
                int alias = conns.get(ValueLayout.JAVA_INT, c * CONN_SIZE + ALIAS_OF);
                check(alias == from + 1, "a record of connection " + from + " (thread " + ((f >>> 32) & 0xFF) + ", record "
                        + (f & 0xFFFFFFFFL) + ") arrived on connection " + c);
                elsewhere.add(f); // sent through a handle value the host gave again: the program's bug, not jwsp's
            }
        }
        for (int c = 0; c < count; c++) {
            Verifier v = verifiers[c];
            boolean reset = (state(c) & RESET) != 0;
            for (int t = 0; t < threads; t++) {
                long stamped = Integer.toUnsignedLong(seqs.getAtIndex(ValueLayout.JAVA_INT, (long) c * threads + t));
                check(v.next[t] <= stamped, "connection " + c + ", thread " + t + ": a record beyond those stamped");
                for (long seq = 0; seq < stamped; seq++) {
                    long key = key(c, t, seq);
                    boolean received = (seq < v.next[t] && !v.missing.contains(key)) || elsewhere.contains(key);
                    Integer code = failures.get(key);
                    if (received && code != null) {
                        check(false, "connection " + c + ", thread " + t + ", record " + seq + ": reported failed (" + code
                                + ") to its caller, yet on the wire");
                    } else if (received) {
                        onWire++;
                    } else if (code != null) {
                        failed++;
                    } else {
                        check(reset, "connection " + c + ", thread " + t + ", record " + seq + ": neither on the wire nor reported failed (lost)");
                        lost++;
                    }
                }
            }
        }
        return new Outcome(onWire, failed, lost, elsewhere.size());
    }

    static long key(long conn, long thread, long seq) {
        return conn << 40 | thread << 32 | seq;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

    /** Reads one peer's stream on a thread of its own and checks each record as it arrives. */
    private final class Verifier {
        final int conn;
        final Thread thread;
        final long[] next = new long[threads];
        final Set<Long> missing = new HashSet<>();
        final java.util.List<Long> foreign = new java.util.ArrayList<>();
        volatile boolean reset;
        boolean partialTail;
        volatile String failure;

        Verifier(int conn, long s) {
            this.conn = conn;
            thread = Thread.ofPlatform().daemon().name("stress-verify-" + conn).start(() -> read(s));
        }

        private void read(long s) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = a.allocate(64 << 10);
                MemorySegment wsabuf = Buffers.wsabuf(a, buf);
                MemorySegment got = a.allocate(ValueLayout.JAVA_INT);
                MemorySegment flags = a.allocate(ValueLayout.JAVA_INT);
                ByteBuffer carry = ByteBuffer.allocate(RECORD).order(ByteOrder.LITTLE_ENDIAN);
                for (;;) {
                    flags.set(ValueLayout.JAVA_INT, 0, 0);
                    if (ws2.recv(s, wsabuf, 1, got, flags, MemorySegment.NULL, MemorySegment.NULL) != 0) {
                        if (!reset) {
                            failure = "connection " + conn + ": recv " + ws2.lastError();
                        }
                        partialTail = carry.position() != 0;
                        return;
                    }
                    int n = got.get(ValueLayout.JAVA_INT, 0);
                    if (n == 0) {
                        partialTail = carry.position() != 0;
                        return;
                    }
                    if (failure != null) {
                        continue; // keep draining, so no sender blocks on a full window
                    }
                    ByteBuffer in = buf.asSlice(0, n).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                    while (in.hasRemaining() && failure == null) {
                        while (carry.hasRemaining() && in.hasRemaining()) {
                            carry.put(in.get());
                        }
                        if (!carry.hasRemaining()) {
                            carry.flip();
                            check(carry.getInt(), carry.getInt(), carry.getInt(), carry.getInt());
                            carry.clear();
                        }
                    }
                }
            }
        }

        private void check(int onConn, int t, int seq, int magic) {
            long s = Integer.toUnsignedLong(seq);
            if (magic != MAGIC) {
                failure = "connection " + conn + ": not a record (magic " + Integer.toHexString(magic) + ")";
            } else if (t < 0 || t >= threads) {
                failure = "connection " + conn + ": thread " + t;
            } else if (onConn != conn) {
                foreign.add(key(onConn, t, s)); // judged in verify(): only a parked connection's alias may arrive here
            } else if (s < next[t]) {
                failure = "connection " + conn + ", thread " + t + ": record " + s + " after " + (next[t] - 1) + " (repeated or reordered)";
            } else {
                for (long gap = next[t]; gap < s; gap++) {
                    missing.add(key(conn, t, gap));
                }
                next[t] = s + 1;
            }
        }
    }
}
