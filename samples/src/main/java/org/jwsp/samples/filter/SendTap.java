package org.jwsp.samples.filter;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendView;

/**
 * A send tap: a {@link SendFilter} that writes the bytes of every completed send to a pcap file
 * ({@link PcapFile}), one TCP stream per stream socket and one UDP flow (a packet per send) per
 * datagram socket, for Wireshark or {@code tcpdump -r}. The
 * one sample that reads payload: it copies the application's bytes, so a tap is as private as
 * the traffic it sees.
 *
 * <p>Threads. {@link #onSend} passes every send and does nothing else. {@link #onComplete} runs
 * on whichever thread completes the send, while its buffers are still the application's: under
 * a short lock it gives the send the stream's next sequence numbers and copies its bytes into a
 * fixed native ring; it never waits for room and never touches the file. One writer thread takes
 * the records from the ring and writes the pcap file. <b>When the ring is full</b> the send is not
 * recorded: it is counted in {@link #droppedSends()}/{@link #droppedBytes()}, and its sequence
 * numbers are still used, so Wireshark shows the gap ("previous segment not captured") instead
 * of a stream that silently lies. If the file cannot be written, the writer keeps emptying the
 * ring and {@link #failure()} says why.
 *
 * <p>Streams: the peer is the socket's WSPConnect address ({@link SendView#peer()}); the local
 * end is what {@link #name} was told (from getsockname), else loopback of the same family with a
 * port made from the socket handle. At most {@link #STREAMS} sockets; later ones are counted in
 * {@link #untracked()}. Memory: the ring (a shared arena) and the file are the tap's;
 * {@link #close()} writes what is left, closes the file and frees the ring. Nothing is allocated
 * per send.
 */
public final class SendTap implements SendFilter, AutoCloseable {

    /** AF_INET6 as Windows numbers it (sockaddr_in6.sin6_family). */
    private static final int AF_INET6 = 23;
    /** SOCK_STREAM and SOCK_DGRAM (the same numbers on Windows and Linux). */
    private static final int SOCK_STREAM = 1, SOCK_DGRAM = 2;

    /** Sockets followed at most. */
    public static final int STREAMS = 64;
    /** Record header in the ring: int size, int payload, int stream, int seq, long nanoTime. */
    private static final int HEADER = 24;
    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** One followed socket: its two ends (network order) and its running sequence number. */
    static final class Stream {
        long socket;
        boolean v6;
        final MemorySegment local = MemorySegment.ofArray(new byte[16]);
        final MemorySegment peer = MemorySegment.ofArray(new byte[16]);
        int localPort;
        int peerPort;
        boolean named;
        /** A datagram socket: each send is one UDP packet (no sequence numbers). */
        boolean udp;
        long nextSeq = 1;
        long written;
        long sends;

        String describe() {
            return address(local, localPort) + " > " + address(peer, peerPort);
        }

        private String address(MemorySegment a, int port) {
            if (!v6) {
                return (a.get(ValueLayout.JAVA_BYTE, 0) & 0xFF) + "." + (a.get(ValueLayout.JAVA_BYTE, 1) & 0xFF) + "."
                        + (a.get(ValueLayout.JAVA_BYTE, 2) & 0xFF) + "." + (a.get(ValueLayout.JAVA_BYTE, 3) & 0xFF) + ":" + port;
            }
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < 16; i += 2) {
                b.append(i == 0 ? "" : ":").append(Integer.toHexString(Short.toUnsignedInt(a.get(NET_SHORT, i))));
            }
            return b.append("]:").append(port).toString();
        }
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment ring;
    private final long capacity;
    private final Stream[] streams = new Stream[STREAMS];
    private final PcapFile file;
    private final Thread writer;
    private final long epochMicros0 = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
    private final long nanos0 = System.nanoTime();

    // Guarded by this object's monitor.
    private int streamCount;
    private long tail;
    private long used;
    private boolean writerWaiting;
    private boolean closing;
    private long droppedSends;
    private long droppedBytes;
    private long untracked;
    private long tappedSends;
    private long tappedBytes;

