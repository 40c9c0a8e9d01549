package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.LPWSPSEND;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * Issue 10, defect 9: pointers that point nowhere, straight at jwsp's {@code lpWSPSend} over the
 * real host. Before the address-range check each of these killed the JVM with SIGSEGV inside
 * the WSABUF capture or validation; now each is WSAEFAULT, nothing is sent, and the socket
 * still carries what comes next.
 */
class BadPointerTest {

    private static final long KERNEL = 0xFFFF_8000_0010_0000L;
    private static final long NON_CANONICAL = 0x0000_9000_0000_0000L;
    private static final long LOW = 0x1000L;

    private interface Body {
        void run(Ws2 ws2, Pair p, Arena arena, Call call) throws Exception;
    }

    /** lpWSPSend with raw addresses: s, lpBuffers, count, lpSent, lpOverlapped. */
    private interface Call {
        int send(long s, long lpBuffers, int count, long lpSent, long lpOverlapped);
    }

    private static void withPair(int flags, Body body) throws Exception {
        withPair(flags, false, body);
    }

    private static void withPair(int flags, boolean probe, Body body) throws Exception {
        OverTheHost.run(st -> st.withProbeCallerMemory(probe), (ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), flags, arena)) {
                MemorySegment fn = WSPPROC_TABLE.lpWSPSend(ws2.provider(p.client()).procTable());
                MemorySegment errno = arena.allocate(ValueLayout.JAVA_INT);
                Call call = (s, bufs, count, sent, ov) -> {
                    errno.set(ValueLayout.JAVA_INT, 0, 0);
                    int rc = LPWSPSEND.invoke(fn, s, MemorySegment.ofAddress(bufs), count, MemorySegment.ofAddress(sent), 0,
                            MemorySegment.ofAddress(ov), MemorySegment.NULL, MemorySegment.NULL, errno);
                    return rc == 0 ? 0 : errno.get(ValueLayout.JAVA_INT, 0);
                };
                body.run(ws2, p, arena, call);
            }
        });
    }

    /** After the refusals, one good send arrives alone: nothing of the refused calls reached the peer. */
    private static void stillWorks(Ws2 ws2, Pair p, Arena arena, Call call, long ov) {
        MemorySegment data = Buffers.pattern(arena, 1000, 9);
        MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
        int rc = call.send(p.client(), Buffers.wsabuf(arena, data).address(), 1, sent.address(), ov);
        if (ov != 0) {
            assertEquals(true, rc == 0 || rc == WSA_IO_PENDING(), "good send: " + rc);
        } else {
            assertEquals(0, rc);
            assertEquals(1000, sent.get(ValueLayout.JAVA_INT, 0));
        }
        MemorySegment got = arena.allocate(1000);
        assertEquals(true, Buffers.receiveFully(ws2, p.server(), got, arena));
        Buffers.assertPattern(got, 9);
    }

    @Test
    void overlappedSend_lpBuffersInKernelSpaceNonCanonicalOrLow_wsaeFault() throws Exception {
        withPair(WSA_FLAG_OVERLAPPED(), (ws2, p, arena, call) -> {
            long ov = OverTheHost.overlapped(ws2, arena).address();
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            for (long bad : new long[] {KERNEL, NON_CANONICAL, LOW, Buffers.wsabuf(arena, arena.allocate(8)).address() + 4}) {
                assertEquals(WSAEFAULT(), call.send(p.client(), bad, 1, sent.address(), ov), Long.toHexString(bad));
            }
            stillWorks(ws2, p, arena, call, ov);
        });
    }

    @Test
    void synchronousSend_lpBuffersOrABufPointingNowhere_wsaeFault() throws Exception {
        withPair(0, (ws2, p, arena, call) -> {
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            for (long bad : new long[] {KERNEL, NON_CANONICAL, LOW}) {
                assertEquals(WSAEFAULT(), call.send(p.client(), bad, 2, sent.address(), 0), Long.toHexString(bad));
                MemorySegment wsabuf = Buffers.wsabuf(arena, arena.allocate(16));
                wsabuf.set(ValueLayout.JAVA_LONG, 8, bad); // WSABUF.buf
                assertEquals(WSAEFAULT(), call.send(p.client(), wsabuf.address(), 1, sent.address(), 0), "buf " + Long.toHexString(bad));
                assertEquals(WSAEFAULT(), call.send(p.client(), wsabuf.address(), 1, bad, 0), "lpSent " + Long.toHexString(bad));
            }
            stillWorks(ws2, p, arena, call, 0);
        });
    }

    /**
     * 64 KiB: the lowest address the range check admits, which nothing maps in a Linux process
     * (vm.mmap_min_addr). Only the probe can refuse it; without the probe this test would crash.
     */
    private static final long PLAUSIBLE_BUT_UNMAPPED = 0x1_0000L;

    @Test
    void withTheProbe_plausibleButUnmappedPointers_wsaeFault() throws Exception {
        withPair(WSA_FLAG_OVERLAPPED(), true, (ws2, p, arena, call) -> {
            long ov = OverTheHost.overlapped(ws2, arena).address();
            long bufs = Buffers.wsabuf(arena, Buffers.pattern(arena, 100, 1)).address();
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(WSAEFAULT(), call.send(p.client(), PLAUSIBLE_BUT_UNMAPPED, 1, sent.address(), ov), "lpBuffers");
            assertEquals(WSAEFAULT(), call.send(p.client(), bufs, 1, sent.address(), PLAUSIBLE_BUT_UNMAPPED), "lpOverlapped");
            assertEquals(WSAEFAULT(), call.send(p.client(), bufs, 1, PLAUSIBLE_BUT_UNMAPPED, ov), "lpNumberOfBytesSent");
            assertEquals(WSAEFAULT(), call.send(p.client(), PLAUSIBLE_BUT_UNMAPPED, 1, sent.address(), 0), "synchronous lpBuffers");
            stillWorks(ws2, p, arena, call, ov);
        });
    }

    @Test
    void overlappedSend_overlappedOrBytesSentPointingNowhere_wsaeFaultAndNothingSent() throws Exception {
        withPair(WSA_FLAG_OVERLAPPED(), (ws2, p, arena, call) -> {
            long bufs = Buffers.wsabuf(arena, Buffers.pattern(arena, 100, 1)).address();
            long ov = OverTheHost.overlapped(ws2, arena).address();
            for (long bad : new long[] {KERNEL, NON_CANONICAL, LOW, ov + 4}) { // an OVERLAPPED is 8-aligned
                assertEquals(WSAEFAULT(), call.send(p.client(), bufs, 1, 0, bad), "lpOverlapped " + Long.toHexString(bad));
            }
            for (long bad : new long[] {KERNEL, NON_CANONICAL, LOW, ov + 2}) { // a DWORD 4-aligned
                assertEquals(WSAEFAULT(), call.send(p.client(), bufs, 1, bad, ov), "lpSent " + Long.toHexString(bad));
            }
            stillWorks(ws2, p, arena, call, ov);
        });
    }
}
