package org.jwsp.provider.filter;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.sockaddr_in;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.LayeredProvider;
import org.jwsp.testkit.FakeLowerProvider.Answer;
import org.jwsp.testkit.JwspClient;
import org.jwsp.testkit.PeerReader;
import org.jwsp.testkit.Wsabufs;
import org.junit.jupiter.api.Test;

/**
 * The Java filter API on the send path, driven through jwsp's lpWSPSend native pointer over the
 * test harness (fake lower provider on AF_UNIX socketpairs).
 */
class SendFilterTest {

    private static final int WAIT = 5_000;

    private record Seen(long socket, int type, int count, List<Long> lengths, long total, int flags, int peerPort, boolean overlapped) {
    }

    @Test
    void theDefaultIsPassThrough() {
        try (JwspClient c = JwspClient.start(); Arena a = Arena.ofConfined()) {
            long s = c.streamSocket(false);
            MemorySegment sent = a.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, c.send(s, Wsabufs.of(a, Wsabufs.data(a, "pass")), 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL,
                    MemorySegment.NULL, c.errno));
            assertEquals("pass", new String(PeerReader.readExactly(c.lower.onlySocket().peerFd, 4)));
        }
    }

    @Test
    void theFilterSeesAReadOnlyViewOfTheSocketAndTheCapturedBuffers() {
        List<Seen> seen = new ArrayList<>();
        SendFilter filter = v -> {
            List<Long> lengths = new ArrayList<>();
            for (int i = 0; i < v.bufferCount(); i++) {
                lengths.add(v.bufferLength(i));
            }
            seen.add(new Seen(v.socket(), v.socketType(), v.bufferCount(), lengths, v.totalBytes(), v.flags(),
                    Short.toUnsignedInt(Short.reverseBytes(sockaddr_in.sin_port(v.peer()))), v.overlapped()));
            assertThrows(IllegalArgumentException.class, () -> v.peer().set(ValueLayout.JAVA_BYTE, 0, (byte) 1), "read-only");
            return SendFilter.PASS;
        };
        try (JwspClient c = JwspClient.start(s -> s.withFilter(filter)); Arena a = Arena.ofConfined()) {
            long s = c.streamSocket(true);
            MemorySegment peer = a.allocate(sockaddr_in.layout());
            sockaddr_in.sin_family(peer, (short) AF_INET());
            sockaddr_in.sin_port(peer, Short.reverseBytes((short) 4242));
            assertEquals(0, c.connect(s, peer, (int) sockaddr_in.layout().byteSize()));
            MemorySegment ov = a.allocate(OVERLAPPED.layout());
            MemorySegment sent = a.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, c.send(s, Wsabufs.of(a, Wsabufs.data(a, "ab"), Wsabufs.data(a, "cde")), 2, sent, MSG_DONTROUTE(), ov,
                    MemorySegment.NULL, MemorySegment.NULL, c.errno));
            assertEquals(List.of(new Seen(s, SOCK_STREAM(), 2, List.of(2L, 3L), 5, MSG_DONTROUTE(), 4242, true)), seen);
        }
    }

    @Test
    void theFilterMayFailTheSendWithAChosenWsaeCode_nothingIsSent() {
        try (JwspClient c = JwspClient.start(s -> s.withFilter(v -> v.totalBytes() > 3 ? WSAEACCES() : SendFilter.PASS));
             Arena a = Arena.ofConfined()) {
            long s = c.streamSocket(true);
            MemorySegment ov = a.allocate(OVERLAPPED.layout());
            MemorySegment sent = a.allocate(ValueLayout.JAVA_INT);
            assertEquals(SOCKET_ERROR(), c.send(s, Wsabufs.of(a, Wsabufs.data(a, "blocked")), 1, sent, 0, ov, MemorySegment.NULL,
                    MemorySegment.NULL, c.errno));
            assertEquals(WSAEACCES(), c.errno());
            assertEquals(0, c.lower.onlySocket().sendCalls.get());
            assertEquals(0, c.ws2.completions.get(), "no completion indication");
            assertEquals(0, c.send(s, Wsabufs.of(a, Wsabufs.data(a, "ok")), 1, sent, 0, ov, MemorySegment.NULL,
                    MemorySegment.NULL, c.errno));
            assertEquals("ok", new String(PeerReader.readExactly(c.lower.onlySocket().peerFd, 2)));
        }
    }

    @Test
    void aFilterThatAnswersNoWsaeCode_orThrows_failsTheSendWithADocumentedCode() {
        try (JwspClient c = JwspClient.start(s -> s.withFilter(v -> 7)); Arena a = Arena.ofConfined()) {
            long s = c.streamSocket(false);
            MemorySegment sent = a.allocate(ValueLayout.JAVA_INT);
            assertEquals(SOCKET_ERROR(), c.send(s, Wsabufs.of(a, Wsabufs.data(a, "x")), 1, sent, 0, MemorySegment.NULL,
                    MemorySegment.NULL, MemorySegment.NULL, c.errno));
            assertEquals(WSAEINVAL(), c.errno());
            LayeredProvider.setFilter(v -> {
                throw new IllegalStateException("a filter bug");
            });
            assertEquals(SOCKET_ERROR(), c.send(s, Wsabufs.of(a, Wsabufs.data(a, "x")), 1, sent, 0, MemorySegment.NULL,
                    MemorySegment.NULL, MemorySegment.NULL, c.errno));
            assertEquals(WSAENETDOWN(), c.errno());
            LayeredProvider.setFilter(SendFilter.PASS_THROUGH);
            assertEquals(0, c.send(s, Wsabufs.of(a, Wsabufs.data(a, "x")), 1, sent, 0, MemorySegment.NULL,
                    MemorySegment.NULL, MemorySegment.NULL, c.errno));
        }
    }

    @Test
    void theFilterMayDelayACompletion_laterSendsWaitBehindIt_releaseLetsThemGoInOrder() {
        AtomicLong ticket = new AtomicLong();
        SendFilter delayFirst = v -> ticket.compareAndSet(0, v.ticket()) ? SendFilter.DELAY : SendFilter.PASS;
        try (JwspClient c = JwspClient.start(s -> s.withFilter(delayFirst)); Arena a = Arena.ofConfined()) {
            long s = c.streamSocket(true);
            MemorySegment sent = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment ov1 = a.allocate(OVERLAPPED.layout());
            MemorySegment ov2 = a.allocate(OVERLAPPED.layout());
            long e1 = c.kernel.createEvent(true, false);
            long e2 = c.kernel.createEvent(true, false);
            OVERLAPPED.hEvent(ov1, MemorySegment.ofAddress(e1));
            OVERLAPPED.hEvent(ov2, MemorySegment.ofAddress(e2));
            assertEquals(SOCKET_ERROR(), c.send(s, Wsabufs.of(a, Wsabufs.data(a, "first ")), 1, sent, 0, ov1, MemorySegment.NULL,
                    MemorySegment.NULL, c.errno));
            assertEquals(WSA_IO_PENDING(), c.errno());
            assertEquals(SOCKET_ERROR(), c.send(s, Wsabufs.of(a, Wsabufs.data(a, "second")), 1, sent, 0, ov2, MemorySegment.NULL,
                    MemorySegment.NULL, c.errno));
            assertEquals(WSA_IO_PENDING(), c.errno(), "queued behind the held send");
            assertEquals(0, c.lower.onlySocket().sendCalls.get(), "nothing reached the lower provider");
            assertEquals(KernelPort.WAIT_TIMEOUT, c.kernel.waitForSingleObject(e1, 0, false));
            assertTrue(LayeredProvider.releaseDelayed(ticket.get()));
            assertFalse(LayeredProvider.releaseDelayed(ticket.get()), "a ticket releases once");
            assertEquals(KernelPort.WAIT_OBJECT_0, c.kernel.waitForSingleObject(e1, WAIT, false));
            assertEquals(KernelPort.WAIT_OBJECT_0, c.kernel.waitForSingleObject(e2, WAIT, false));
            assertEquals("first second", new String(PeerReader.readExactly(c.lower.onlySocket().peerFd, 12)));
        }
    }

    /** A release that reaches jwsp before the filter's DELAY verdict does (another thread was quicker) is not lost. */
    @Test
    void aReleaseThatArrivesBeforeTheDelayVerdictIsNotLost() {
        AtomicLong ticket = new AtomicLong();
        List<Boolean> released = new ArrayList<>();
        SendFilter releasedAtOnce = v -> {
            if (ticket.compareAndSet(0, v.ticket())) {
                released.add(LayeredProvider.releaseDelayed(v.ticket()));
                released.add(LayeredProvider.releaseDelayed(v.ticket()));
                return SendFilter.DELAY;
            }
            return SendFilter.PASS;
        };
        try (JwspClient c = JwspClient.start(s -> s.withFilter(releasedAtOnce)); Arena a = Arena.ofConfined()) {
            long s = c.streamSocket(true);
            MemorySegment sent = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment ov = a.allocate(OVERLAPPED.layout());
            long e = c.kernel.createEvent(true, false);
            OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(e));
            int rc = c.send(s, Wsabufs.of(a, Wsabufs.data(a, "early")), 1, sent, 0, ov, MemorySegment.NULL,
                    MemorySegment.NULL, c.errno);
            assertTrue(rc == 0 || c.errno() == WSA_IO_PENDING(), "rc " + rc + " errno " + c.errno());
            assertEquals(List.of(true, false), released, "the early release counts once");
            assertEquals(KernelPort.WAIT_OBJECT_0, c.kernel.waitForSingleObject(e, WAIT, false), "the send was not held");
            assertEquals("early", new String(PeerReader.readExactly(c.lower.onlySocket().peerFd, 5)));
            assertFalse(LayeredProvider.releaseDelayed(ticket.get()), "nothing left to release");
        }
    }

    private record Done(long socket, int error, long bytes, String payload, String middle, boolean callerToldYet, long callerThread) {
    }

    /** onComplete: once per send the filter let through, before the caller's event, on whatever thread, with the bytes sent. */
    @Test
    void onCompleteReportsEachPassedSendOnce_beforeTheCallerIsTold_andMayCopyItsBytes() {
        List<Done> done = new java.util.concurrent.CopyOnWriteArrayList<>();
        long[] event = new long[1];
        KernelPort[] kernel = new KernelPort[1];
        SendFilter filter = new SendFilter() {
            @Override
            public int onSend(SendView v) {
                return v.totalBytes() == 4 ? WSAEACCES() : PASS;
            }

            @Override
            public void onComplete(SendView v, int error, long bytes) {
                byte[] copy = new byte[(int) v.totalBytes()];
                v.copyPayload(0, MemorySegment.ofArray(copy), 0, copy.length);
                byte[] middle = new byte[3];
                v.copyPayload(1, MemorySegment.ofArray(middle), 0, 3);
                assertThrows(IndexOutOfBoundsException.class, () -> v.copyPayload(1, MemorySegment.ofArray(middle), 0, v.totalBytes()));
                boolean told = v.overlapped() && kernel[0].waitForSingleObject(event[0], 0, false) == KernelPort.WAIT_OBJECT_0;
                done.add(new Done(v.socket(), error, bytes, new String(copy), new String(middle), told, v.callerThreadId()));
            }
        };
        try (JwspClient c = JwspClient.start(s -> s.withFilter(filter)); Arena a = Arena.ofConfined()) {
            kernel[0] = c.kernel;
            long s = c.streamSocket(true);
            MemorySegment sent = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment ov = a.allocate(OVERLAPPED.layout());
            event[0] = c.kernel.createEvent(true, false);
            OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event[0]));
            int rc = c.send(s, Wsabufs.of(a, Wsabufs.data(a, "ab"), Wsabufs.data(a, "cde")), 2, sent, 0, ov, MemorySegment.NULL,
                    MemorySegment.NULL, c.errno);
            assertTrue(rc == 0 || c.errno() == WSA_IO_PENDING(), "rc " + rc + " errno " + c.errno());
            assertEquals(KernelPort.WAIT_OBJECT_0, c.kernel.waitForSingleObject(event[0], WAIT, false));
            assertEquals(SOCKET_ERROR(), c.send(s, Wsabufs.of(a, Wsabufs.data(a, "nope")), 1, sent, 0, MemorySegment.NULL,
                    MemorySegment.NULL, MemorySegment.NULL, c.errno), "refused: never reported as complete");
            assertEquals(0, c.send(s, Wsabufs.of(a, Wsabufs.data(a, "sync!")), 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL,
                    MemorySegment.NULL, c.errno));
            long me = Thread.currentThread().threadId();
            assertEquals(List.of(new Done(s, 0, 5, "abcde", "bcd", false, me), new Done(s, 0, 5, "sync!", "ync", false, me)), done);
            assertEquals("abcdesync!", new String(PeerReader.readExactly(c.lower.onlySocket().peerFd, 10)));
        }
    }
}