    private volatile String failure;

    /**
     * Opens (creates or truncates) the pcap file at {@code path} and starts the writer.
     *
     * @param ringBytes the ring's size: sends in flight to the file at most (a multiple of 8 is used)
     * @throws IOException if the file cannot be created
     */
    public SendTap(Path path, long ringBytes) throws IOException {
        file = new PcapFile(path);
        capacity = ringBytes & ~7L;
        ring = arena.allocate(capacity, 8);
        for (int i = 0; i < STREAMS; i++) {
            streams[i] = new Stream();
        }
        writer = Thread.ofPlatform().daemon().name("jwsp-send-tap").start(this::write);
    }

    /** Tells the tap a socket's local address (a Windows sockaddr, from getsockname). Not on the send path. */
    public synchronized void name(long socket, MemorySegment sockaddr) {
        Stream s = streamOf(socket);
        if (s != null) {
            s.v6 = sockaddr.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0) == AF_INET6;
            s.localPort = Short.toUnsignedInt(sockaddr.get(NET_SHORT, 2));
            MemorySegment.copy(sockaddr, s.v6 ? 8 : 4, s.local, 0, s.v6 ? 16 : 4);
            s.named = true;
        }
    }

    @Override
    public int onSend(SendView send) {
        return PASS;
    }

    @Override
    public void onComplete(SendView send, int error, long bytes) {
        int type = send.socketType();
        if (error != 0 || bytes <= 0 || (type != SOCK_STREAM && type != SOCK_DGRAM)) {
            return; // nothing went out, or neither TCP nor UDP
        }
        long need = (HEADER + bytes + 7) & ~7L;
        synchronized (this) {
            Stream s = streamOf(send.socket());
            if (s == null) {
                untracked++;
                return;
            }
            if (s.sends++ == 0) {
                s.udp = type == SOCK_DGRAM;
                peer(s, send);
            }
            long seq = s.nextSeq;
            s.nextSeq += bytes;
            long room = capacity - tail;
            boolean wrap = room < need;
            if (need > capacity || used + (wrap ? room : 0) + need > capacity) {
                droppedSends++;
                droppedBytes += bytes;
                return;
            }
            if (wrap) {
                ring.set(ValueLayout.JAVA_INT, tail, (int) -room); // the writer skips to the start
                used += room;
                tail = 0;
            }
            ring.set(ValueLayout.JAVA_INT, tail, (int) need);
            ring.set(ValueLayout.JAVA_INT, tail + 4, (int) bytes);
            ring.set(ValueLayout.JAVA_INT, tail + 8, indexOf(s));
            ring.set(ValueLayout.JAVA_INT, tail + 12, (int) seq);
            ring.set(ValueLayout.JAVA_LONG, tail + 16, System.nanoTime());
            send.copyPayload(0, ring, tail + HEADER, bytes);
            tail = (tail + need) % capacity;
            used += need;
            tappedSends++;
            tappedBytes += bytes;
            if (writerWaiting) {
                notify();
            }
        }
    }

    /** The stream of {@code socket}, made on first sight; null when {@link #STREAMS} are followed already. */
    private Stream streamOf(long socket) {
        for (int i = 0; i < streamCount; i++) {
            if (streams[i].socket == socket) {
                return streams[i];
            }
        }
        if (streamCount == STREAMS) {
            return null;
        }
        Stream s = streams[streamCount++];
        s.socket = socket;
        return s;
    }

    private int indexOf(Stream s) {
        for (int i = 0; i < streamCount; i++) {
            if (streams[i] == s) {
                return i;
            }
        }
        throw new IllegalStateException();
    }

    /** Fills the stream's peer end from the socket's WSPConnect address, and a local end if it was not named. */
    private static void peer(Stream s, SendView send) {
        MemorySegment p = send.peer();
        boolean v6 = p.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0) == AF_INET6;
        s.peerPort = Short.toUnsignedInt(p.get(NET_SHORT, 2));
        MemorySegment.copy(p, v6 ? 8 : 4, s.peer, 0, v6 ? 16 : 4);
        if (!s.named) {
            s.v6 = v6;
            s.local.fill((byte) 0);
            s.local.set(ValueLayout.JAVA_BYTE, v6 ? 15 : 0, (byte) (v6 ? 1 : 127));
            if (!v6) {
                s.local.set(ValueLayout.JAVA_BYTE, 3, (byte) 1);
            }
            s.localPort = 49152 + (int) (s.socket & 0x3FFF);
        }
    }

    /** The writer thread: takes what the ring holds, writes it, gives the room back; on close, drains and stops. */
    private void write() {
        long head = 0;
        while (true) {
            long available;
            synchronized (this) {
                while (used == 0 && !closing) {
                    writerWaiting = true;
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        closing = true;
                    }
                    writerWaiting = false;
                }
                if (used == 0) {
                    break;
                }
                available = used;
            }
            long consumed = 0;
            while (consumed < available) {
                int size = ring.get(ValueLayout.JAVA_INT, head);
                if (size > 0) {
                    record(head);
                }
                consumed += Math.abs(size);
                head = (head + Math.abs(size)) % capacity;
            }
            synchronized (this) {
                used -= consumed;
            }
        }
        try {
            file.close();
        } catch (IOException e) {
            fail(e);
        }
    }

    /** Writes the record at {@code at} (writer thread; the ring's bytes there are the writer's until given back). */
    private void record(long at) {
        int bytes = ring.get(ValueLayout.JAVA_INT, at + 4);
        Stream s = streams[ring.get(ValueLayout.JAVA_INT, at + 8)];
        long seq = Integer.toUnsignedLong(ring.get(ValueLayout.JAVA_INT, at + 12));
        long micros = epochMicros0 + (ring.get(ValueLayout.JAVA_LONG, at + 16) - nanos0) / 1000;
        if (failure != null) {
            return;
        }
        try {
            if (s.udp) {
                file.udp(s, micros, ring.asSlice(at + HEADER, bytes));
            } else {
                file.tcp(s, seq, micros, ring.asSlice(at + HEADER, bytes));
            }
            synchronized (this) {
                s.written += bytes;
            }
        } catch (IOException | RuntimeException e) {
            fail(e); // the writer goes on emptying the ring, so no completion is ever refused room for this
        }
    }

    private void fail(Exception e) {
        if (failure == null) {
            failure = "writing the pcap file failed: " + e;
        }
    }

    /** Why the file is incomplete, or null. */
    public String failure() {
        return failure;
    }

    public synchronized long droppedSends() {
        return droppedSends;
    }

    public synchronized long droppedBytes() {
        return droppedBytes;
    }

    /** Completions of sockets beyond {@link #STREAMS}, not recorded. */
    public synchronized long untracked() {
        return untracked;
    }

    public synchronized long tappedSends() {
        return tappedSends;
    }

    public synchronized long tappedBytes() {
        return tappedBytes;
    }

    /** Bytes of {@code socket}'s stream written to the file so far (all of them after {@link #close()}). */
    public synchronized long written(long socket) {
        for (int i = 0; i < streamCount; i++) {
            if (streams[i].socket == socket) {
                return streams[i].written;
            }
        }
        return 0;
    }

    /** "127.0.0.1:50001 > 127.0.0.1:40000" for {@code socket}'s stream, or "(no sends)". */
    public synchronized String describe(long socket) {
        for (int i = 0; i < streamCount; i++) {
            if (streams[i].socket == socket) {
                return streams[i].describe();
            }
        }
        return "(no sends)";
    }

    /** Writes everything still in the ring, closes the file, frees the ring. Uninstall the filter first. */
    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            notify();
        }
        writer.join();
        arena.close();
    }
}
