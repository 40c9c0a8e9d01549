package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendView;
import org.jwsp.testkit.FakeLowerProvider.Answer;
import org.jwsp.testkit.FakeLowerProvider.LowerSocket;

/**
 * Issue 10, defect 11: a WSABUF of 2 GiB or more, and a send of up to 2^32 - 1 bytes, are valid
 * (a ULONG length, a DWORD count); jwsp refused them with WSAEINVAL. Through jwsp's proc table
 * over the fake lower provider counting without reading (FakedLowerAnswer: over the host these
 * sends would need gigabytes of memory and of loopback traffic): the buffers are bare addresses
 * in user space that neither jwsp (it never touches data) nor the fake reads.
 *
 * <p>Each test proves the caller sees the whole count as an unsigned DWORD (its OVERLAPPED,
 * WSPGetOverlappedResult, lpNumberOfBytesSent, the routine's cbTransferred, the filter's view),
 * and that the lower provider was given the send in parts of at most
 * {@link WsaBufCapture#LOWER_SEND_MAX} bytes, entries included, covering the caller's bytes once
 * and in order. A total over 2^32 - 1 is WSAEINVAL and reaches no lower provider.
 */
class LargeSendTest {

    private static final int WAIT = 10_000;
    /** The most one lower send may carry: Linux's MAX_RW_COUNT (jwsp's {@link WsaBufCapture#LOWER_SEND_MAX}, written out). */
    private static final long MAX = 0x7FFF_F000L;
    /** Addresses in user space that nothing reads; far apart, so no two caller buffers touch. */
    private static final long NOWHERE = 0x1000_0000_0000L;
    private static final long ELSEWHERE = 0x2000_0000_0000L;

