package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

import org.jwsp.bindings.windows.LPWSAOVERLAPPED_COMPLETION_ROUTINE;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.testkit.FakeLowerProvider;
import org.jwsp.testkit.JwspClient;
import org.jwsp.testkit.Wsabufs;

/** Shared set-up of the WSPSend tests: a started jwsp over the harness, an arena, small makers. */
final class SendFixture implements AutoCloseable {

    /** One call of a client completion routine. */
    record RoutineCall(int error, int bytes, long overlapped, int flags, long thread) {
    }

    final JwspClient c;
    final Arena arena = Arena.ofShared();
    final MemorySegment errno;
    final MemorySegment sent;
    final List<RoutineCall> routineCalls = new CopyOnWriteArrayList<>();
    final MemorySegment routine;

    SendFixture(UnaryOperator<ProviderSettings> settings) {
        c = JwspClient.start(settings);
        errno = arena.allocate(ValueLayout.JAVA_INT);
        sent = arena.allocate(ValueLayout.JAVA_INT);
        routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate(
                (e, n, ov, f) -> routineCalls.add(new RoutineCall(e, n, ov.address(), f, Thread.currentThread().threadId())), arena);
    }

    SendFixture() {
        this(s -> s);
    }

    long stream(boolean overlapped) {
        return c.streamSocket(overlapped);
    }

    FakeLowerProvider.LowerSocket lowerOf() {
        return c.lower.onlySocket();
    }

    MemorySegment data(String text) {
        return Wsabufs.data(arena, text);
    }

    MemorySegment bufs(MemorySegment... data) {
        return Wsabufs.of(arena, data);
    }

    /** An OVERLAPPED with a fresh manual-reset event (0 for none). */
    MemorySegment overlapped(boolean withEvent) {
        MemorySegment ov = arena.allocate(OVERLAPPED.layout());
        if (withEvent) {
            OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(c.kernel.createEvent(true, false)));
        }
        return ov;
    }

    long event(MemorySegment ov) {
        return OVERLAPPED.hEvent(ov).address();
    }

    int send(long s, MemorySegment bufs, int count, int flags, MemorySegment ov) {
        return c.send(s, bufs, count, sent, flags, ov, MemorySegment.NULL, MemorySegment.NULL, errno);
    }

    int sendWithRoutine(long s, MemorySegment bufs, int count, MemorySegment ov, MemorySegment threadId) {
        return c.send(s, bufs, count, sent, 0, ov, routine, threadId, errno);
    }

    int errno() {
        return errno.get(ValueLayout.JAVA_INT, 0);
    }

    int sent() {
        return sent.get(ValueLayout.JAVA_INT, 0);
    }

    /** The result jwsp wrote into a caller OVERLAPPED: {error, bytes}. */
    static int[] result(MemorySegment ov) {
        return new int[] {ov.get(ValueLayout.JAVA_INT, OVERLAPPED.OffsetHigh$offset()), (int) OVERLAPPED.InternalHigh(ov)};
    }

    static final int PENDING = ws2spi_h.WSA_IO_PENDING();
    static final int SOCKET_ERROR = ws2spi_h.SOCKET_ERROR();

    @Override
    public void close() {
        c.close();
        arena.close();
    }
}
