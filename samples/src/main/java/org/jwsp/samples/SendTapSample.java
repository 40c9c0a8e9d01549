package org.jwsp.samples;


import static org.jwsp.bindings.windows.ws2spi_h.AF_INET;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;


import org.jwsp.samples.filter.SendTap;

/**
 * Watching jwsp's sends in Wireshark: a {@link SendTap} as jwsp's filter writes every byte two
 * connections send (blocking WSASends on one, overlapped ones on a completion port on the other)
 * and a connected UDP socket sends (datagrams of at most {@value #DATAGRAM_MAX} bytes) to a pcap
 * file, one TCP stream or UDP flow per socket, and the sample checks that the file holds exactly
 * what the echo server sent back and the datagram receiver got. Open the file with {@code wireshark FILE} or
 * {@code tcpdump -r FILE -nn -S}. This sample reads payload (the tap copies it); no other does.
 *
 * <pre>bash samples/demo.sh SendTapSample --out /tmp/jwsp.pcap</pre>
 */
public final class SendTapSample {

    /** Largest datagram the sample sends: what fits an Ethernet frame's IPv4 packet. */
    static final int DATAGRAM_MAX = 1472;
    private static final String[] WAYS = {"blocking", "overlapped", "datagrams"};

    private SendTapSample() {
    }

    public static void main(String[] args) {
        System.exit(run(System.out, args));
    }

    /** Runs the sample with {@code args}, printing to {@code out}; 0 when the file holds every byte the echo returned. */
    public static int run(PrintStream out, String... args) {
        return SampleExit.code(out, "send tap sample", () -> {
            SampleArgs a = new SampleArgs("SendTapSample",
                    "Writes every byte jwsp sends on two connections to a pcap file (for Wireshark or tcpdump -r) and checks the file holds what the echo returned. The one sample that reads payload.")
                    .option("out", "samples/target/jwsp-sends.pcap", "the pcap file to write")
                    .option("sends", "300", "sends per connection")
                    .option("size", "1000", "bytes per send (1 to 1m)")
                    .option("ring", "16m", "the tap's ring: bytes on their way to the file at most (64k to 1024m)")
                    .parse(args);
            if (a.help()) {
                out.print(a.usage());
                return;
            }
            int sends = a.integer("sends", 1, 1_000_000);
            int size = a.integer("size", 1, 1 << 20);
            long ring = a.number("ring", 64 * 1024, 1024L << 20);
            Path path = Path.of(a.string("out"));
            tap(out, path, sends, size, ring);
        });
    }

    private static void tap(PrintStream out, Path path, int sends, int size, long ringBytes) throws Exception {
        SendTap tap;
        try {
            tap = new SendTap(path, ringBytes);
        } catch (IOException e) {
            out.println("sent 0 B, confirmed 0 B: nothing was sent");
            throw new SampleFailure("cannot write the pcap file " + path + ": " + SampleArgs.why(e));
        }
        long[] sent = new long[3];
        long[] echoed = new long[3];
        long[] socket = new long[3];
        try (tap) {
            try (EchoServer echo = EchoServer.start(); JwspOnHost jwsp = JwspOnHost.install(tap); Arena arena = Arena.ofConfined()) {
                Winsock ws2 = jwsp.winsock();
                try (EchoConnection blocking = new EchoConnection(ws2, echo.port());
                     EchoConnection overlapped = new EchoConnection(ws2, echo.port());
                     DatagramConnection datagrams = new DatagramConnection(ws2, AF_INET())) {
                    socket[0] = blocking.socket();
                    socket[1] = overlapped.socket();
                    socket[2] = datagrams.socket();
                    for (long s : socket) {
                        name(ws2, tap, s, arena);
                    }
                    int datagram = Math.min(size, DATAGRAM_MAX);
                    try {
                        WinsockSends.blocking(ws2, blocking, sends, new int[] {size}, 0, new SendTally());
                        WinsockSends.throughCompletionPort(ws2, overlapped, sends, 1, size, 8, new SendTally());
                        datagrams.send(sends, datagram, new SendTally());
                    } finally {
                        sent[0] = blocking.planned();
                        sent[1] = overlapped.planned();
                        sent[2] = (long) sends * datagram;
                    }
                    try {
                        blocking.awaitEcho(WinsockSends.WAIT_MILLIS);
                        overlapped.awaitEcho(WinsockSends.WAIT_MILLIS);
                        datagrams.awaitEcho(WinsockSends.WAIT_MILLIS);
                    } finally {
                        echoed[0] = blocking.received();
                        echoed[1] = overlapped.received();
                        echoed[2] = datagrams.received();
                    }
                }
            } finally {
                tap.close(); // everything recorded is in the file before it is checked
                for (int i = 0; i < 3; i++) {
                    out.printf("%-10s %-34s sent %,10d B  %s %,10d B  in the pcap %,10d B%n", WAYS[i],
                            tap.describe(socket[i]), sent[i], i < 2 ? "echoed " : "arrived", echoed[i], tap.written(socket[i]));
                }
                out.printf("tap: %,d sends (%,d B) recorded, %,d sends (%,d B) dropped because its ring was full, file %s%n",
                        tap.tappedSends(), tap.tappedBytes(), tap.droppedSends(), tap.droppedBytes(), path);
            }
        }
        if (tap.failure() != null) {
            throw new SampleFailure(tap.failure());
        }
        if (tap.droppedSends() > 0) {
            throw new SampleFailure(tap.droppedSends() + " sends were not recorded (the ring was full): give the tap a larger --ring");
        }
        for (int i = 0; i < 3; i++) {
            if (tap.written(socket[i]) != echoed[i]) {
                throw new SampleFailure("the pcap holds " + tap.written(socket[i]) + " B of the " + WAYS[i] + " socket, whose peer got "
                        + echoed[i] + " B");
            }
        }
        out.println("send tap sample: OK, every byte the peers got is in " + path + " (tcpdump -r " + path + " -nn -S)");
    }

    /** Tells the tap the socket's local address, from getsockname. */
    private static void name(Winsock ws2, SendTap tap, long socket, Arena arena) {
        MemorySegment name = arena.allocate(128);
        MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
        length.set(ValueLayout.JAVA_INT, 0, 128);
        if (ws2.getsockname(socket, name, length) != 0) {
            throw new SampleFailure("getsockname failed: WSA error " + ws2.lastError());
        }
        tap.name(socket, name);
    }
}
