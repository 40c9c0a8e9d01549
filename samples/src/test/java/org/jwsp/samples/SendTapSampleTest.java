package org.jwsp.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The send tap's pcap file, read back by {@code tcpdump -r} (Debian package tcpdump, installed by
 * .ci/env.sh): two TCP streams whose segments, in file order, carry consecutive sequence numbers
 * and exactly the bytes the sample sent ({@link StreamPattern} from offset 0 on each connection),
 * and one UDP flow whose datagrams, in file order, carry exactly the datagrams sent.
 */
class SendTapSampleTest {

    private static final Pattern HEADER = Pattern.compile(" IP6? (\\S+) > (\\S+): Flags \\[P\\.\\], seq (\\d+):(\\d+),");
    private static final Pattern UDP_HEADER = Pattern.compile(" IP6? (\\S+) > (\\S+): UDP, length (\\d+)$");

    @TempDir
    Path dir;

    @Test
    void tcpdumpReadsEveryByteSentInOrder() throws Exception {
        Path pcap = dir.resolve("sends.pcap");
        SampleRun run = SampleRun.of(out -> SendTapSample.run(out, "--out", pcap.toString(), "--sends", "200", "--size", "1500"));
        assertEquals(0, run.exitCode(), run.output());
        Map<String, Stream> streams = tcpdump(pcap);
        assertEquals(3, streams.size(), streams.keySet() + "\n" + run.output());
        assertEquals(1, streams.values().stream().filter(s -> s.udp).count(), "one UDP flow: " + streams.keySet());
        for (Map.Entry<String, Stream> e : streams.entrySet()) {
            Stream s = e.getValue();
            assertEquals(200L * (s.udp ? SendTapSample.DATAGRAM_MAX : 1500), s.bytes, e.getKey() + ": bytes in the pcap");
            assertTrue(s.inOrder, e.getKey() + ": segments in sequence order");
            assertTrue(StreamPattern.matches(MemorySegment.ofArray(s.payload.toByteArray()), 0), e.getKey() + ": every byte as sent");
        }
        String verbose = tcpdumpText(pcap, "-vv");
        assertFalse(verbose.contains("incorrect"), "IP and TCP checksums as Wireshark checks them:\n" + verbose.lines().limit(20).toList());
        assertTrue(verbose.contains("(correct)"), "tcpdump checked the checksums");
        assertFalse(verbose.contains("bad udp cksum"), "UDP checksums:\n" + verbose.lines().filter(l -> l.contains("udp")).limit(5).toList());
        assertTrue(verbose.contains("udp sum ok"), "tcpdump checked the UDP checksums");
        assertTrue(run.output().contains("send tap sample: OK"), run.output());
    }

    @Test
    void anUnwritablePathIsOneLineAndExitOne() {
        Path nowhere = dir.resolve("no-such-dir").resolve("x.pcap");
        SampleRun run = SampleRun.of(out -> SendTapSample.run(out, "--out", nowhere.toString()));
        assertEquals(1, run.exitCode(), run.output());
        assertEquals("send tap sample FAILED: cannot write the pcap file " + nowhere + ": its directory does not exist",
                run.lines().getLast());
        assertTrue(run.output().contains("sent 0 B"), run.output());
        assertFalse(run.output().contains("\tat "), "no stack trace: " + run.output());
    }

    @Test
    void unknownFlagsAndImpossibleSizesAreOneLineAndExitOne() {
        SampleRun unknown = SampleRun.of(out -> SendTapSample.run(out, "--colour", "red"));
        assertEquals(2, unknown.exitCode(), "a bad command line");
        assertEquals(1, unknown.lines().size(), unknown.output());
        assertTrue(unknown.output().startsWith("SendTapSample: Unknown option") && unknown.output().contains("'--colour'")
                && unknown.output().strip().endsWith("(try --help)"), unknown.output());
        SampleRun zero = SampleRun.of(out -> SendTapSample.run(out, "--size", "0"));
        assertEquals(2, zero.exitCode());
        assertEquals("SendTapSample: --size 0: must be between 1 and 1048576 (try --help)", zero.output().strip());
        SampleRun help = SampleRun.of(out -> SendTapSample.run(out, "--help"));
        assertEquals(0, help.exitCode());
        for (String listed : List.of("--out", "--sends", "--size", "--ring", "--help", "Exit codes", "default: 16m")) {
            assertTrue(help.output().contains(listed), "--help lists " + listed + ":\n" + help.output());
        }
        SampleRun equals = SampleRun.of(out -> SendTapSample.run(out, "--size=0"));
        assertEquals(zero.output(), equals.output(), "--name=value is --name value");
    }

    /** One TCP stream as tcpdump printed it: its payload in file order, and whether each segment began where the last ended. */
    private static final class Stream {
        boolean udp;
        final java.io.ByteArrayOutputStream payload = new java.io.ByteArrayOutputStream();
        long bytes;
        long nextSeq = -1;
        boolean inOrder = true;
    }

    /** {@code tcpdump -r pcap -nn -S -x}: headers with absolute sequence numbers, each packet's IP bytes in hex. */
    private static Map<String, Stream> tcpdump(Path pcap) throws IOException, InterruptedException {
        String text = tcpdumpText(pcap, "-x");
        Map<String, Stream> streams = new LinkedHashMap<>();
        Stream current = null;
        java.io.ByteArrayOutputStream packet = new java.io.ByteArrayOutputStream();
        long seq = 0;
        for (String line : (text + "\nEND\n").lines().toList()) {
            if (line.startsWith("\t0x")) {
                String hex = line.substring(line.indexOf(':') + 1).replace(" ", "");
                for (int i = 0; i + 1 < hex.length(); i += 2) {
                    packet.write(Integer.parseInt(hex, i, i + 2, 16));
                }
                continue;
            }
            if (current != null) {
                append(current, packet.toByteArray(), seq);
            }
            packet.reset();
            current = null;
            Matcher m = HEADER.matcher(line);
            Matcher u = UDP_HEADER.matcher(line);
            if (m.find()) {
                current = streams.computeIfAbsent(m.group(1) + " > " + m.group(2), k -> new Stream());
                seq = Long.parseLong(m.group(3));
            } else if (u.find()) {
                current = streams.computeIfAbsent(u.group(1) + " > " + u.group(2), k -> new Stream());
                current.udp = true;
                seq = -1;
            } else if (!line.equals("END") && !line.isBlank()) {
                throw new AssertionError("a line tcpdump should not print for the tap's file: " + line);
            }
        }
        return streams;
    }

    private static String tcpdumpText(Path pcap, String option) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("tcpdump", "-r", pcap.toString(), "-nn", "-S", option)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String text;
        try (InputStream in = p.getInputStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "tcpdump -r " + pcap + " " + option + " failed:\n" + text);
        return text;
    }

    /** Strips the IP and TCP headers (their lengths from the bytes themselves) and appends the payload. */
    private static void append(Stream s, byte[] ip, long seq) {
        int ipHeader = (ip[0] >> 4) == 6 ? 40 : (ip[0] & 0x0F) * 4;
        int tcpHeader = s.udp ? 8 : ((ip[ipHeader + 12] >> 4) & 0x0F) * 4;
        int n = ip.length - ipHeader - tcpHeader;
        if (!s.udp) {
            if (s.nextSeq >= 0 && seq != s.nextSeq) {
                s.inOrder = false;
            }
            s.nextSeq = seq + n;
        }
        s.payload.write(ip, ipHeader + tcpHeader, n);
        s.bytes += n;
    }
}
