package org.jwsp.samples;

import static org.jwsp.bindings.windows.ws2spi_h.SOCKET_ERROR;
import static org.jwsp.bindings.windows.ws2spi_h.WSA_IO_PENDING;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.LPWSAOVERLAPPED_COMPLETION_ROUTINE;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.kernel.KernelPort;

/**
 * The ways a Windows program sends with {@code WSASend}, written the way such a program writes
 * them, against {@link Winsock}: blocking; overlapped with an event and
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
    public static void blocking(Winsock ws2, EchoConnection c, int sends, int[] sizes, int refusal, SendTally t) {
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
    public static void withEvent(Winsock ws2, EchoConnection c, int sends, int size, SendTally t) {
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
    public static void withCompletionRoutine(Winsock ws2, EchoConnection c, int sends, int size, int window, SendTally t) {
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
                t.byRoutine++; // counted as they run, for a live view
                t.bytes += bytes;
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
                // Bounded to one element: a later slot may still be in flight.
                MemorySegment ov = Elements.at(OVERLAPPED.layout(), ovs, slot).fill((byte) 0);
                MemorySegment buf = Elements.at(WSABUF.layout(), bufs, slot);
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
        }
    }

    /**
     * Overlapped on an I/O completion port: the socket is associated with a new port, up to
     * {@code window} sends are in flight ({@link SendWindow}), each gathering {@code buffersPerSend}
     * buffers of {@code size} bytes from native memory; completions are dequeued in batches
     * ({@code GetQueuedCompletionStatusEx}). jwsp never copies or reads the data buffers.
     */
    public static void throughCompletionPort(Winsock ws2, EchoConnection c, int sends, int buffersPerSend, int size, int window,
                                             SendTally t) {
        long perSend = (long) buffersPerSend * size;
        long socket = c.socket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(window * perSend);
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            SendWindow.Issue wsaSend = (buffers, count, ov) ->
                    ws2.send(socket, buffers, count, sent, 0, ov, MemorySegment.NULL) == 0 ? 0 : ws2.lastError();
            try (SendWindow w = new SendWindow(ws2.kernel(), socket, window, buffersPerSend, arena)) {
                SendTally before = t.copy();
                for (int i = 0; i < sends; i++) {
                    int slot = w.slot();
                    for (int b = 0; b < buffersPerSend; b++) {
                        MemorySegment one = w.buffer(slot, b);
                        WSABUF.buf(one, c.next(data.asSlice(slot * perSend + (long) b * size, size)));
                        WSABUF.len(one, size);
                    }
                    t.sends++;
                    w.send(slot, buffersPerSend, perSend, wsaSend);
                    t.countWindow(before, w);
                }
                w.drain();
                t.countWindow(before, w);
            }
        }
    }

    /** Counts how an overlapped WSASend started; anything but 0 or WSA_IO_PENDING fails. */
    private static void countStart(Winsock ws2, int rc, SendTally t) {
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

    private static void alertableWait(Winsock ws2, String what) {
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
