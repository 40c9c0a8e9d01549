package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.*;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;
import org.jwsp.host.upcall.Ws2UpcallTable;
import org.jwsp.kernel.KernelPort;

/**
 * An overlapped {@code WSPIoctl} that completes at once still indicates its completion (event,
 * completion routine as an APC, port packet), and {@code WSPGetOverlappedResult} with
 * {@code fWait} and no event waits on the socket, as Windows does; all through the base
 * provider's {@code WSPPROC_TABLE} pointers.
 */
class OverlappedControlTest {

    Ws2 ws2;
    Arena arena;
    MemorySegment table;
    MemorySegment err;
    MemorySegment returned;
    KernelPort kernel;

    @BeforeEach
    void start() {
        ws2 = Ws2.startup(Catalog.system());
        arena = Arena.ofShared();
        table = ws2.load(ws2.choose(AF_INET(), SOCK_STREAM(), 0)).procTable();
        err = arena.allocate(ValueLayout.JAVA_INT);
        returned = arena.allocateFrom(ValueLayout.JAVA_INT, -1);
        kernel = ws2.kernel();
    }

    @AfterEach
    void stop() {
        ws2.close();
        arena.close();
    }

    private int ioctl(long s, int code, MemorySegment in, MemorySegment ov, MemorySegment routine, MemorySegment threadId) {
        return LPWSPIOCTL.invoke(WSPPROC_TABLE.lpWSPIoctl(table), s, code, in, in.address() == 0 ? 0 : 4, MemorySegment.NULL, 0,
                returned, ov, routine, threadId, err);
    }

    private int overlappedResult(long s, MemorySegment ov, MemorySegment bytes, boolean wait, MemorySegment callErr) {
        return LPWSPGETOVERLAPPEDRESULT.invoke(WSPPROC_TABLE.lpWSPGetOverlappedResult(table), s, ov, bytes, wait ? TRUE() : FALSE(),
                arena.allocate(ValueLayout.JAVA_INT), callErr);
    }

