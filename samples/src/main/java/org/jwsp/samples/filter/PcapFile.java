package org.jwsp.samples.filter;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A classic pcap file (the format {@code tcpdump -w} writes: little-endian, microsecond
 * timestamps, link type 1 = Ethernet) of synthesized TCP segments and UDP datagrams: each payload
 * gets an Ethernet header (locally administered MACs 02:00:00:00:00:01 → :02), an IPv4 or IPv6
 * header and a TCP header (PSH|ACK, the stream's running sequence number) or a UDP header, with
 * correct IPv4, TCP and UDP checksums, so Wireshark and {@code tcpdump -r} follow the stream
 * without warnings. TCP payloads longer than {@link #SEGMENT} are cut into several segments, as
 * TSO would; a datagram is one packet.
 *
 * <p>Used by one thread ({@link SendTap}'s writer). Owns its channel and a 1 MiB staging buffer;
 * {@link #close()} flushes and closes the file.
 */
final class PcapFile implements AutoCloseable {

    /** Largest TCP payload of one synthesized segment (fits an IPv4 packet of 65535 bytes). */
    static final int SEGMENT = 32 * 1024;
    private static final int ETHERNET = 14, IPV4 = 20, IPV6 = 40, TCP = 20, UDP = 8;
    private static final int PROTO_TCP = 6, PROTO_UDP = 17;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final FileChannel channel;
    private final ByteBuffer stage = ByteBuffer.allocateDirect(1 << 20);
    private final MemorySegment staged = MemorySegment.ofBuffer(stage);
    private int at;
    private short ipId;

    /** Creates (or truncates) {@code path} and writes the pcap file header. */
    PcapFile(Path path) throws IOException {
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        staged.set(LE_INT, 0, 0xA1B2C3D4);
        staged.set(LE_SHORT, 4, (short) 2);
        staged.set(LE_SHORT, 6, (short) 4);
        staged.set(LE_INT, 8, 0);            // thiszone
        staged.set(LE_INT, 12, 0);           // sigfigs
        staged.set(LE_INT, 16, 262144);      // snaplen (tcpdump's): a whole datagram with its headers
        staged.set(LE_INT, 20, 1);           // LINKTYPE_ETHERNET
        at = 24;
    }

    /**
     * Appends {@code payload} as TCP segments from {@code s.local} to {@code s.peer}, the first one
     * at sequence number {@code seq}, stamped {@code epochMicros}.
     */
    void tcp(SendTap.Stream s, long seq, long epochMicros, MemorySegment payload) throws IOException {
        for (long done = 0; done < payload.byteSize(); done += SEGMENT) {
            int n = (int) Math.min(SEGMENT, payload.byteSize() - done);
            segment(s, (int) (seq + done), epochMicros, payload, done, n);
        }
    }

    /** Appends {@code payload} as one UDP datagram from {@code s.local} to {@code s.peer}, stamped {@code epochMicros}. */
    void udp(SendTap.Stream s, long epochMicros, MemorySegment payload) throws IOException {
        int n = (int) payload.byteSize();
        int udp = headers(s, PROTO_UDP, UDP + n, epochMicros);
        staged.set(SHORT, udp, (short) s.localPort);
        staged.set(SHORT, udp + 2, (short) s.peerPort);
        staged.set(SHORT, udp + 4, (short) (UDP + n));
        staged.set(SHORT, udp + 6, (short) 0);
        MemorySegment.copy(payload, 0, staged, udp + UDP, n);
        int check = ~fold(sum(udp, UDP + n, pseudo(s, udp, PROTO_UDP, UDP + n))) & 0xFFFF;
        staged.set(SHORT, udp + 6, (short) (check == 0 ? 0xFFFF : check)); // 0 would mean "no checksum"
        at = udp + UDP + n;
    }

    private void segment(SendTap.Stream s, int seq, long epochMicros, MemorySegment payload, long from, int n) throws IOException {
        int tcp = headers(s, PROTO_TCP, TCP + n, epochMicros);
        staged.set(SHORT, tcp, (short) s.localPort);
        staged.set(SHORT, tcp + 2, (short) s.peerPort);
        staged.set(INT, tcp + 4, seq);
        staged.set(INT, tcp + 8, 1);                                    // ack: the peer has sent nothing we show
        staged.set(SHORT, tcp + 12, (short) (0x5000 | 0x18));           // 20-byte header, PSH|ACK
        staged.set(SHORT, tcp + 14, (short) 0xFFFF);
        staged.set(INT, tcp + 16, 0);
        MemorySegment.copy(payload, from, staged, tcp + TCP, n);
        staged.set(SHORT, tcp + 16, (short) ~fold(sum(tcp, TCP + n, pseudo(s, tcp, PROTO_TCP, TCP + n))));
        at = tcp + TCP + n;
    }

    /** The pseudo-header's sum: the addresses, the protocol and the transport length ({@code l4} is where the transport header starts). */
    private long pseudo(SendTap.Stream s, int l4, int protocol, int length) {
        int iph = l4 - (s.v6 ? IPV6 : IPV4);
        return (s.v6 ? sum(iph + 8, 32, 0) : sum(iph + 12, 8, 0)) + protocol + length;
    }

    /**
     * Stages the pcap record header, the Ethernet header and the IP header of a packet carrying
     * {@code transport} bytes of {@code protocol}; returns where the transport header goes.
     */
    private int headers(SendTap.Stream s, int protocol, int transport, long epochMicros) throws IOException {
        int ip = s.v6 ? IPV6 : IPV4;
        int packet = ETHERNET + ip + transport;
        if (at + 16 + packet > stage.capacity()) {
            flush();
        }
        int rec = at;
        staged.set(LE_INT, rec, (int) (epochMicros / 1_000_000));
        staged.set(LE_INT, rec + 4, (int) (epochMicros % 1_000_000));
        staged.set(LE_INT, rec + 8, packet);
        staged.set(LE_INT, rec + 12, packet);
        int eth = rec + 16;
        staged.set(INT, eth, 0x02000000);
        staged.set(SHORT, eth + 4, (short) 0x0002);
        staged.set(INT, eth + 6, 0x02000000);
        staged.set(SHORT, eth + 10, (short) 0x0001);
        staged.set(SHORT, eth + 12, (short) (s.v6 ? 0x86DD : 0x0800));
        int iph = eth + ETHERNET;
        if (s.v6) {
            staged.set(INT, iph, 0x60000000);
            staged.set(SHORT, iph + 4, (short) transport);
            staged.set(ValueLayout.JAVA_BYTE, iph + 6, (byte) protocol);
            staged.set(ValueLayout.JAVA_BYTE, iph + 7, (byte) 64);
            MemorySegment.copy(s.local, 0, staged, iph + 8, 16);
            MemorySegment.copy(s.peer, 0, staged, iph + 24, 16);
        } else {
            staged.set(INT, iph, 0x45000000 | (IPV4 + transport));
            staged.set(SHORT, iph + 4, ipId++);
            staged.set(SHORT, iph + 6, (short) 0x4000);                 // don't fragment
            staged.set(SHORT, iph + 8, (short) (0x4000 | protocol));    // TTL 64, the protocol
            staged.set(SHORT, iph + 10, (short) 0);
            MemorySegment.copy(s.local, 0, staged, iph + 12, 4);
            MemorySegment.copy(s.peer, 0, staged, iph + 16, 4);
            staged.set(SHORT, iph + 10, (short) ~fold(sum(iph, IPV4, 0)));
        }
        return iph + ip;
    }

    /** The one's-complement sum of {@code length} bytes of the stage at {@code from}, as 16-bit words, plus {@code start}. */
    private long sum(int from, int length, long start) {
        long s = start;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            s += Short.toUnsignedInt(staged.get(SHORT, from + i));
        }
        if (i < length) {
            s += (staged.get(ValueLayout.JAVA_BYTE, from + i) & 0xFF) << 8;
        }
        return s;
    }

    private static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    void flush() throws IOException {
        stage.limit(at).position(0);
        while (stage.hasRemaining()) {
            channel.write(stage);
        }
        stage.clear();
        at = 0;
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            channel.close();
        }
    }
}