    @ParameterizedTest
    @EnumSource(value = Answer.class, names = {"IMMEDIATE", "PENDING"})
    void anOverlappedSendOf3GiBInOneWsabuf_completesWithTheWholeCount_inLowerSendsItCanTake(Answer answer) {
        long len = 0xC000_0000L;
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            LowerSocket lower = lowerCounting(f, answer);
            MemorySegment ov = f.overlapped(true);
            int rc = f.send(s, wsabufs(f.arena, len, NOWHERE), 1, 0, ov);
            assertTrue(rc == 0 || f.errno() == SendFixture.PENDING, () -> "WSPSend answered " + rc + ", error " + f.errno());
            awaitCompletion(f, lower, ov);

            assertEquals(0, (int) OVERLAPPED.Internal(ov));
            assertEquals(len, OVERLAPPED.InternalHigh(ov), "the OVERLAPPED's count, unsigned");
            MemorySegment transfer = f.arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment resultFlags = f.arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(1, f.c.getOverlappedResult(s, ov, transfer, false, resultFlags));
            assertEquals(len, Integer.toUnsignedLong(transfer.get(ValueLayout.JAVA_INT, 0)), "WSPGetOverlappedResult's cbTransfer");
            assertSplitCovers(lower.countedSends, len, NOWHERE);
            assertEquals(2, lower.countedSends.size(), "3 GiB: one lower send of the bound, one of the rest");
            awaitNoRequest();
        }
    }

    @Test
    void aSendOf2To32Minus1Bytes_withARoutineAndAFilter_everyoneSeesTheWholeCount() throws InterruptedException {
        long first = 0x8000_0000L;
        long second = 0x7FFF_FFFFL;
        long total = 0xFFFF_FFFFL;
        List<String> seen = new CopyOnWriteArrayList<>();
        SendFilter filter = new SendFilter() {
            @Override
            public int onSend(SendView v) {
                seen.add("send " + v.bufferCount() + " " + v.bufferLength(0) + " " + v.bufferLength(1) + " " + v.totalBytes());
                return PASS;
            }

            @Override
            public void onComplete(SendView v, int error, long bytes) {
                seen.add("done " + v.totalBytes() + " " + error + " " + bytes);
            }
        };
        try (SendFixture f = new SendFixture(st -> st.withFilter(filter)); Arena a = Arena.ofConfined()) {
            long s = f.stream(true);
            LowerSocket lower = lowerCounting(f, Answer.IMMEDIATE);
            MemorySegment tid = f.c.openCurrentThread(a);
            MemorySegment ov = f.overlapped(false);
            int rc = f.sendWithRoutine(s, wsabufs(f.arena, first, NOWHERE, second, ELSEWHERE), 2, ov, tid);
            assertTrue(rc == 0 || f.errno() == SendFixture.PENDING, () -> "WSPSend answered " + rc + ", error " + f.errno());
            assertTrue(f.c.ws2.awaitApcsQueued(1, WAIT), "the routine's APC");
            f.c.kernel.sleep(0, true);

            assertEquals(1, f.routineCalls.size(), () -> "the routine ran once: " + f.routineCalls);
            assertEquals(0, f.routineCalls.get(0).error());
            assertEquals(total, Integer.toUnsignedLong(f.routineCalls.get(0).bytes()), "cbTransferred, a DWORD");
            assertEquals(total, OVERLAPPED.InternalHigh(ov));
            assertEquals(List.of("send 2 " + first + " " + second + " " + total, "done " + total + " 0 " + total), seen,
                    "the filter's view: ULONG lengths, the DWORD total and count");
            assertSplitCovers(lower.countedSends, first, NOWHERE, second, ELSEWHERE);
            assertEquals(3, lower.countedSends.size(), () -> "parts: " + describe(lower.countedSends));
            awaitNoRequest();
        }
    }

    @Test
    void aTotalOver2To32Minus1_isWsaeinval_overlappedOrNot_andReachesNoLowerProvider() {
        try (SendFixture f = new SendFixture()) {
            long overlapped = f.stream(true);
            LowerSocket lower = lowerCounting(f, Answer.IMMEDIATE);
            MemorySegment bufs = wsabufs(f.arena, 0x8000_0000L, NOWHERE, 0x8000_0000L, ELSEWHERE); // 2^32
            MemorySegment ov = f.overlapped(true);
            assertEquals(SendFixture.SOCKET_ERROR, f.send(overlapped, bufs, 2, 0, ov));
            assertEquals(WSAEINVAL(), f.errno());
            assertEquals(KernelPort.WAIT_TIMEOUT, f.c.kernel.waitForSingleObject(f.event(ov), 0, false), "no completion");
            assertEquals(0, lower.sendCalls.get());
            assertEquals(SendFixture.SOCKET_ERROR, f.send(overlapped, bufs, 2, 0, MemorySegment.NULL), "synchronous on the same socket");
            assertEquals(WSAEINVAL(), f.errno());
            assertEquals(0, lower.sendCalls.get());
            assertEquals(0, LayeredProvider.outstandingRequests());
        }
    }

    @Test
    void aSynchronousSendOf2_5GiB_returnsTheWholeCountInLpNumberOfBytesSent_sentInParts() {
        long big = 0xA000_0000L;
        long[] done = new long[] {-1, -1};
        SendFilter filter = new SendFilter() {
            @Override
            public int onSend(SendView v) {
                return PASS;
            }

            @Override
            public void onComplete(SendView v, int error, long bytes) {
                done[0] = v.totalBytes();
                done[1] = bytes;
            }
        };
        try (SendFixture f = new SendFixture(st -> st.withFilter(filter))) {
            long s = f.stream(false);
            LowerSocket lower = lowerCounting(f, Answer.IMMEDIATE);
            MemorySegment head = f.data("head-bytes");
            MemorySegment tail = f.data("tail!");
            long total = head.byteSize() + big + tail.byteSize();
            f.errno.set(ValueLayout.JAVA_INT, 0, 4242); // a success leaves it alone
            assertEquals(0, f.send(s, wsabufs(f.arena, head.byteSize(), head.address(), big, NOWHERE, tail.byteSize(), tail.address()),
                    3, 0, MemorySegment.NULL));
            assertEquals(total, Integer.toUnsignedLong(f.sent()), "lpNumberOfBytesSent, a DWORD");
            assertEquals(4242, f.errno());
            assertArrayEquals(new long[] {total, total}, done, "the filter's view of the total and the count");
            assertSplitCovers(lower.countedSends, head.byteSize(), head.address(), big, NOWHERE, tail.byteSize(), tail.address());
            // the head alone (it and the big one exceed a part), the big one in two parts, the tail
            assertEquals(4, lower.countedSends.size(), () -> "parts: " + describe(lower.countedSends));
        }
    }

    @Test
    void aNonblockingSynchronousSendInParts_whoseLaterPartWouldBlock_returnsTheBytesSent_FakedLowerAnswer() {
        long big = 0xC000_0000L;
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(false);
            assertEquals(0, f.c.ioctl(s, FIONBIO(), f.arena.allocateFrom(ValueLayout.JAVA_INT, 1), 4, f.arena.allocate(ValueLayout.JAVA_INT)));
            LowerSocket lower = lowerCounting(f, Answer.IMMEDIATE);
            MemorySegment bufs = wsabufs(f.arena, big, NOWHERE);

            lower.countOnlyTakes = 1; // the first part goes, the second would block
            f.errno.set(ValueLayout.JAVA_INT, 0, 4242);
            assertEquals(0, f.send(s, bufs, 1, 0, MemorySegment.NULL), "bytes went out: a short count, not an error");
            assertEquals(MAX, Integer.toUnsignedLong(f.sent()));
            assertEquals(4242, f.errno(), "a success leaves lpErrno alone");

            // It took its one send already: now nothing goes at all, and the lower provider's answer is the send's
            assertEquals(SendFixture.SOCKET_ERROR, f.send(s, bufs, 1, 0, MemorySegment.NULL));
            assertEquals(WSAEWOULDBLOCK(), f.errno());
            assertEquals(1, lower.countedSends.size());
        }
    }

    @Test
    void moreWsabufsThanAGatherArrayHolds_oneOf2_25GiB_goDownInPartsFromTheCapture() {
        int count = SocketTable.GATHER_CAPACITY + 44;
        long[] lenBuf = new long[2 * count];
        lenBuf[0] = 0x9000_0000L;
        lenBuf[1] = NOWHERE;
        long total = lenBuf[0];
        for (int i = 1; i < count; i++) {
            lenBuf[2 * i] = 1 << 20;
            lenBuf[2 * i + 1] = ELSEWHERE + i * (2L << 20); // 1 MiB apart: no two buffers touch
            total += 1 << 20;
        }
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            LowerSocket lower = lowerCounting(f, Answer.PENDING);
            MemorySegment ov = f.overlapped(true);
            assertEquals(SendFixture.SOCKET_ERROR, f.send(s, wsabufs(f.arena, lenBuf), count, 0, ov));
            assertEquals(SendFixture.PENDING, f.errno());
            awaitCompletion(f, lower, ov);
            assertEquals(0, (int) OVERLAPPED.Internal(ov));
            assertEquals(total, OVERLAPPED.InternalHigh(ov));
            assertSplitCovers(lower.countedSends, lenBuf);
            // the first entry's first part alone, then the rest of it with every other entry in place
            assertEquals(2, lower.countedSends.size(), () -> "parts: " + describe(lower.countedSends));
            assertEquals(count, lower.countedSends.get(1).length / 2);
            awaitNoRequest();
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static LowerSocket lowerCounting(SendFixture f, Answer answer) {
        LowerSocket lower = f.lowerOf();
        f.c.lower.countWithoutReading(lower);
        f.c.lower.answer(lower, answer, 0);
        return lower;
    }

    /** WSABUFs from {@code {len, buf}} pairs. */
    private static MemorySegment wsabufs(Arena a, long... lenBuf) {
        MemorySegment array = a.allocate(lenBuf.length * 8L, 8);
        for (int i = 0; i < lenBuf.length / 2; i++) {
            array.set(ValueLayout.JAVA_INT, i * 16L, (int) lenBuf[2 * i]);
            array.set(ValueLayout.JAVA_LONG, i * 16L + 8, lenBuf[2 * i + 1]);
        }
        return array;
    }

    /** Waits for {@code ov}'s event, completing the lower socket's held sends (answer PENDING) as jwsp issues them. */
    private static void awaitCompletion(SendFixture f, LowerSocket lower, MemorySegment ov) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT);
        while (f.c.kernel.waitForSingleObject(f.event(ov), 0, false) != KernelPort.WAIT_OBJECT_0) {
            assertTrue(System.nanoTime() < deadline, () -> "no completion; lower sends so far: " + describe(lower.countedSends));
            try {
                if (f.c.lower.awaitPending(lower, 1, 50)) {
                    f.c.lower.completePending(lower);
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /**
     * Every lower send within the bound (its total and each entry), and together, in order, exactly
     * the caller's bytes: adjacent ranges joined, the lower sends' ranges equal the caller's.
     */
    private static void assertSplitCovers(List<long[]> lowerSends, long... callerLenBuf) {
        List<long[]> parts = new ArrayList<>();
        for (long[] send : lowerSends) {
            long sum = 0;
            for (int i = 0; i < send.length; i += 2) {
                assertTrue(send[i] <= MAX, () -> "a WSABUF beyond the bound: " + describe(lowerSends));
                sum += send[i];
                parts.add(new long[] {send[i], send[i + 1]});
            }
            assertTrue(sum <= MAX, () -> "a lower send beyond the bound: " + describe(lowerSends));
        }
        List<long[]> caller = new ArrayList<>();
        for (int i = 0; i < callerLenBuf.length; i += 2) {
            caller.add(new long[] {callerLenBuf[i], callerLenBuf[i + 1]});
        }
        assertEquals(describe(List.of(join(caller))), describe(List.of(join(parts))), "the lower sends carry the caller's bytes once, in order");
    }

    /** {len, buf} ranges with empty ones dropped and touching ones joined, flat. */
    private static long[] join(List<long[]> ranges) {
        List<long[]> out = new ArrayList<>();
        for (long[] r : ranges) {
            if (r[0] == 0) {
                continue;
            }
            long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last[1] + last[0] == r[1]) {
                last[0] += r[0];
            } else {
                out.add(new long[] {r[0], r[1]});
            }
        }
        long[] flat = new long[2 * out.size()];
        for (int i = 0; i < out.size(); i++) {
            flat[2 * i] = out.get(i)[0];
            flat[2 * i + 1] = out.get(i)[1];
        }
        return flat;
    }

    private static String describe(List<long[]> sends) {
        StringBuilder b = new StringBuilder();
        for (long[] send : sends) {
            b.append('[');
            for (int i = 0; i < send.length; i += 2) {
                b.append(i == 0 ? "" : ", ").append(Long.toHexString(send[i])).append('@').append(Long.toHexString(send[i + 1]));
            }
            b.append(']');
        }
        return b.toString();
    }

    private static void awaitNoRequest() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (LayeredProvider.outstandingRequests() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // the worker drops the last reference after the indication
        }
        assertEquals(0, LayeredProvider.outstandingRequests(), "every request back in the pool");
    }
}
