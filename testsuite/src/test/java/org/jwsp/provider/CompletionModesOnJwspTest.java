package org.jwsp.provider;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.host.ws2.NativeWs2;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Pair;

/**
 * What a program gets from kernel32's {@code CancelIoEx} and {@code SetFileCompletionNotificationModes}
 * on a jwsp socket (a non-IFS handle), called through the host's kernel32 exports (native function
 * pointers) on an I/O completion port, through jwsp (IPv4):
 * <ul>
 * <li>{@code CancelIoEx} finds none of the program's operations ({@code ERROR_NOT_FOUND}): they run
 * on the lower socket with jwsp's own OVERLAPPEDs; the receive it was meant to cancel completes
 * with its data later, and {@code closesocket} is what ends one ({@code WSA_OPERATION_ABORTED}).</li>
 * <li>A program that followed libuv's decision (the probe says non-IFS: no
 * {@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS}) gets every completion on its port, data both ways.</li>
 * <li>One that sets it anyway: the call succeeds, and from then on its port never hears of the
 * socket's operations (Microsoft KB2568167), though the data arrived and the event is set. The host
 * reproduces that; it is why jwsp's {@code SO_PROTOCOL_INFOW} says "non-IFS".</li>
 * </ul>
 */
class CompletionModesOnJwspTest {

    private static final long KEY = 0x5EED;
    private static final int SIZE = 4096;