    @Test
    void anOverlappedFionbioThatCompletesAtOnceReturnsZeroAndSignalsItsEvent() {
        long s = ws2.socket(AF_INET(), SOCK_STREAM(), 0, WSA_FLAG_OVERLAPPED());
        long event = ws2.createEvent();
        MemorySegment ov = OVERLAPPED.allocate(arena);
        OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
        OVERLAPPED.Internal(ov, 0x103);
        assertEquals(0, ioctl(s, FIONBIO(), arena.allocateFrom(ValueLayout.JAVA_INT, 1), ov, MemorySegment.NULL, MemorySegment.NULL));
        assertEquals(0, returned.get(ValueLayout.JAVA_INT, 0));
        assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, 0, false), "completion indicated by the event");
        assertEquals(0, OVERLAPPED.Internal(ov), "status: success");
        MemorySegment bytes = arena.allocateFrom(ValueLayout.JAVA_INT, -1);
        assertEquals(TRUE(), overlappedResult(s, ov, bytes, false, err));
        assertEquals(0, bytes.get(ValueLayout.JAVA_INT, 0));
        ws2.closeEvent(event);
        ws2.closesocket(s);
    }

    @Test
    void anOverlappedSioFlushQueuesItsCompletionRoutineToTheCallersAlertableWait() {
        try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            List<Long> calls = new CopyOnWriteArrayList<>();
            AtomicInteger thread = new AtomicInteger();
            AtomicInteger status = new AtomicInteger(-1);
            MemorySegment routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate((error, n, ov, flags) -> {
                calls.add(ov.address());
                thread.set(kernel.currentThreadId());
                status.set(error);
            }, arena);
            MemorySegment threadId = WSATHREADID.allocate(arena);
            MemorySegment upcalls = Ws2UpcallTable.table();
            assertEquals(0, LPWPUOPENCURRENTTHREAD.invoke(WSPUPCALLTABLE.lpWPUOpenCurrentThread(upcalls), threadId, err));
            MemorySegment ov = OVERLAPPED.allocate(arena);
            assertEquals(0, ioctl(p.client(), SIO_FLUSH(), MemorySegment.NULL, ov, routine, threadId));
            assertEquals(0, kernel.sleep(0, false));
            assertTrue(calls.isEmpty(), "not outside an alertable wait");
            assertEquals(WSA_WAIT_IO_COMPLETION(), ws2.sleepEx(10_000, true));
            assertEquals(List.of(ov.address()), calls);
            assertEquals(kernel.currentThreadId(), thread.get());
            assertEquals(0, status.get());
            assertEquals(0, LPWPUCLOSETHREAD.invoke(WSPUPCALLTABLE.lpWPUCloseThread(upcalls), threadId, err));
        }
    }

    @Test
    void anOverlappedIoctlOnAnAssociatedSocketQueuesAPacketToItsPort() {
        try (Pair p = Pair.tcp(ws2, AF_INET6(), WSA_FLAG_OVERLAPPED(), arena)) {
            long port = kernel.createCompletionPort(0);
            kernel.associate(port, p.server(), 77);
            MemorySegment ov = OVERLAPPED.allocate(arena);
            assertEquals(0, ioctl(p.server(), FIONBIO(), arena.allocateFrom(ValueLayout.JAVA_INT, 0), ov, MemorySegment.NULL,
                    MemorySegment.NULL));
            MemorySegment entry = OVERLAPPED_ENTRY.allocate(arena);
            assertEquals(1, kernel.dequeue(port, entry, 10_000, false));
            assertEquals(77, OVERLAPPED_ENTRY.lpCompletionKey(entry));
            assertEquals(ov.address(), OVERLAPPED_ENTRY.lpOverlapped(entry).address());
            assertEquals(0, OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(entry));
            kernel.closeHandle(port);
        }
    }

    @Test
    void overlappedIoctlFaultsAndANonOverlappedSocketIgnoresTheOverlapped() {
        long overlapped = ws2.socket(AF_INET(), SOCK_STREAM(), 0, WSA_FLAG_OVERLAPPED());
        long plain = ws2.socket(AF_INET(), SOCK_STREAM(), 0, 0);
        MemorySegment on = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
        MemorySegment routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate((e, n, o, f) -> { }, arena);
        assertEquals(SOCKET_ERROR(), ioctl(overlapped, FIONBIO(), on, MemorySegment.NULL, routine, WSATHREADID.allocate(arena)));
        assertEquals(WSAEFAULT(), err.get(ValueLayout.JAVA_INT, 0), "a completion routine without an OVERLAPPED");
        assertEquals(SOCKET_ERROR(), ioctl(overlapped, FIONBIO(), on, OVERLAPPED.allocate(arena), routine, MemorySegment.NULL));
        assertEquals(WSAEFAULT(), err.get(ValueLayout.JAVA_INT, 0), "a completion routine without a WSATHREADID");
        assertEquals(SOCKET_ERROR(), ioctl(overlapped, FIONBIO(), MemorySegment.NULL, OVERLAPPED.allocate(arena), MemorySegment.NULL,
                MemorySegment.NULL));
        assertEquals(WSAEFAULT(), err.get(ValueLayout.JAVA_INT, 0), "FIONBIO without its argument");
        long event = ws2.createEvent();
        MemorySegment ov = OVERLAPPED.allocate(arena);
        OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
        assertEquals(0, ioctl(plain, FIONBIO(), on, ov, MemorySegment.NULL, MemorySegment.NULL));
        assertEquals(KernelPort.WAIT_TIMEOUT, ws2.waitForEvent(event, 0, false), "no WSA_FLAG_OVERLAPPED: the OVERLAPPED is ignored");
        ws2.closeEvent(event);
        ws2.closesocket(plain);
        ws2.closesocket(overlapped);
    }

    @Test
    void getOverlappedResultWithWaitAndNoEventWaitsOnTheSocketUntilTheReceiveCompletes() throws Exception {
        try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            MemorySegment ov = OVERLAPPED.allocate(arena);
            MemorySegment into = arena.allocate(64);
            assertEquals(SOCKET_ERROR(), ws2.recv(p.server(), Buffers.wsabuf(arena, into), 1, MemorySegment.NULL,
                    arena.allocateFrom(ValueLayout.JAVA_INT, 0), ov, MemorySegment.NULL));
            assertEquals(WSA_IO_PENDING(), ws2.lastError());
            MemorySegment bytes = arena.allocateFrom(ValueLayout.JAVA_INT, -1);
            MemorySegment waiterErr = arena.allocateFrom(ValueLayout.JAVA_INT, 0);
            assertEquals(FALSE(), overlappedResult(p.server(), ov, bytes, false, waiterErr));
            assertEquals(WSA_IO_INCOMPLETE(), waiterErr.get(ValueLayout.JAVA_INT, 0));
            int[] answer = {-1};
            Thread waiter = Thread.ofPlatform().start(() -> answer[0] = overlappedResult(p.server(), ov, bytes, true, waiterErr));
            awaitBlocked(waiter);
            assertEquals(0, ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 40, 3)), 1,
                    arena.allocate(ValueLayout.JAVA_INT), 0, MemorySegment.NULL, MemorySegment.NULL));
            waiter.join(10_000);
            assertEquals(TRUE(), answer[0], () -> "error " + waiterErr.get(ValueLayout.JAVA_INT, 0));
            assertEquals(40, bytes.get(ValueLayout.JAVA_INT, 0));
            Buffers.assertPattern(into.asSlice(0, 40), 3);
        }
    }

    @Test
    void aWaitOnTheSocketEndsWithOperationAbortedWhenTheSocketIsClosed() throws Exception {
        try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
            MemorySegment ov = OVERLAPPED.allocate(arena);
            assertEquals(SOCKET_ERROR(), ws2.recv(p.server(), Buffers.wsabuf(arena, arena.allocate(16)), 1, MemorySegment.NULL,
                    arena.allocateFrom(ValueLayout.JAVA_INT, 0), ov, MemorySegment.NULL));
            MemorySegment waiterErr = arena.allocateFrom(ValueLayout.JAVA_INT, 0);
            int[] answer = {-1};
            long server = p.server();
            Thread waiter = Thread.ofPlatform().start(
                    () -> answer[0] = overlappedResult(server, ov, arena.allocate(ValueLayout.JAVA_INT), true, waiterErr));
            awaitBlocked(waiter);
            assertEquals(0, LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(table), server, err));
            waiter.join(10_000);
            assertEquals(FALSE(), answer[0]);
            assertEquals(WSA_OPERATION_ABORTED(), waiterErr.get(ValueLayout.JAVA_INT, 0));
        }
    }

    /** Waits (bounded) until {@code t} is parked in its wait, the real signal that it waits on the socket. */
    private static void awaitBlocked(Thread t) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (t.getState() != Thread.State.WAITING && t.isAlive() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(Thread.State.WAITING, t.getState(), "the waiter waits");
    }
}
