package org.jwsp.samples;

import static org.jwsp.bindings.windows.ws2spi_h.SOCKET_ERROR;
import static org.jwsp.bindings.windows.ws2spi_h.WSA_IO_PENDING;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.LPWSAOVERLAPPED_COMPLETION_ROUTINE;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;

/**
 * The ways a Windows program sends with {@code WSASend}, written the way such a program writes
 * them, against {@link Ws2}: blocking; overlapped with an event and
 * {@code WSAGetOverlappedResult}; overlapped with a completion routine run in an alertable
 * {@code SleepEx}; overlapped on an I/O completion port with many sends in flight, each one
 * gathering several buffers from native memory. Every send's bytes come from the connection's
 * {@link StreamPattern}, so the echo proves they went out intact and in order.
 *
 * <p>Each method runs on the calling thread, owns a confined arena for its OVERLAPPEDs, WSABUF
 * arrays and data, and returns only when every send it made has completed (or throws a
 * {@link SampleFailure}). Waits are bounded by {@link #WAIT_MILLIS}.
 */
public final class WinsockSends {

    /** Longest single wait for a completion. */
    static final int WAIT_MILLIS = 5_000;

    private WinsockSends() {
    }

    /**
     * Blocking {@code WSASend(s, &buf, 1, &sent, 0, NULL, NULL)}: one buffer of {@code sizes[i % sizes.length]}
     * bytes per send. A send refused with {@code refusal} is counted and its bytes taken back;
     * any other error fails.
     */
    public static void blocking(Ws2 ws2, EchoConnection c, int sends, int[] sizes, int refusal, SendTally t) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment buf = WSABUF.allocate(arena);
            int largest = 0;
            for (int size : sizes) {
                largest = Math.max(largest, size);
            }
            MemorySegment data = arena.allocate(largest);
            for (int i = 0; i < sends; i++) {
                int size = sizes[i % sizes.length];
                WSABUF.buf(buf, c.next(data.asSlice(0, size)));
                WSABUF.len(buf, size);
                t.sends++;
                if (ws2.send(c.socket(), buf, 1, sent, 0, MemorySegment.NULL, MemorySegment.NULL) == SOCKET_ERROR()) {
                    int error = ws2.lastError();
                    if (error != refusal) {
                        throw new SampleFailure("blocking WSASend failed: WSA error " + error);
                    }
                    c.takeBack(size);
                    t.refused++;
                    continue;
                }
                int n = sent.get(ValueLayout.JAVA_INT, 0);
                if (n != size) {
                    throw new SampleFailure("blocking WSASend sent " + n + " of " + size + " bytes");
                }
                t.blocking++;
                t.bytes += n;
            }
        }
    }

    /**
     * Overlapped with an event: {@code WSASend(..., &ov, NULL)} with {@code ov.hEvent} set, then
     * {@code WSAWaitForMultipleEvents} and {@code WSAGetOverlappedResult}. One send in flight.
     */
    public static void withEvent(Ws2 ws2, EchoConnection c, int sends, int size, SendTally t) {
        long event = ws2.createEvent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ov = OVERLAPPED.allocate(arena);
            MemorySegment buf = WSABUF.allocate(arena);
            MemorySegment data = arena.allocate(size);
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
            for (int i = 0; i < sends; i++) {
                ov.fill((byte) 0);
                ws2.resetEvent(event);
                OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
                WSABUF.buf(buf, c.next(data));
                WSABUF.len(buf, size);
                t.sends++;
                countStart(ws2, ws2.send(c.socket(), buf, 1, sent, 0, ov, MemorySegment.NULL), t);
                if (ws2.waitForEvent(event, WAIT_MILLIS, false) != KernelPort.WAIT_OBJECT_0) {
                    throw new SampleFailure("the send's event was not set within " + WAIT_MILLIS + " ms");
                }
                if (!ws2.getOverlappedResult(c.socket(), ov, sent, false, flags)) {
                    throw new SampleFailure("WSAGetOverlappedResult: WSA error " + ws2.lastError());
                }
                expectBytes(sent.get(ValueLayout.JAVA_INT, 0), size);
                t.byEvent++;
                t.bytes += size;
            }
        } finally {
            ws2.closeEvent(event);
        }
    }

    /**
     * Overlapped with a completion routine: up to {@code window} sends in flight, their routines
     * run by this thread in {@code SleepEx(..., TRUE)}. jwsp queues each routine as an APC to the
     * thread that called WSASend; they run in call order.
     */
    public static void withCompletionRoutine(Ws2 ws2, EchoConnection c, int sends, int size, int window, SendTally t) {
        try (Arena arena = Arena.ofConfined()) {
            int[] done = new int[1];
            long[] doneBytes = new long[1];
            int[] firstError = new int[1];
            MemorySegment routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate((error, bytes, ov, flags) -> {
                // Runs on this thread inside SleepEx: plain fields are safe.
                if (error != 0 && firstError[0] == 0) {
                    firstError[0] = error;
                }
                done[0]++;
                doneBytes[0] += bytes;
            }, arena);
            MemorySegment ovs = OVERLAPPED.allocateArray(window, arena);
            MemorySegment bufs = WSABUF.allocateArray(window, arena);
            MemorySegment data = arena.allocate((long) window * size);
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            for (int i = 0; i < sends; i++) {
                while (i - done[0] >= window) {
                    alertableWait(ws2, "completion routine");
                }
                int slot = i % window;
                MemorySegment ov = OVERLAPPED.asSlice(ovs, slot);
                ov.fill((byte) 0);
                MemorySegment buf = WSABUF.asSlice(bufs, slot);
                WSABUF.buf(buf, c.next(data.asSlice((long) slot * size, size)));
                WSABUF.len(buf, size);
                t.sends++;
                countStart(ws2, ws2.send(c.socket(), buf, 1, sent, 0, ov, routine), t);
            }
            while (done[0] < sends) {
                alertableWait(ws2, "completion routine");
            }
            if (firstError[0] != 0) {
                throw new SampleFailure("a completion routine reported WSA error " + firstError[0]);
            }
            if (doneBytes[0] != (long) sends * size) {
                throw new SampleFailure("completion routines reported " + doneBytes[0] + " bytes of " + (long) sends * size);
            }
            t.byRoutine += sends;
            t.bytes += doneBytes[0];
        }
    }

    /**
     * Overlapped on an I/O completion port: the socket is associated with a new port, up to
     * {@code window} sends are in flight, each gathering {@code buffersPerSend} buffers of
     * {@code size} bytes from native memory; completions are dequeued in batches
     * ({@code GetQueuedCompletionStatusEx}). jwsp never copies or reads the data buffers.
     */
    public static void throughCompletionPort(Ws2 ws2, EchoConnection c, int sends, int buffersPerSend, int size, int window,
                                             SendTally t) {
        KernelPort kernel = ws2.kernel();
        long port = kernel.createCompletionPort(0);
        long key = 0x5EED;
        long perSend = (long) buffersPerSend * size;
        try (Arena arena = Arena.ofConfined()) {
            kernel.associate(port, c.socket(), key);
            MemorySegment ovs = OVERLAPPED.allocateArray(window, arena);
            MemorySegment bufs = WSABUF.allocateArray((long) window * buffersPerSend, arena);
            MemorySegment data = arena.allocate(window * perSend);
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(64, arena);
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            int[] free = new int[window];
            int freeCount = window;
            for (int k = 0; k < window; k++) {
                free[k] = window - 1 - k;
            }
            int posted = 0;
            int completed = 0;
            while (completed < sends) {
                while (posted < sends && freeCount > 0) {
                    int slot = free[--freeCount];
                    MemorySegment ov = OVERLAPPED.asSlice(ovs, slot);
                    ov.fill((byte) 0);
                    MemorySegment array = bufs.asSlice(slot * buffersPerSend * WSABUF.sizeof(), buffersPerSend * WSABUF.sizeof());
                    for (int b = 0; b < buffersPerSend; b++) {
                        MemorySegment one = WSABUF.asSlice(array, b);
                        WSABUF.buf(one, c.next(data.asSlice(slot * perSend + (long) b * size, size)));
                        WSABUF.len(one, size);
                    }
                    t.sends++;
                    countStart(ws2, ws2.send(c.socket(), array, buffersPerSend, sent, 0, ov, MemorySegment.NULL), t);
                    posted++;
                }
                int n = kernel.dequeue(port, entries, WAIT_MILLIS, false);
                if (n <= 0) {
                    throw new SampleFailure("no completion packet within " + WAIT_MILLIS + " ms (dequeue " + n + ")");
                }
                for (int e = 0; e < n; e++) {
                    MemorySegment entry = OVERLAPPED_ENTRY.asSlice(entries, e);
                    if (OVERLAPPED_ENTRY.lpCompletionKey(entry) != key) {
                        throw new SampleFailure("a packet with completion key " + OVERLAPPED_ENTRY.lpCompletionKey(entry));
                    }
                    long slot = (OVERLAPPED_ENTRY.lpOverlapped(entry).address() - ovs.address()) / OVERLAPPED.sizeof();
                    if (slot < 0 || slot >= window) {
                        throw new SampleFailure("a packet for an OVERLAPPED that is not one of ours");
                    }
                    MemorySegment ov = OVERLAPPED.asSlice(ovs, slot);
                    if (OVERLAPPED.Internal(ov) != 0) {
                        throw new SampleFailure("a send completed with status " + OVERLAPPED.Internal(ov));
                    }
                    expectBytes(OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(entry), perSend);
                    free[freeCount++] = (int) slot;
                    t.byPort++;
                    t.bytes += perSend;
                    completed++;
                }
            }
        } finally {
            kernel.closeHandle(port);
        }
    }

    /** Counts how an overlapped WSASend started; anything but 0 or WSA_IO_PENDING fails. */
    private static void countStart(Ws2 ws2, int rc, SendTally t) {
        if (rc == 0) {
            t.immediate++;
            return;
        }
        int error = ws2.lastError();
        if (error != WSA_IO_PENDING()) {
            throw new SampleFailure("overlapped WSASend failed: WSA error " + error);
        }
        t.pending++;
    }

    private static void alertableWait(Ws2 ws2, String what) {
        if (ws2.sleepEx(WAIT_MILLIS, true) != KernelPort.WAIT_IO_COMPLETION) {
            throw new SampleFailure("no " + what + " ran within " + WAIT_MILLIS + " ms");
        }
    }

    private static void expectBytes(long got, long wanted) {
        if (got != wanted) {
            throw new SampleFailure("a send completed with " + got + " bytes of " + wanted);
        }
    }
}
