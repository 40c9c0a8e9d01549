package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.Test;
import org.jwsp.bindings.windows.LPWPUCLOSETHREAD;
import org.jwsp.bindings.windows.LPWPUOPENCURRENTTHREAD;
import org.jwsp.bindings.windows.LPWSAOVERLAPPED_COMPLETION_ROUTINE;
import org.jwsp.bindings.windows.LPWSPSEND;
import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.WSATHREADID;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.bindings.windows.WSPUPCALLTABLE;
import org.jwsp.host.upcall.Ws2UpcallTable;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Pair;

/**
 * Seeded, reproducible fuzzing of WSPSend through jwsp's own {@code WSPPROC_TABLE.lpWSPSend}
 * pointer over the real Linux host: socket states (overlapped, blocking, nonblocking, shut down,
 * unconnected, closed, foreign), buffer counts and lengths, flags, overlapped / routine / thread-id
 * combinations and pointers of every {@link FuzzPointers} kind. For each case the oracle derives
 * from the seed (seed/LPWSPSEND.txt) the codes that situation allows; the test checks the answer is
 * one of them, that a refused call wrote nothing through a pointer it refused and gave no
 * completion, that an accepted one completes exactly once with its whole byte count, and at the
 * end that every peer received exactly the bytes reported sent: the sockets still work.
 *
 * <p>Bounded for CI; {@code -Djwsp.fuzz.cases=1000000} for the full run,
 * {@code -Djwsp.fuzz.seed=N} to replay a seed (printed on failure with the case number).
 */
class WspSendFuzzTest {

    private static final Logger LOG = LogManager.getLogger(WspSendFuzzTest.class);
    static final long CASES = Long.getLong("jwsp.fuzz.cases", 200_000L);
    static final long SEED = Long.getLong("jwsp.fuzz.seed", 0x10_2026_1202L);
    private static final int WAIT = 10_000;
    /** WSABUFs in the good array: more than the 1024 any send may have. */
    private static final int ARRAY = 1100;
    private static final int DATA = 64 << 10;
    private static final int SENTINEL = 0x7A;

    enum Sock { OVERLAPPED, BLOCKING, NONBLOCKING, SHUT, UNCONNECTED, CLOSED, FOREIGN }

    @Test
    void wspSend_seededHostileArguments_documentedCodesOnly_socketsStillWork() throws Exception {
        OverTheHost.run((ws2, installed, arena) -> new Run(ws2, arena).go());
    }

    /** One fuzz run: the sockets, the memory the good pointers point to, the tallies. */
    private static final class Run {
        final Ws2 ws2;
        final Arena arena;
        final SplittableRandom random = new SplittableRandom(SEED);
        final MemorySegment data;
        final MemorySegment array;
        final MemorySegment sent;
        final MemorySegment errno;
        final MemorySegment ov;
        final MemorySegment threadId;
        final MemorySegment routine;
        final long event;
        int routineCalls;
        int routineError;
        int routineBytes;
        final TreeMap<String, Long> tally = new TreeMap<>();

        Run(Ws2 ws2, Arena arena) {
            this.ws2 = ws2;
            this.arena = arena;
            data = arena.allocate(DATA, 8);
            array = arena.allocate(ARRAY * 16L, 8);
            sent = arena.allocate(16, 8);
            errno = arena.allocate(16, 8);
            ov = arena.allocate(OVERLAPPED.layout().byteSize() + 16, 8);
            threadId = WSATHREADID.allocate(arena);
            MemorySegment e = arena.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, LPWPUOPENCURRENTTHREAD.invoke(WSPUPCALLTABLE.lpWPUOpenCurrentThread(Ws2UpcallTable.table()), threadId, e));
            routine = LPWSAOVERLAPPED_COMPLETION_ROUTINE.allocate((err, n, o, f) -> {
                routineCalls++;
                routineError = err;
                routineBytes = n;
            }, arena);
            event = ws2.createEvent();
        }

