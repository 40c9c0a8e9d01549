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
import org.jwsp.bindings.windows.TRANSMIT_FILE_BUFFERS;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendView;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * TransmitFile as a file server calls it (IIS, .NET's {@code Socket.SendFile}): a file opened with
 * kernel32's {@code CreateFileW}, head and tail buffers, overlapped with an event and a file offset,
 * synchronous from the file pointer, and {@code TF_DISCONNECT}; every function called through the
 * native pointers {@code SIO_GET_EXTENSION_FUNCTION_POINTER} and {@code procAddress} hand out.
 * Through jwsp (its own TransmitFile: the filter sees it, and it waits behind a send the filter
 * holds, so nothing overtakes) and through the base alone (IPv6 is not layered here). Plus the
 * bad input: a closed file, a socket of no provider, pointers that cannot be touched.
 */
class TransmitFileTest {

    private static final int WAIT = 10_000;
    private static final MethodHandle TRANSMIT = Linker.nativeLinker().downcallHandle(FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    @TempDir
    Path dir;

    private static int transmit(MemorySegment fn, long s, long file, int bytes, long ov, long buffers, int flags) throws Throwable {
        return (int) TRANSMIT.invokeExact(fn, s, file, bytes, 0, ov, buffers, flags);
    }

    private static MemorySegment buffers(MemorySegment head, MemorySegment tail, Arena arena) {
        MemorySegment b = arena.allocate(TRANSMIT_FILE_BUFFERS.layout());
        TRANSMIT_FILE_BUFFERS.Head(b, head);
        TRANSMIT_FILE_BUFFERS.HeadLength(b, head == null ? 0 : (int) head.byteSize());
        TRANSMIT_FILE_BUFFERS.Tail(b, tail == null ? MemorySegment.NULL : tail);
        TRANSMIT_FILE_BUFFERS.TailLength(b, tail == null ? 0 : (int) tail.byteSize());
        return b;
    }

    private Path file(Arena arena) throws Exception {
        return HostFiles.patternFile(dir, "served.bin", arena);
    }

    /**
     * A file server's calls on one connection: an overlapped send first ({@code held}: jwsp's filter
     * holds it, so the TransmitFile must wait behind it), then TransmitFile overlapped (head, the
     * whole file from offset 0, tail), synchronous twice from the file pointer, and with
     * TF_DISCONNECT; the peer receives every byte in call order, then the end of the stream.
     */
    private void serves(Ws2 ws2, int af, Path path, Runnable releaseHeld, Arena arena) throws Throwable {
        try (Pair p = Pair.tcp(ws2, af, WSA_FLAG_OVERLAPPED(), arena)) {
            long file = HostFiles.createFile(path, arena);
            MemorySegment fn = ExtensionPointers.function(ws2, p.client(), WinsockExtensions.WSAID_TRANSMITFILE, arena);
            MemorySegment first = OverTheHost.overlapped(ws2, arena);
            MemorySegment sent = arena.allocate(ValueLayout.JAVA_INT);
            int rc = ws2.send(p.client(), Buffers.wsabuf(arena, Buffers.pattern(arena, 3000, 1)), 1, sent, 0, first, MemorySegment.NULL);
            assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), () -> "the first send: " + ws2.lastError());

            MemorySegment head = Buffers.pattern(arena, 100, 5);
            MemorySegment tail = Buffers.pattern(arena, 50, 6);
            MemorySegment ov = OverTheHost.overlapped(ws2, arena);
            int ok = transmit(fn, p.client(), file, 0, ov.address(), buffers(head, tail, arena).address(), 0);
            assertTrue(ok != 0 || ExtensionPointers.lastError() == WSA_IO_PENDING(), "TransmitFile overlapped");
            releaseHeld.run();
            long event = OVERLAPPED.hEvent(ov).address();
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(event, WAIT, false), "TransmitFile's event is set");
            MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
            assertTrue(ws2.getOverlappedResult(p.client(), ov, sent, false, flags), () -> "its result: " + ws2.lastError());
            assertEquals(100 + HostFiles.SIZE + 50, sent.get(ValueLayout.JAVA_INT, 0), "head, file and tail");

            MemorySegment got = arena.allocate(3000 + 100 + HostFiles.SIZE + 50);
            assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
            Buffers.assertPattern(got.asSlice(0, 3000), 1); // the send before it came first
            Buffers.assertPattern(got.asSlice(3000, 100), 5);
            HostFiles.assertFileBytes(got, 3100, 0, HostFiles.SIZE);
            Buffers.assertPattern(got.asSlice(3100 + HostFiles.SIZE, 50), 6);

            // synchronous, from the file pointer (which the overlapped call at an offset did not move)
            assertEquals(1, transmit(fn, p.client(), file, 1000, 0, 0, 0), "synchronous TransmitFile");
            assertEquals(1, transmit(fn, p.client(), file, 1000, 0, 0, 0), "and the next 1000 bytes");
            MemorySegment twice = arena.allocate(2000);
            assertTrue(Buffers.receiveFully(ws2, p.server(), twice, arena));
            HostFiles.assertFileBytes(twice, 0, 0, 2000);

            // TF_DISCONNECT with no file: the head, then the end of the stream; no send after it
            MemorySegment bye = OverTheHost.overlapped(ws2, arena);
            ok = transmit(fn, p.client(), 0, 0, bye.address(), buffers(Buffers.pattern(arena, 10, 7), null, arena).address(),
                    TF_DISCONNECT());
            assertTrue(ok != 0 || ExtensionPointers.lastError() == WSA_IO_PENDING(), "TransmitFile(TF_DISCONNECT)");
            assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(OVERLAPPED.hEvent(bye).address(), WAIT, false));
            MemorySegment last = arena.allocate(10);
            assertTrue(Buffers.receiveFully(ws2, p.server(), last, arena));
            Buffers.assertPattern(last, 7);
            assertFalse(Buffers.receiveFully(ws2, p.server(), arena.allocate(1), arena), "then the end of the stream");
            assertEquals(SOCKET_ERROR(), ws2.send(p.client(), Buffers.wsabuf(arena, last), 1, sent, 0, MemorySegment.NULL,
                    MemorySegment.NULL), "no send after TF_DISCONNECT");
            assertEquals(WSAESHUTDOWN(), ws2.lastError());
            assertEquals(1, HostFiles.closeHandle(file));
        }
    }

    @Test
    void aFileServer_throughJwspAndItsFilter_andThroughTheBaseAlone() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            Path path = file(arena);
            long probe = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            long baseProbe = ws2.socket(AF_INET6(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
            assertNotEquals(ExtensionPointers.function(ws2, baseProbe, WinsockExtensions.WSAID_TRANSMITFILE, arena).address(),
                    ExtensionPointers.function(ws2, probe, WinsockExtensions.WSAID_TRANSMITFILE, arena).address(), "jwsp hands out its own TransmitFile");
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
                assertEquals(List.of("send 1 3000 0", "send 2 150 -1", "done 0 3000", "done 0 100150",
                        "send 2 0 1000", "done 0 1000", "send 2 0 1000", "done 0 1000", "send 2 10 0", "done 0 10"), seen,
                        "jwsp's filter saw every TransmitFile as a send (head and tail as buffers, the file as fileBytes), in order");
                seen.clear();
                serves(ws2, AF_INET6(), path, () -> { }, arena);
                assertEquals(List.of(), seen, "the base alone: no jwsp");
                assertEquals(0, LayeredProvider.outstandingRequests());
            } catch (Throwable t) {
                throw new AssertionError(t);
            } finally {
                LayeredProvider.setFilter(SendFilter.PASS_THROUGH);
            }
        });
    }

    /**
     * Bad input, through jwsp and through the base: a closed file ({@code WSAENOTSOCK}, msafd's answer
     * to AFD's {@code STATUS_INVALID_HANDLE}), no socket, pointers that are not pointers
     * ({@code WSAEFAULT}, decided before they are touched), an {@code OVERLAPPED} on a socket without
     * {@code WSA_FLAG_OVERLAPPED}; each refused with nothing sent, the connection still whole.
     */
    @Test
    void badInput_getsWindowsAnswersAndBreaksNothing() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            try {
                Path path = file(arena);
                for (int af : new int[] {AF_INET(), AF_INET6()}) {
                    try (Pair p = Pair.tcp(ws2, af, WSA_FLAG_OVERLAPPED(), arena)) {
                        MemorySegment fn = ExtensionPointers.function(ws2, p.client(), WinsockExtensions.WSAID_TRANSMITFILE, arena);
                        long file = HostFiles.createFile(path, arena);
                        assertEquals(1, HostFiles.closeHandle(file));
                        MemorySegment ov = OverTheHost.overlapped(ws2, arena);
                        MemorySegment head = buffers(Buffers.pattern(arena, 10, 2), null, arena);
                        assertEquals(0, transmit(fn, p.client(), file, 0, ov.address(), head.address(), 0), "a closed file");
                        assertEquals(WSAENOTSOCK(), ExtensionPointers.lastError());
                        assertEquals(0, transmit(fn, p.client(), file, 0, 0, head.address(), 0), "a closed file, synchronous");
                        assertEquals(WSAENOTSOCK(), ExtensionPointers.lastError());
                        assertEquals(0, transmit(fn, 0x7777_0000L, 0, 0, ov.address(), 0, 0), "no socket");
                        assertEquals(WSAENOTSOCK(), ExtensionPointers.lastError());
                        assertEquals(0, transmit(fn, p.client(), 0, 0, 0x10, 0, 0), "an OVERLAPPED in the first 64 KiB");
                        assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
                        assertEquals(0, transmit(fn, p.client(), 0, 0, ov.address() + 4, 0, 0), "a misaligned OVERLAPPED");
                        assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
                        assertEquals(0, transmit(fn, p.client(), 0, 0, ov.address(), 0xFFFF_8000_0000_0000L, 0), "kernel buffers");
                        assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
                        MemorySegment wild = buffers(MemorySegment.ofAddress(0x20), null, arena);
                        TRANSMIT_FILE_BUFFERS.HeadLength(wild, 64);
                        assertEquals(0, transmit(fn, p.client(), 0, 0, ov.address(), wild.address(), 0), "a head in the first 64 KiB");
                        assertEquals(WSAEFAULT(), ExtensionPointers.lastError());
                        assertEquals(0, transmit(fn, p.client(), 0, 0, ov.address(), head.address(), TF_REUSE_SOCKET() | 0x4000),
                                "unknown flags: the lower provider's answer");
                        assertEquals(WSAEINVAL(), ExtensionPointers.lastError());
                        assertEquals(0, LayeredProvider.outstandingRequests(), "a refused TransmitFile holds nothing");
                        // the connection is whole: one more TransmitFile of the head alone, and it arrives first
                        assertEquals(1, transmit(fn, p.client(), 0, 0, 0, head.address(), 0));
                        MemorySegment got = arena.allocate(10);
                        assertTrue(Buffers.receiveFully(ws2, p.server(), got, arena));
                        Buffers.assertPattern(got, 2);
                    }
                    long plain = ws2.socket(af, SOCK_STREAM(), IPPROTO_TCP(), 0);
                    MemorySegment fn = ExtensionPointers.function(ws2, plain, WinsockExtensions.WSAID_TRANSMITFILE, arena);
                    assertEquals(0, transmit(fn, plain, 0, 0, OverTheHost.overlapped(ws2, arena).address(), 0, 0),
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
