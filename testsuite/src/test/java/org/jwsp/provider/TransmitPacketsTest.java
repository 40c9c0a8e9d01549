package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jwsp.bindings.WinsockExtensions;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.TRANSMIT_PACKETS_ELEMENT;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendView;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * TransmitPackets as a server that frames file data calls it (.NET's {@code Socket.SendPacketsAsync},
 * IIS): memory, file and memory elements in one call, a file opened with kernel32's
 * {@code CreateFileW}, overlapped with an event, synchronous from the file pointer, no elements, and
 * {@code TF_DISCONNECT}; every function called through the native pointer
 * {@code SIO_GET_EXTENSION_FUNCTION_POINTER} hands out. Through jwsp (its own TransmitPackets: the
 * filter sees it, it waits behind a send the filter holds, and it sends the elements as they were
 * at the call even though the caller overwrites its array while it waits) and through the base
 * alone (IPv6 is not layered here). Plus the bad input.
 */
class TransmitPacketsTest {

    private static final int WAIT = 10_000;
    private static final long WILD = 0x10; // in the first 64 KiB: never a program's memory
    private static final long ELEMENT = TRANSMIT_PACKETS_ELEMENT.sizeof();
    private static final MethodHandle TRANSMIT_PACKETS = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT));

    @TempDir
    Path dir;

    private static int transmit(MemorySegment fn, long s, long array, int count, long ov, int flags) throws Throwable {
        return (int) TRANSMIT_PACKETS.invokeExact(fn, s, array, count, 0, ov, flags);
    }

    /** An array of {@code n} TRANSMIT_PACKETS_ELEMENTs, filled with {@link #memory}/{@link #file}. */
    private static MemorySegment elements(int n, Arena arena) {
        return arena.allocate(TRANSMIT_PACKETS_ELEMENT.layout(), n);
    }

    private static void memory(MemorySegment array, int i, MemorySegment data) {
        memory(array, i, data.address(), (int) data.byteSize());
    }

    private static void memory(MemorySegment array, int i, long address, int length) {
        array.set(ValueLayout.JAVA_INT, i * ELEMENT + TRANSMIT_PACKETS_ELEMENT.dwElFlags$offset(), TP_ELEMENT_MEMORY());
        array.set(ValueLayout.JAVA_INT, i * ELEMENT + TRANSMIT_PACKETS_ELEMENT.cLength$offset(), length);
        array.set(ValueLayout.JAVA_LONG, i * ELEMENT + TRANSMIT_PACKETS_ELEMENT.pBuffer$offset(), address);
    }

    private static void file(MemorySegment array, int i, long handle, long offset, int length) {
        array.set(ValueLayout.JAVA_INT, i * ELEMENT + TRANSMIT_PACKETS_ELEMENT.dwElFlags$offset(), TP_ELEMENT_FILE());
        array.set(ValueLayout.JAVA_INT, i * ELEMENT + TRANSMIT_PACKETS_ELEMENT.cLength$offset(), length);
        array.set(ValueLayout.JAVA_LONG, i * ELEMENT + TRANSMIT_PACKETS_ELEMENT.nFileOffset$offset(), offset);
        array.set(ValueLayout.JAVA_LONG, i * ELEMENT + TRANSMIT_PACKETS_ELEMENT.hFile$offset(), handle);
    }

    private Path file(Arena arena) throws Exception {
        return HostFiles.patternFile(dir, "framed.bin", arena);
    }

    private static MemorySegment function(Ws2 ws2, long s, Arena arena) {
        return ExtensionPointers.function(ws2, s, WinsockExtensions.WSAID_TRANSMITPACKETS, arena);
    }

    /**
     * One connection: an overlapped send first ({@code held} by jwsp's filter, so TransmitPackets must
     * wait behind it), then TransmitPackets overlapped with memory, the whole file, memory and a file
     * range (the caller zeroes its array while the call waits: what was there at the call goes), two
     * synchronous calls from the file pointer, one of memory only, one with no elements, and one with
     * TF_DISCONNECT; the peer receives every byte in call order, then the end of the stream.
     */
    private void serves(Ws2 ws2, int af, Path path, Runnable releaseHeld, Arena arena) throws Throwable {
        try (Pair p = Pair.tcp(ws2, af, WSA_FLAG_OVERLAPPED(), arena)) {
            long file = HostFiles.createFile(path, arena);
            MemorySegment fn = function(ws2, p.client(), arena);
            MemorySegment first = OverTheHost.overlapped(ws2, arena);
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            int rc = ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 3000, 1)), 1, sent, 0, first, MemorySegment.NULL);
            assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), () -> "the first send: " + ws2.lastError());

            MemorySegment packets = elements(4, arena);
            memory(packets, 0, Buffers.pattern(arena, 100, 5));
            file(packets, 1, file, 0, 0);
            memory(packets, 2, Buffers.pattern(arena, 50, 6));
            file(packets, 3, file, 1000, 500);
            MemorySegment ov = OverTheHost.overlapped(ws2, arena);
            int ok = transmit(fn, p.client(), packets.address(), 4, ov.address(), 0);
            assertTrue(ok != 0 || ExtensionPointers.lastError() == WSA_IO_PENDING(), "TransmitPackets overlapped");
            packets.fill((byte) 0); // the array is the caller's again once the call returned
            releaseHeld.run();
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(OVERLAPPED.hEvent(ov).address(), WAIT, false), "its event is set");
            MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
            assertTrue(ws2.getOverlappedResult(p.client(), ov, sent, false, flags), () -> "its result: " + ws2.lastError());
            assertEquals(100 + HostFiles.SIZE + 50 + 500, sent.get(ValueLayout.JAVA_INT, 0), "every element");

            MemorySegment got = arena.allocate(3000 + 100 + HostFiles.SIZE + 50 + 500);
            assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
            Buffers.assertPattern(got.asSlice(0, 3000), 1); // the send before it came first
            Buffers.assertPattern(got.asSlice(3000, 100), 5);
            HostFiles.assertFileBytes(got, 3100, 0, HostFiles.SIZE);
            Buffers.assertPattern(got.asSlice(3100 + HostFiles.SIZE, 50), 6);
            HostFiles.assertFileBytes(got, 3150 + HostFiles.SIZE, 1000, 500);

            // synchronous, from the file pointer (which the calls at offsets did not move)
            MemorySegment fromPointer = elements(1, arena);
            file(fromPointer, 0, file, -1, 1000);
            assertEquals(1, transmit(fn, p.client(), fromPointer.address(), 1, 0, 0), "synchronous TransmitPackets");
            assertEquals(1, transmit(fn, p.client(), fromPointer.address(), 1, 0, 0), "and the next 1000 bytes");
            MemorySegment two = elements(2, arena);
            memory(two, 0, Buffers.pattern(arena, 10, 7));
            memory(two, 1, Buffers.pattern(arena, 20, 8));
            assertEquals(1, transmit(fn, p.client(), two.address(), 2, 0, 0), "memory elements only");
            MemorySegment next = arena.allocate(2030);
            assertTrue(Buffers.receiveFully(ws2, p.server(), next, arena));
            HostFiles.assertFileBytes(next, 0, 0, 2000);
            Buffers.assertPattern(next.asSlice(2000, 10), 7);
            Buffers.assertPattern(next.asSlice(2010, 20), 8);

            MemorySegment none = OverTheHost.overlapped(ws2, arena);
            ok = transmit(fn, p.client(), 0, 0, none.address(), 0);
            assertTrue(ok != 0 || ExtensionPointers.lastError() == WSA_IO_PENDING(), "no elements: a send of nothing");
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(OVERLAPPED.hEvent(none).address(), WAIT, false));
            assertTrue(ws2.getOverlappedResult(p.client(), none, sent, false, flags), () -> "its result: " + ws2.lastError());
            assertEquals(0, sent.get(ValueLayout.JAVA_INT, 0));

            // TF_DISCONNECT: the element, then the end of the stream; no send after it
            MemorySegment bye = OverTheHost.overlapped(ws2, arena);
            MemorySegment last = elements(1, arena);
            memory(last, 0, Buffers.pattern(arena, 10, 9));
            ok = transmit(fn, p.client(), last.address(), 1, bye.address(), TP_DISCONNECT());
            assertTrue(ok != 0 || ExtensionPointers.lastError() == WSA_IO_PENDING(), "TransmitPackets(TP_DISCONNECT)");
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(OVERLAPPED.hEvent(bye).address(), WAIT, false));
            MemorySegment end = arena.allocate(10);
            assertTrue(Buffers.receiveFully(ws2, p.server(), end, arena));
            Buffers.assertPattern(end, 9);
            assertFalse(Buffers.receiveFully(ws2, p.server(), arena.allocate(1), arena), "then the end of the stream");
            assertEquals(SOCKET_ERROR(), ws2.send(p.client(), Buffers.wsabuf(arena, end), 1, sent, 0, MemorySegment.NULL,
                    MemorySegment.NULL), "no send after TP_DISCONNECT");
            assertEquals(WSAESHUTDOWN(), ws2.lastError());
            assertEquals(1, HostFiles.closeHandle(file));
        }
    }

    @Test
    void framedFileData_throughJwspAndItsFilter_andThroughTheBaseAlone() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            Path path = file(arena);
            long probe = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            long baseProbe = ws2.socket(AF_INET6(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            assertNotEquals(function(ws2, baseProbe, arena).address(), function(ws2, probe, arena).address(),
                    "jwsp hands out its own TransmitPackets");
            ws2.closesocket(probe);
            ws2.closesocket(baseProbe);
            AtomicLong held = new AtomicLong();
            List<String> seen = new CopyOnWriteArrayList<>();
            LayeredProvider.setFilter(new SendFilter() {
                @Override
                public int onSend(SendView send) {
                    seen.add("send " + send.bufferCount() + " " + send.totalBytes() + " " + send.fileBytes());
                    if (held.get() == 0 && send.totalBytes() == 3000) {
                        held.set(send.ticket());
                        return DELAY;
                    }
                    return PASS;
                }

                @Override
                public void onComplete(SendView send, int error, long bytes) {
                    seen.add("done " + error + " " + bytes);
                }
            });
            try {
                serves(ws2, AF_INET(), path, () -> assertTrue(LayeredProvider.releaseDelayed(held.get()), "the held send goes"), arena);
                assertEquals(List.of("send 1 3000 0", "send 2 150 -1", "done 0 3000", "done 0 100650",
                        "send 0 0 1000", "done 0 1000", "send 0 0 1000", "done 0 1000", "send 2 30 0", "done 0 30",
                        "send 0 0 0", "done 0 0", "send 1 10 0", "done 0 10"), seen,
                        "jwsp's filter saw every TransmitPackets as a send (memory elements as buffers, file elements as fileBytes), in order");
                seen.clear();
                serves(ws2, AF_INET6(), path, () -> { }, arena);
                assertEquals(List.of(), seen, "the base alone: no jwsp");
                assertEquals(0, LayeredProvider.outstandingRequests());
                assertEquals(0, LayeredProvider.lentLargeCaptures(), "every element copy was given back");
            } catch (Throwable t) {
                throw new AssertionError(t);
            } finally {
                LayeredProvider.setFilter(SendFilter.PASS_THROUGH);
            }
        });
    }

    /**
     * Bad input, through jwsp and through the base: an array that is NULL, in the first 64 KiB or
     * misaligned, a memory element in the first 64 KiB ({@code WSAEFAULT}, decided before anything
     * is touched), elements that are neither or both memory and file ({@code WSAEINVAL}), a closed file
     * ({@code WSAENOTSOCK}, as for TransmitFile), {@code TF_REUSE_SOCKET} alone ({@code WSAEINVAL}), no
     * socket, an {@code OVERLAPPED} on a socket without {@code WSA_FLAG_OVERLAPPED}; each refused with
     * nothing sent and nothing held. No elements is a send of nothing. The connection stays whole.
     */
    @Test
    void badInput_getsWindowsAnswersAndBreaksNothing() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            try {
                Path path = file(arena);
                for (int af : new int[] {AF_INET(), AF_INET6()}) {
                    try (Pair p = Pair.tcp(ws2, af, WSA_FLAG_OVERLAPPED(), arena)) {
                        MemorySegment fn = function(ws2, p.client(), arena);
                        MemorySegment ov = OverTheHost.overlapped(ws2, arena);
                        for (long o : new long[] {ov.address(), 0}) {
                            String how = o == 0 ? " (synchronous)" : " (overlapped)";
                            assertEquals(0, transmit(fn, p.client(), 0, 2, o, 0), "a NULL array" + how);
                            assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
                            assertEquals(0, transmit(fn, p.client(), WILD, 1, o, 0), "an array in the first 64 KiB" + how);
                            assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
                            MemorySegment one = elements(2, arena);
                            memory(one, 0, Buffers.pattern(arena, 8, 1));
                            assertEquals(0, transmit(fn, p.client(), one.address() + 4, 1, o, 0), "a misaligned array" + how);
                            assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
                            MemorySegment wild = elements(1, arena);
                            memory(wild, 0, 0x20, 64);
                            assertEquals(0, transmit(fn, p.client(), wild.address(), 1, o, 0), "a memory element at 0x20" + how);
                            assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
                            MemorySegment neither = elements(1, arena);
                            memory(neither, 0, Buffers.pattern(arena, 8, 1));
                            neither.set(ValueLayout.JAVA_INT, TRANSMIT_PACKETS_ELEMENT.dwElFlags$offset(), TP_ELEMENT_EOP());
                            assertEquals(0, transmit(fn, p.client(), neither.address(), 1, o, 0), "neither memory nor file" + how);
                            assertEquals(WSAEINVAL(), ExtensionPointers.lastError());
                            neither.set(ValueLayout.JAVA_INT, TRANSMIT_PACKETS_ELEMENT.dwElFlags$offset(), TP_ELEMENT_MEMORY() | TP_ELEMENT_FILE());
                            assertEquals(0, transmit(fn, p.client(), neither.address(), 1, o, 0), "both memory and file" + how);
                            assertEquals(WSAEINVAL(), ExtensionPointers.lastError());
                            long closed = HostFiles.createFile(path, arena);
                            assertEquals(1, HostFiles.closeHandle(closed));
                            MemorySegment stale = elements(2, arena);
                            memory(stale, 0, Buffers.pattern(arena, 8, 1));
                            file(stale, 1, closed, 0, 100);
                            assertEquals(0, transmit(fn, p.client(), stale.address(), 2, o, 0), "a closed file" + how);
                            assertEquals(WSAENOTSOCK(), ExtensionPointers.lastError());
                            assertEquals(0, transmit(fn, p.client(), one.address(), 1, o, TP_REUSE_SOCKET()), "TP_REUSE_SOCKET alone" + how);
                            assertEquals(WSAEINVAL(), ExtensionPointers.lastError());
                            assertEquals(0, transmit(fn, 0x7777_0000L, one.address(), 1, o, 0), "no socket" + how);
                            assertEquals(WSAENOTSOCK(), ExtensionPointers.lastError());
                        }
                        assertEquals(0, transmit(fn, p.client(), 0, 0, 0x10, 0), "an OVERLAPPED in the first 64 KiB");
                        assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
                        assertEquals(1, transmit(fn, p.client(), 0, 0, 0, 0), "no elements: a send of nothing");
                        assertEquals(0, LayeredProvider.outstandingRequests(), "a refused TransmitPackets holds nothing");
                        assertEquals(0, LayeredProvider.lentLargeCaptures(), "and no element copy");
                        // the connection is whole: one more TransmitPackets, and it arrives first
                        MemorySegment ok = elements(1, arena);
                        memory(ok, 0, Buffers.pattern(arena, 10, 2));
                        assertEquals(1, transmit(fn, p.client(), ok.address(), 1, 0, 0));
                        MemorySegment got = arena.allocate(10);
                        assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                        Buffers.assertPattern(got, 2);
                    }
                    long plain = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), 0);
                    MemorySegment fn = function(ws2, plain, arena);
                    assertEquals(0, transmit(fn, plain, 0, 0, OverTheHost.overlapped(ws2, arena).address(), 0),
                            "an OVERLAPPED on a socket without WSA_FLAG_OVERLAPPED");
                    assertEquals(WSAEINVAL(), ExtensionPointers.lastError());
                    ws2.closesocket(plain);
                }
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
    }
}