        void go() throws Exception {
            try (Pair over = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena);
                 Pair blocking = Pair.tcp(ws2, AF_INET(), 0, arena);
                 Pair nonblocking = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena);
                 Pair shut = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                MemorySegment on = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
                assertEquals(0, ws2.ioctl(nonblocking.client(), FIONBIO(), on, 4, MemorySegment.NULL, 0,
                        arena.allocate(ValueLayout.JAVA_INT), MemorySegment.NULL, MemorySegment.NULL));
                assertEquals(0, ws2.shutdown(shut.client(), SD_SEND()));
                long unconnected = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
                long closed = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), WSA_FLAG_OVERLAPPED());
                assertEquals(0, ws2.closesocket(closed));
                MemorySegment send = WSPPROC_TABLE.lpWSPSend(ws2.provider(over.client()).procTable());
                Pair[] pairs = {over, blocking, nonblocking};
                Drain[] drains = Arrays.stream(pairs).map(p -> new Drain(ws2, p.server())).toArray(Drain[]::new);
                long[] expected = new long[pairs.length];
                long start = System.nanoTime();
                for (long n = 0; n < CASES; n++) {
                    Sock kind = pickSocket();
                    long s = switch (kind) {
                        case OVERLAPPED -> over.client();
                        case BLOCKING -> blocking.client();
                        case NONBLOCKING -> nonblocking.client();
                        case SHUT -> shut.client();
                        case UNCONNECTED -> unconnected;
                        case CLOSED -> closed;
                        case FOREIGN -> foreignHandle();
                    };
                    int which = kind.ordinal() < pairs.length ? kind.ordinal() : -1;
                    long moved;
                    try {
                        moved = oneCase(send, kind, s);
                    } catch (AssertionError | RuntimeException failure) {
                        throw new AssertionError("seed " + SEED + ", case " + n + ": " + failure.getMessage(), failure);
                    }
                    if (which >= 0) {
                        expected[which] += moved;
                    }
                }
                long nanos = System.nanoTime() - start;
                for (int i = 0; i < pairs.length; i++) {
                    assertEquals(0, ws2.shutdown(pairs[i].client(), SD_SEND()));
                    assertEquals(expected[i], drains[i].join(), "bytes at the peer of socket " + i + " = bytes reported sent");
                }
                ws2.closesocket(unconnected);
                String report = "seed " + SEED + ", " + CASES + " cases in " + nanos / 1_000_000 + " ms, bytes at the peers "
                        + Arrays.toString(expected) + ", outcomes (code: cases) " + tally + System.lineSeparator();
                LOG.info("fuzz: {}", report);
                Files.writeString(Path.of("target", "wspsend-fuzz.txt"), report); // the figures docs/RELIABILITY.md quotes
            } finally {
                LPWPUCLOSETHREAD.invoke(WSPUPCALLTABLE.lpWPUCloseThread(Ws2UpcallTable.table()), threadId,
                        arena.allocate(ValueLayout.JAVA_INT));
                ws2.closeEvent(event);
            }
        }

        private Sock pickSocket() {
            int p = random.nextInt(100);
            return p < 40 ? Sock.OVERLAPPED : p < 60 ? Sock.BLOCKING : p < 72 ? Sock.NONBLOCKING : p < 82 ? Sock.SHUT
                    : p < 90 ? Sock.UNCONNECTED : p < 95 ? Sock.CLOSED : Sock.FOREIGN;
        }

        private long foreignHandle() {
            return switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> INVALID_SOCKET();
                default -> random.nextLong() | (1L << 40);
            };
        }

        /** Runs one case; returns the bytes it moved to the peer (to add to that socket's total). */
        private long oneCase(MemorySegment send, Sock kind, long s) {
            FuzzSendCase c = FuzzSendCase.make(random, kind, data, array, sent, errno, ov, threadId, routine, event);
            ws2.resetEvent(event);
            OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
            sent.fill((byte) SENTINEL);
            errno.fill((byte) SENTINEL);
            byte[] ovBefore = ov.toArray(ValueLayout.JAVA_BYTE);
            routineCalls = 0;
            int rc = LPWSPSEND.invoke(send, s, MemorySegment.ofAddress(c.lpBuffers), c.count, MemorySegment.ofAddress(c.lpSent),
                    c.flags, MemorySegment.ofAddress(c.lpOverlapped), MemorySegment.ofAddress(c.routine),
                    MemorySegment.ofAddress(c.lpThreadId), MemorySegment.ofAddress(c.lpErrno));
            if (c.errnoBad) {
                assertEquals(SOCKET_ERROR(), rc, c::describe);
                assertUntouched(errno, c);
                count("errno-refused");
                return 0;
            }
            int code = rc == 0 ? 0 : errno.get(ValueLayout.JAVA_INT, 0);
            Set<Integer> allowed = c.allowedAtCall();
            assertTrue(rc == 0 || rc == SOCKET_ERROR(), c::describe);
            assertTrue(allowed.contains(code), () -> "answered " + code + ", allowed " + allowed + ": " + c.describe());
            count(Integer.toString(code));
            if (c.sentBad) {
                assertUntouched(sent, c);
            }
            if (c.overlappedBad) {
                assertArrayEquals(ovBefore, ov.toArray(ValueLayout.JAVA_BYTE), c::describe);
            }
            if (!c.synchronous && code != 0 && code != WSA_IO_PENDING()) {
                // refused: no completion indication of any kind
                assertEquals(WSA_WAIT_TIMEOUT(), ws2.waitForEvent(event, 0, false), c::describe);
                ws2.sleepEx(0, true);
                assertEquals(0, routineCalls, c::describe);
                return 0;
            }
            if (c.synchronous) {
                if (code != 0) {
                    return 0;
                }
                int n = sent.get(ValueLayout.JAVA_INT, 0);
                assertTrue(kind == Sock.NONBLOCKING ? n >= 0 && n <= c.total : n == c.total, () -> n + " sent: " + c.describe());
                return n;
            }
            return completion(c, s, rc);
        }

        /** An accepted overlapped send: waits for its one completion and checks it. */
        private long completion(FuzzSendCase c, long s, int rc) {
            int status;
            int bytes;
            if (c.routine != 0) {
                long deadline = System.nanoTime() + WAIT * 1_000_000L;
                while (routineCalls == 0 && System.nanoTime() < deadline) {
                    ws2.sleepEx(WAIT, true);
                }
                ws2.sleepEx(0, true);
                assertEquals(1, routineCalls, () -> "routine calls: " + c.describe());
                status = routineError;
                bytes = routineBytes;
            } else {
                assertEquals(0, ws2.waitForEvent(event, WAIT, false), c::describe);
                MemorySegment n = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
                boolean ok = ws2.getOverlappedResult(s, ov, n, false, flags);
                status = ok ? 0 : ws2.lastError();
                bytes = ok ? n.get(ValueLayout.JAVA_INT, 0) : 0;
            }
            Set<Integer> allowed = c.allowedAtCompletion();
            int st = status;
            assertTrue(allowed.contains(st), () -> "completed with " + st + ", allowed " + allowed + ": " + c.describe());
            count("completed-" + status);
            if (status != 0) {
                return 0;
            }
            assertEquals(c.total, bytes, c::describe);
            if (rc == 0 && c.lpSent != 0) {
                assertEquals(c.total, sent.get(ValueLayout.JAVA_INT, 0), c::describe);
            }
            return bytes;
        }

        private static void assertUntouched(MemorySegment region, FuzzSendCase c) {
            for (long i = 0; i < region.byteSize(); i++) {
                assertEquals(SENTINEL, region.get(ValueLayout.JAVA_BYTE, i), () -> "a refused pointer was written: " + c.describe());
            }
        }

        private void count(String outcome) {
            tally.merge(outcome, 1L, Long::sum);
        }
    }

    /** Reads a peer socket to its end on a thread of its own, counting bytes. */
    private static final class Drain {
        private final Thread thread;
        private volatile long total;
        private volatile int error;

        Drain(Ws2 ws2, long s) {
            thread = Thread.ofPlatform().daemon().name("fuzz-drain").start(() -> {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment buf = a.allocate(64 << 10);
                    MemorySegment wsabuf = org.jwsp.testkit.Buffers.wsabuf(a, buf);
                    MemorySegment got = a.allocate(ValueLayout.JAVA_INT);
                    MemorySegment flags = a.allocate(ValueLayout.JAVA_INT);
                    while (true) {
                        flags.set(ValueLayout.JAVA_INT, 0, 0);
                        if (ws2.recv(s, wsabuf, 1, got, flags, MemorySegment.NULL, MemorySegment.NULL) != 0) {
                            error = ws2.lastError();
                            return;
                        }
                        int n = got.get(ValueLayout.JAVA_INT, 0);
                        if (n == 0) {
                            return;
                        }
                        total += n;
                    }
                }
            });
        }

        long join() throws InterruptedException {
            thread.join(WAIT);
            assertFalse(thread.isAlive(), "the peer saw the end of the stream");
            assertEquals(0, error, "peer receive");
            return total;
        }
    }

    static Set<Integer> codes(int... c) {
        TreeSet<Integer> s = new TreeSet<>();
        for (int x : c) {
            s.add(x);
        }
        return s;
    }
}