    private record Kernel32(MethodHandle createPort, MethodHandle dequeue, MethodHandle cancelIoEx, MethodHandle setModes,
                            MethodHandle closeHandle) {

        static Kernel32 find(KernelPort k) {
            NativeWs2.install();
            Linker l = Linker.nativeLinker();
            return new Kernel32(
                    l.downcallHandle(fn(k, "CreateIoCompletionPort"), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT)),
                    l.downcallHandle(fn(k, "GetQueuedCompletionStatus"),
                            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_INT)),
                    l.downcallHandle(fn(k, "CancelIoEx"), FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS)),
                    l.downcallHandle(fn(k, "SetFileCompletionNotificationModes"), FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_BYTE)),
                    l.downcallHandle(fn(k, "CloseHandle"), FunctionDescriptor.of(JAVA_INT, JAVA_LONG)));
        }

        private static MemorySegment fn(KernelPort k, String name) {
            MemorySegment f = k.procAddress("kernel32.dll", name);
            assertNotEquals(0, f.address(), () -> "kernel32.dll exports " + name);
            return f;
        }
    }

    /** One packet from the port: its OVERLAPPED, byte count and status (0, or GetLastError when FALSE); null on timeout. */
    private record Packet(long overlapped, int bytes, long key, int error) {
    }

    private static Packet dequeue(Ws2 ws2, Kernel32 k32, long port, int millis, Arena arena) throws Throwable {
        MemorySegment bytes = arena.allocate(JAVA_INT);
        MemorySegment key = arena.allocate(JAVA_LONG);
        MemorySegment ov = arena.allocate(ADDRESS);
        int ok = (int) k32.dequeue.invokeExact(port, bytes, key, ov, millis);
        long o = ov.get(JAVA_LONG, 0);
        if (ok == 0 && o == 0) {
            assertEquals(WAIT_TIMEOUT(), ws2.lastError(), "GetQueuedCompletionStatus without a packet");
            return null;
        }
        return new Packet(o, bytes.get(JAVA_INT, 0), key.get(JAVA_LONG, 0), ok != 0 ? 0 : ws2.lastError());
    }

    private static MemorySegment recv(Ws2 ws2, long s, MemorySegment into, Arena arena) {
        MemorySegment ov = OverTheHost.overlapped(ws2, arena);
        int rc = ws2.recv(s, Buffers.wsabuf(arena, into), 1, arena.allocate(JAVA_INT), arena.allocate(JAVA_INT), ov, MemorySegment.NULL);
        assertEquals(SOCKET_ERROR(), rc, "nothing to receive yet");
        assertEquals(WSA_IO_PENDING(), ws2.lastError());
        return ov;
    }

    private static MemorySegment send(Ws2 ws2, long s, int seed, Arena arena) {
        MemorySegment ov = OverTheHost.overlapped(ws2, arena);
        int rc = ws2.send(s, Buffers.wsabuf(arena, Buffers.pattern(arena, SIZE, seed)), 1, arena.allocate(JAVA_INT), 0, ov,
                MemorySegment.NULL);
        assertTrue(rc == 0 || ws2.lastError() == WSA_IO_PENDING(), () -> "send: " + ws2.lastError());
        return ov;
    }

    /** Both packets of a send and the receive it fills come to the port, whole. */
    private static void bothOnThePort(Ws2 ws2, Kernel32 k32, long port, MemorySegment sendOv, MemorySegment recvOv, Arena arena)
            throws Throwable {
        boolean sent = false;
        boolean received = false;
        while (!sent || !received) {
            Packet p = dequeue(ws2, k32, port, 10_000, arena);
            assertNotNull(p, "a completion on the port within 10 s");
            assertEquals(KEY, p.key());
            assertEquals(0, p.error());
            sent |= p.overlapped() == sendOv.address() && p.bytes() == SIZE;
            received |= p.overlapped() == recvOv.address() && p.bytes() == SIZE;
        }
    }

    @Test
    void cancelIoExFindsNothing_aProgramThatHeedsTheProbeGetsItsCompletions_oneThatSkipsThePortLosesThem() throws Exception {
        OverTheHost.runOverIpv4Only((ws2, installed, arena) -> {
            try {
                Kernel32 k32 = Kernel32.find(ws2.kernel());
                try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                    long port = (long) k32.createPort.invokeExact(p.server(), 0L, KEY, 0);
                    assertNotEquals(0L, port);
                    assertEquals(port, (long) k32.createPort.invokeExact(p.client(), port, KEY, 0));

                    // CancelIoEx on jwsp's handle: nothing of the program's is there to cancel
                    MemorySegment in = arena.allocate(SIZE);
                    MemorySegment recvOv = recv(ws2, p.server(), in, arena);
                    assertEquals(0, (int) k32.cancelIoEx.invokeExact(p.server(), recvOv));
                    assertEquals(ERROR_NOT_FOUND(), ws2.lastError());
                    bothOnThePort(ws2, k32, port, send(ws2, p.client(), 1, arena), recvOv, arena);
                    Buffers.assertPattern(in, 1); // the receive CancelIoEx did not reach completed with its data
                    MemorySegment back = arena.allocate(SIZE);
                    MemorySegment backOv = recv(ws2, p.client(), back, arena);
                    bothOnThePort(ws2, k32, port, send(ws2, p.server(), 2, arena), backOv, arena);
                    Buffers.assertPattern(back, 2);

                    // FILE_SKIP_COMPLETION_PORT_ON_SUCCESS on jwsp's handle: accepted, and the port goes silent
                    assertEquals(TRUE(), (int) k32.setModes.invokeExact(p.server(), (byte) FILE_SKIP_COMPLETION_PORT_ON_SUCCESS()));
                    MemorySegment lost = arena.allocate(SIZE);
                    MemorySegment lostOv = recv(ws2, p.server(), lost, arena);
                    MemorySegment sendOv = send(ws2, p.client(), 3, arena);
                    assertEquals(KernelPort.WAIT_OBJECT_0, ws2.waitForEvent(OVERLAPPED.hEvent(lostOv).address(), 10_000, false),
                            "the receive completed: its event is set");
                    MemorySegment count = arena.allocate(JAVA_INT);
                    assertTrue(ws2.getOverlappedResult(p.server(), lostOv, count, false, arena.allocate(JAVA_INT)));
                    assertEquals(SIZE, count.get(JAVA_INT, 0));
                    Buffers.assertPattern(lost, 3);
                    // the client's send (no such mode) still reports; the server's receive never does (KB2568167).
                    // 500 ms is a bound on a packet that must not come, not a window held open.
                    boolean sendSeen = false;
                    for (Packet pk; (pk = dequeue(ws2, k32, port, sendSeen ? 500 : 10_000, arena)) != null; ) {
                        assertNotEquals(lostOv.address(), pk.overlapped(), "no packet for the skipped socket's receive");
                        sendSeen |= pk.overlapped() == sendOv.address();
                    }
                    assertTrue(sendSeen, "the client's send completion came");

                    // closesocket is what ends a program's pending operation on a jwsp socket
                    MemorySegment pendingOv = recv(ws2, p.client(), arena.allocate(SIZE), arena);
                    assertEquals(0, (int) k32.cancelIoEx.invokeExact(p.client(), MemorySegment.NULL));
                    assertEquals(ERROR_NOT_FOUND(), ws2.lastError());
                    assertEquals(0, ws2.closesocket(p.client()));
                    Packet aborted = dequeue(ws2, k32, port, 10_000, arena);
                    assertNotNull(aborted, "closesocket completes the pending receive");
                    assertEquals(pendingOv.address(), aborted.overlapped());
                    assertEquals(WSA_OPERATION_ABORTED(), aborted.error());
                    assertEquals(TRUE(), (int) k32.closeHandle.invokeExact(port));
                }
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
    }
}
