package org.jwsp.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jwsp.provider.filter.SendView;
import org.junit.jupiter.api.Test;
import org.jwsp.samples.filter.SendTap;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tap does when a send does not fit its ring: the send is counted as dropped, nothing of
 * it is written, and its sequence numbers are used anyway, so the next segment in the file starts
 * after the gap (Wireshark: "previous segment not captured"). Deterministic: a send larger than
 * the whole ring never fits, whatever the writer is doing.
 */
class SendTapTest {

    @TempDir
    Path dir;

    /** A completed TCP send to 127.0.0.1:40000 of {@code size} bytes of the stream pattern from {@code offset}. */
    private static final class View implements SendView {
        final MemorySegment peer = Arena.ofAuto().allocate(28);
        long size;
        long offset;

        View() {
            peer.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 2);
            peer.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) 40000);
            peer.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 4, 0x7F000001);
        }

        @Override public long socket() { return 7; }
        @Override public int socketType() { return 1; }
        @Override public int addressFamily() { return 2; }
        @Override public int protocol() { return 6; }
        @Override public boolean overlapped() { return true; }
        @Override public boolean nonBlocking() { return false; }
        @Override public boolean connected() { return true; }
        @Override public int maxMessageSize() { return Integer.MAX_VALUE; }
        @Override public int bufferCount() { return 1; }
        @Override public long bufferLength(int i) { return size; }
        @Override public long totalBytes() { return size; }
        @Override public int flags() { return 0; }
        @Override public MemorySegment peer() { return peer; }
        @Override public long ticket() { return 1; }
        @Override public long acceptedNanos() { return System.nanoTime(); }
        @Override public long callerThreadId() { return 1; }

        @Override
        public void copyPayload(long from, MemorySegment into, long intoOffset, long length) {
            StreamPattern.fill(into.asSlice(intoOffset, length), offset + from);
        }
    }

    @Test
    void aSendThatDoesNotFitIsDroppedAndCounted_itsSequenceNumbersStillUsed() throws Exception {
        Path pcap = dir.resolve("gap.pcap");
        View v = new View();
        SendTap tap = new SendTap(pcap, 64 * 1024);
        try (tap) {
            v.size = 1000;
            tap.onComplete(v, 0, 1000);
            v.offset = 1000;
            v.size = 100_000; // larger than the ring
            tap.onComplete(v, 0, 100_000);
            v.offset = 101_000;
            v.size = 500;
            tap.onComplete(v, 0, 500);
        }
        assertEquals(1, tap.droppedSends());
        assertEquals(100_000, tap.droppedBytes());
        assertEquals(2, tap.tappedSends());
        assertEquals(1500, tap.written(7));
        Process p = new ProcessBuilder("tcpdump", "-r", pcap.toString(), "-nn", "-S").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines;
        try (InputStream in = p.getInputStream()) {
            lines = new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines().toList();
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("seq 1:1001,"), lines.get(0));
        assertTrue(lines.get(1).contains("seq 101001:101501,"), "the gap is where the dropped send was: " + lines.get(1));
    }
}
