package org.jwsp.host.upcall;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.*;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.catalog.Guids;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.testkit.CapturedLog;
import org.jwsp.kernel.KernelPort;

/** The WSPUPCALLTABLE and the ws2_32 exports, called through their native pointers as a provider calls them. */
class Ws2UpcallTableTest {

    private final MemorySegment table = Ws2UpcallTable.table();
    private final KernelPort kernel = KernelPort.system();

    @Test
    void allFifteenEntriesArePresent() {
        for (var layout : WSPUPCALLTABLE.layout().memberLayouts()) {
            long offset = WSPUPCALLTABLE.layout().byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement(layout.name().orElseThrow()));
            assertNotEquals(0L, table.get(ValueLayout.JAVA_LONG, offset), layout.name().orElseThrow());
        }
        assertEquals(15, WSPUPCALLTABLE.layout().memberLayouts().size());
    }

    @Test
    void socketHandlesAreMadeQueriedAndClosed() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            long s = LPWPUCREATESOCKETHANDLE.invoke(WSPUPCALLTABLE.lpWPUCreateSocketHandle(table), 4242, 0xABCDL, err);
            assertNotEquals(INVALID_SOCKET(), s);
            MemorySegment ctx = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment query = WSPUPCALLTABLE.lpWPUQuerySocketHandleContext(table);
            assertEquals(0, LPWPUQUERYSOCKETHANDLECONTEXT.invoke(query, s, ctx, err));
            assertEquals(0xABCDL, ctx.get(ValueLayout.JAVA_LONG, 0));
            assertEquals(SOCKET_ERROR(), LPWPUQUERYSOCKETHANDLECONTEXT.invoke(query, s, MemorySegment.NULL, err));
            assertEquals(WSAEFAULT(), err.get(ValueLayout.JAVA_INT, 0));
            MemorySegment close = WSPUPCALLTABLE.lpWPUCloseSocketHandle(table);
            assertEquals(0, LPWPUCLOSESOCKETHANDLE.invoke(close, s, err));
            assertEquals(SOCKET_ERROR(), LPWPUCLOSESOCKETHANDLE.invoke(close, s, err), "double close");
            assertEquals(WSAENOTSOCK(), err.get(ValueLayout.JAVA_INT, 0));
            assertEquals(SOCKET_ERROR(), LPWPUQUERYSOCKETHANDLECONTEXT.invoke(query, s, ctx, err));
            assertEquals(WSAENOTSOCK(), err.get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void eventsThroughTheTable() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment ev = LPWPUCREATEEVENT.invoke(WSPUPCALLTABLE.lpWPUCreateEvent(table), err);
            assertNotEquals(0L, ev.address());
            assertEquals(TRUE(), LPWPUSETEVENT.invoke(WSPUPCALLTABLE.lpWPUSetEvent(table), ev, err));
            assertEquals(KernelPort.WAIT_OBJECT_0, kernel.waitForSingleObject(ev.address(), 0, false));
            assertEquals(KernelPort.WAIT_OBJECT_0, kernel.waitForSingleObject(ev.address(), 0, false), "manual reset");
            assertEquals(TRUE(), LPWPURESETEVENT.invoke(WSPUPCALLTABLE.lpWPUResetEvent(table), ev, err));
            assertEquals(KernelPort.WAIT_TIMEOUT, kernel.waitForSingleObject(ev.address(), 0, false));
            assertEquals(TRUE(), LPWPUCLOSEEVENT.invoke(WSPUPCALLTABLE.lpWPUCloseEvent(table), ev, err));
            assertEquals(FALSE(), LPWPUSETEVENT.invoke(WSPUPCALLTABLE.lpWPUSetEvent(table), ev, err));
            assertEquals(WSA_INVALID_HANDLE(), err.get(ValueLayout.JAVA_INT, 0));
            assertEquals(FALSE(), LPWPUCLOSEEVENT.invoke(WSPUPCALLTABLE.lpWPUCloseEvent(table), ev, err));
        }
    }

    @Test
    void queueApcReachesTheOpenedThreadInItsAlertableWaitOnly() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment id = WSATHREADID.allocate(arena);
            assertEquals(0, LPWPUOPENCURRENTTHREAD.invoke(WSPUPCALLTABLE.lpWPUOpenCurrentThread(table), id, err));
            assertEquals(kernel.currentThreadId(), WSATHREADID.Reserved(id));
            List<Long> ran = new ArrayList<>();
            MemorySegment apc = LPWSAUSERAPC.allocate(ran::add, arena);
            MemorySegment queue = WSPUPCALLTABLE.lpWPUQueueApc(table);
            assertEquals(0, LPWPUQUEUEAPC.invoke(queue, id, apc, 1, err));
            assertEquals(0, LPWPUQUEUEAPC.invoke(queue, id, apc, 2, err));
            assertEquals(0, kernel.sleep(1, false));
            assertTrue(ran.isEmpty());
            assertEquals(KernelPort.WAIT_IO_COMPLETION, kernel.sleep(KernelPort.INFINITE, true));
            assertEquals(List.of(1L, 2L), ran);
            assertEquals(SOCKET_ERROR(), LPWPUQUEUEAPC.invoke(queue, MemorySegment.NULL, apc, 3, err));
            assertEquals(WSAEFAULT(), err.get(ValueLayout.JAVA_INT, 0));
            assertEquals(0, LPWPUCLOSETHREAD.invoke(WSPUPCALLTABLE.lpWPUCloseThread(table), id, err));
            assertEquals(SOCKET_ERROR(), LPWPUQUEUEAPC.invoke(queue, id, apc, 4, err), "closed thread handle");
            assertEquals(WSAEINVAL(), err.get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void unsupportedUpcallsAnswerAsDocumented() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(FALSE(), LPWPUPOSTMESSAGE.invoke(WSPUPCALLTABLE.lpWPUPostMessage(table), MemorySegment.NULL, 1, 2, 3));
            assertEquals(INVALID_SOCKET(), LPWPUMODIFYIFSHANDLE.invoke(WSPUPCALLTABLE.lpWPUModifyIFSHandle(table), 1, 4, err));
            assertEquals(WSAEINVALIDPROVIDER(), err.get(ValueLayout.JAVA_INT, 0));
            MemorySegment cb = arena.allocateFrom(ValueLayout.JAVA_LONG, 77);
            MemorySegment ctx = arena.allocateFrom(ValueLayout.JAVA_LONG, 77);
            assertEquals(0, LPWPUQUERYBLOCKINGCALLBACK.invoke(WSPUPCALLTABLE.lpWPUQueryBlockingCallback(table), 1, cb, ctx, err));
            assertEquals(0L, cb.get(ValueLayout.JAVA_LONG, 0), "Winsock 2 has no blocking hook");
        }
    }

    @Test
    void completeOverlappedRequestWritesTheStatusSetsTheEventAndPostsToThePort() {
        LinuxKernelPort k = LinuxKernelPort.instance();
        MemorySegment complete = k.procAddress("WS2_32.DLL", "WPUCompleteOverlappedRequest");
        assertNotEquals(0L, complete.address());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            long s = LPWPUCREATESOCKETHANDLE.invoke(WSPUPCALLTABLE.lpWPUCreateSocketHandle(table), 1, 0, err);
            long port = kernel.createCompletionPort(0);
            kernel.associate(port, s, 99);
            long ev = kernel.createEvent(true, false);
            MemorySegment ov = OVERLAPPED.allocate(arena);
            OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(ev));
            assertEquals(0, LPWPUCOMPLETEOVERLAPPEDREQUEST.invoke(complete, s, ov, WSAECONNRESET(), 1234, err));
            assertEquals(WSAECONNRESET(), OVERLAPPED.Internal(ov));
            assertEquals(1234, OVERLAPPED.InternalHigh(ov));
            assertEquals(KernelPort.WAIT_OBJECT_0, kernel.waitForSingleObject(ev, 0, false));
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(2, arena);
            assertEquals(1, kernel.dequeue(port, entries, 1000, false));
            assertEquals(99, OVERLAPPED_ENTRY.lpCompletionKey(entries));
            assertEquals(1234, OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(entries));
            assertEquals(ov.address(), OVERLAPPED_ENTRY.lpOverlapped(entries).address());
            // the low bit of hEvent: event set, no packet
            OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(ev | 1));
            assertEquals(0, LPWPUCOMPLETEOVERLAPPEDREQUEST.invoke(complete, s, ov, 0, 1, err));
            assertEquals(KernelPort.DEQUEUE_TIMEOUT, kernel.dequeue(port, entries, 0, false));
            assertEquals(SOCKET_ERROR(), LPWPUCOMPLETEOVERLAPPEDREQUEST.invoke(complete, 12344, ov, 0, 1, err));
            assertEquals(WSAEINVAL(), err.get(ValueLayout.JAVA_INT, 0), "not a WPUCreateSocketHandle socket");
            assertEquals(SOCKET_ERROR(), LPWPUCOMPLETEOVERLAPPEDREQUEST.invoke(complete, s, MemorySegment.NULL, 0, 1, err));
            assertEquals(WSAEFAULT(), err.get(ValueLayout.JAVA_INT, 0));
            kernel.closeHandle(ev);
            kernel.closeHandle(port);
            LPWPUCLOSESOCKETHANDLE.invoke(WSPUPCALLTABLE.lpWPUCloseSocketHandle(table), s, err);
        }
    }

    /**
     * Found by NativeSendStressTest: once the event of an operation is set, its OVERLAPPED is the
     * program's again, and a thread woken by it may reuse the OVERLAPPED for its next operation
     * (zeroed first, as programs do). WPUCompleteOverlappedRequest asked the low bit of hEvent
     * only after it had set the event, so an event send that asked for no packet got one, for an
     * OVERLAPPED that by then held another operation. The hook is that program, at the worst moment.
     */
    @Test
    void theLowBitOfHEventIsReadBeforeTheCompletionIsVisible_aProgramReusingItsOverlappedGetsNoPacket() {
        MemorySegment complete = LinuxKernelPort.instance().procAddress("ws2_32.dll", "WPUCompleteOverlappedRequest");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            long s = LPWPUCREATESOCKETHANDLE.invoke(WSPUPCALLTABLE.lpWPUCreateSocketHandle(table), 1, 0, err);
            long port = kernel.createCompletionPort(0);
            kernel.associate(port, s, 7);
            long ev = kernel.createEvent(true, false);
            MemorySegment ov = OVERLAPPED.allocate(arena);
            OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(ev | 1));
            Ws2Exports.completionVisible = () -> {
                assertEquals(KernelPort.WAIT_OBJECT_0, kernel.waitForSingleObject(ev, 0, false), "the event is set");
                ov.fill((byte) 0); // the program's next operation on this OVERLAPPED
            };
            try {
                assertEquals(0, LPWPUCOMPLETEOVERLAPPEDREQUEST.invoke(complete, s, ov, 0, 16, err));
            } finally {
                Ws2Exports.completionVisible = null;
            }
            MemorySegment entries = OVERLAPPED_ENTRY.allocateArray(1, arena);
            assertEquals(KernelPort.DEQUEUE_TIMEOUT, kernel.dequeue(port, entries, 0, false),
                    "no packet: the call's hEvent had its low bit set");
            kernel.closeHandle(ev);
            kernel.closeHandle(port);
            LPWPUCLOSESOCKETHANDLE.invoke(WSPUPCALLTABLE.lpWPUCloseSocketHandle(table), s, err);
        }
    }

    @Test
    void aJavaExceptionInsideAnUpcallIsLoggedAndMappedNotThrownIntoNativeCode() {
        MemorySegment complete = LinuxKernelPort.instance().procAddress("ws2_32.dll", "WPUCompleteOverlappedRequest");
        try (Arena arena = Arena.ofConfined(); CapturedLog log = new CapturedLog()) {
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            long s = LPWPUCREATESOCKETHANDLE.invoke(WSPUPCALLTABLE.lpWPUCreateSocketHandle(table), 1, 0, err);
            // an OVERLAPPED at an address that is not 8-byte aligned: writing Internal throws a
            // Java IllegalArgumentException (misaligned access) inside the upcall
            MemorySegment misaligned = arena.allocate(64, 8).asSlice(4);
            assertEquals(SOCKET_ERROR(), LPWPUCOMPLETEOVERLAPPEDREQUEST.invoke(complete, s, misaligned, 0, 1, err));
            assertEquals(WSAEFAULT(), err.get(ValueLayout.JAVA_INT, 0));
            assertTrue(log.events.stream().anyMatch(e -> e.getMessage().getFormattedMessage().contains("WPUCompleteOverlappedRequest")
                    && e.getThrown() instanceof IllegalArgumentException), () -> "logged: " + log.events);
            LPWPUCLOSESOCKETHANDLE.invoke(WSPUPCALLTABLE.lpWPUCloseSocketHandle(table), s, err);
        }
    }

    @Test
    void providerPathAndEnumProtocolsAreFoundByNameInWs2_32() {
        Catalog.system();
        LinuxKernelPort k = LinuxKernelPort.instance();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment guid = GUID.allocate(arena);
            Guids.write(Catalog.BASE_PROVIDER_ID, guid);
            MemorySegment len = arena.allocateFrom(ValueLayout.JAVA_INT, 4);
            MemorySegment path = arena.allocate(520);
            MemorySegment getPath = WSPUPCALLTABLE.lpWPUGetProviderPath(table);
            assertEquals(SOCKET_ERROR(), LPWPUGETPROVIDERPATH.invoke(getPath, guid, path, len, err), "too short");
            assertEquals(WSAEFAULT(), err.get(ValueLayout.JAVA_INT, 0));
            assertTrue(len.get(ValueLayout.JAVA_INT, 0) > 4);
            assertEquals(0, LPWPUGETPROVIDERPATH.invoke(k.procAddress("ws2_32.dll", "WSCGetProviderPath"), guid, path, len, err));
            assertEquals(org.jwsp.host.base.BaseProvider.MODULE, path.getString(0, java.nio.charset.StandardCharsets.UTF_16LE));
            MemorySegment enumProtocols = k.procAddress("ws2_32.dll", "WSCEnumProtocols");
            var invoker = java.lang.foreign.Linker.nativeLinker().downcallHandle(enumProtocols,
                    java.lang.foreign.FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS, ValueLayout.ADDRESS));
            MemorySegment size = arena.allocateFrom(ValueLayout.JAVA_INT, 0);
            assertEquals(SOCKET_ERROR(), (int) invoker.invokeExact(MemorySegment.NULL, MemorySegment.NULL, size, err));
            assertEquals(WSAENOBUFS(), err.get(ValueLayout.JAVA_INT, 0));
            int needed = size.get(ValueLayout.JAVA_INT, 0);
            assertTrue(needed >= 4 * WSAPROTOCOL_INFOW.sizeof());
            MemorySegment infos = arena.allocate(needed, 8);
            int n = (int) invoker.invokeExact(MemorySegment.NULL, infos, size, err);
            assertEquals(needed / WSAPROTOCOL_INFOW.sizeof(), n);
            MemorySegment udpOnly = arena.allocateFrom(ValueLayout.JAVA_INT, IPPROTO_UDP(), 0);
            size.set(ValueLayout.JAVA_INT, 0, needed);
            int udp = (int) invoker.invokeExact(udpOnly, infos, size, err);
            assertTrue(udp >= 2);
            for (int i = 0; i < udp; i++) {
                assertEquals(IPPROTO_UDP(), WSAPROTOCOL_INFOW.iProtocol(WSAPROTOCOL_INFOW.asSlice(infos, i)));
            }
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
