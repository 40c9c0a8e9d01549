package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.junit.jupiter.api.Test;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.windows.*;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.testkit.Buffers;
import org.jwsp.testkit.Leaks;
import org.jwsp.testkit.Pair;
import org.jwsp.kernel.KernelPort;

/**
 * {@code WSPCloseSocket} while other threads are inside calls on the same socket (send, receive,
 * ioctl, getsockopt, a second close), all through the base provider's {@code WSPPROC_TABLE}
 * pointers. Right after each close the test opens Unix socket pairs ("canaries"), which take the
 * lowest free fd numbers, i.e. the ones a close just freed; each canary holds one byte from its
 * partner. A late call reaching a reused fd number would add bytes to a canary's partner (a send)
 * or take the canary's byte (a receive). Checked: no canary is touched, every call answers 0 or
 * a documented Winsock code, an overlapped send or receive racing with the close completes exactly
 * once (by its event) with success or a documented code, exactly one close of each handle succeeds,
 * nothing leaks.
 */
class CloseRaceTest {

    static final int ROUNDS = 400;
    static final int WORKERS = 5;
    /** What a call on a socket being closed by another thread may answer. */
    static final Set<Integer> RACING_CODES = Set.of(WSAENOTSOCK(), WSAEINTR(), WSAEWOULDBLOCK(), WSAECONNRESET(),
            WSAECONNABORTED(), WSAESHUTDOWN(), WSAENOTCONN());

    @Test
    void closingWhileOtherThreadsAreInsideCallsNeverReachesAReusedFd() throws Exception {
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared()) {
            Pair.tcp(ws2, AF_INET(), 0, arena).close(); // warm-up: this thread's records, the classes
        }
        Leaks before = Leaks.now();
        List<Integer> canaries = new ArrayList<>();
        try (Ws2 ws2 = Ws2.startup(Catalog.system()); Arena arena = Arena.ofShared()) {
            MemorySegment table = ws2.load(ws2.choose(AF_INET(), SOCK_STREAM(), 0)).procTable();
            AtomicLongArray current = new AtomicLongArray(2); // client, server of the round
            AtomicLong calls = new AtomicLong();
            ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            Set<Long> closedByRacer = ConcurrentHashMap.newKeySet();
            List<Long> clients = new ArrayList<>();
            List<Boolean> closedByMain = new ArrayList<>();
            boolean[] done = {false};
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                Worker worker = new Worker(ws2.kernel(), table, arena, current, calls, wrong, closedByRacer, w, done);
                threads.add(Thread.ofPlatform().name("close-race-" + w).start(worker));
            }
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment pairFds = arena.allocate(ValueLayout.JAVA_INT, 2);
            MemorySegment one = arena.allocate(1);
            MemorySegment nonBlocking = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
            MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
            for (int round = 0; round < ROUNDS; round++) {
                Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena); // calls without an OVERLAPPED stay synchronous
                for (long s : new long[] {p.client(), p.server()}) {
                    assertEquals(0, LPWSPIOCTL.invoke(WSPPROC_TABLE.lpWSPIoctl(table), s, FIONBIO(), nonBlocking, 4,
                            MemorySegment.NULL, 0, returned, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, err));
                }
                long seen = calls.get();
                current.set(0, p.client());
                current.set(1, p.server());
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (calls.get() < seen + 2L * WORKERS && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // let the workers get inside calls on this pair
                }
                int rc = LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(table), p.client(), err);
                assertTrue(rc == 0 || err.get(ValueLayout.JAVA_INT, 0) == WSAENOTSOCK(), "close: " + err.get(ValueLayout.JAVA_INT, 0));
                clients.add(p.client());
                closedByMain.add(rc == 0);
                assertEquals(0, LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(table), p.server(), err));
                assertEquals(0, LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(table), p.listener(), err));
                for (int c = 0; c < 2; c++) { // takes the numbers just freed, unless a call still holds one
                    assertEquals(0, linux_h.socketpair(linux_h.AF_UNIX(), linux_h.SOCK_STREAM() | linux_h.SOCK_NONBLOCK()
                            | linux_h.SOCK_CLOEXEC(), 0, pairFds));
                    for (int i = 0; i < 2; i++) {
                        int fd = pairFds.getAtIndex(ValueLayout.JAVA_INT, i);
                        canaries.add(fd);
                        one.set(ValueLayout.JAVA_BYTE, 0, (byte) fd);
                        assertEquals(1, linux_h.send(pairFds.getAtIndex(ValueLayout.JAVA_INT, 1 - i), one, 1, 0));
                    }
                }
            }
            synchronized (done) {
                done[0] = true;
            }
            for (Thread t : threads) {
                t.join(30_000);
                assertTrue(!t.isAlive(), t.getName() + " is stuck");
            }
            assertTrue(wrong.isEmpty(), () -> "undocumented answers: " + wrong);
            for (int i = 0; i < clients.size(); i++) {
                assertTrue(closedByMain.get(i) ^ closedByRacer.contains(clients.get(i)),
                        "exactly one close of a handle succeeds (round " + i + ")");
            }
            MemorySegment got = arena.allocate(16);
            for (int fd : canaries) {
                long n = linux_h.recv(fd, got, 16, linux_h.MSG_DONTWAIT());
                assertEquals(1, n, "canary fd " + fd + " was touched by a call on a closed socket");
                assertEquals((byte) fd, got.get(ValueLayout.JAVA_BYTE, 0), "canary fd " + fd + " got stray bytes");
            }
            assertEquals(0, BaseProvider.openSockets());
        } finally {
            for (int fd : canaries) {
                linux_h.close(fd);
            }
        }
        Leaks.now().assertNothingLeakedSince(before);
    }

    /**
     * Hammers the current pair with send, receive, ioctl and getsockopt; worker 0 also closes the
     * client, worker 1 sends and receives overlapped (with an event) and waits for each completion.
     */
    private record Worker(KernelPort kernel, MemorySegment table, Arena arena, AtomicLongArray current, AtomicLong calls,
                          ConcurrentLinkedQueue<String> wrong, Set<Long> closedByRacer, int index, boolean[] done)
            implements Runnable {

        @Override
        public void run() {
            MemorySegment data = Buffers.wsabuf(arena, Buffers.pattern(arena, 256, 7));
            MemorySegment bytes = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment flags = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment err = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment on = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
            MemorySegment ov = OVERLAPPED.allocate(arena);
            long event = kernel.createEvent(true, false);
            boolean closer = index == 0;
            boolean overlapped = index == 1;
            try {
                hammer(data, bytes, flags, err, value, length, on, ov, event, closer, overlapped);
            } finally {
                kernel.closeHandle(event);
            }
        }

        private void hammer(MemorySegment data, MemorySegment bytes, MemorySegment flags, MemorySegment err, MemorySegment value,
                            MemorySegment length, MemorySegment on, MemorySegment ov, long event, boolean closer, boolean overlapped) {
            for (int i = 0; ; i++) {
                synchronized (done) {
                    if (done[0]) {
                        return;
                    }
                }
                long client = current.get(0);
                long server = current.get(1);
                if (client == 0) {
                    Thread.onSpinWait();
                    continue;
                }
                int rc;
                String what;
                if (overlapped && i % 4 < 2) {
                    overlappedCall(i % 4 == 0, i % 4 == 0 ? client : server, data, bytes, flags, err, ov, event);
                    calls.incrementAndGet();
                    continue;
                }
                switch (i % 4) {
                    case 0 -> {
                        what = "send";
                        rc = LPWSPSEND.invoke(WSPPROC_TABLE.lpWSPSend(table), client, data, 1, bytes, 0, MemorySegment.NULL,
                                MemorySegment.NULL, MemorySegment.NULL, err);
                    }
                    case 1 -> {
                        what = "recv";
                        flags.set(ValueLayout.JAVA_INT, 0, 0);
                        rc = LPWSPRECV.invoke(WSPPROC_TABLE.lpWSPRecv(table), server, data, 1, bytes, flags, MemorySegment.NULL,
                                MemorySegment.NULL, MemorySegment.NULL, err);
                    }
                    case 2 -> {
                        what = "ioctl";
                        rc = LPWSPIOCTL.invoke(WSPPROC_TABLE.lpWSPIoctl(table), i % 8 == 2 ? client : server, FIONBIO(), on, 4,
                                MemorySegment.NULL, 0, bytes, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, err);
                    }
                    default -> {
                        if (closer && i % 64 == 3) {
                            what = "close";
                            rc = LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(table), client, err);
                            if (rc == 0) {
                                closedByRacer.add(client);
                            }
                        } else {
                            what = "getsockopt";
                            length.set(ValueLayout.JAVA_INT, 0, 4);
                            rc = LPWSPGETSOCKOPT.invoke(WSPPROC_TABLE.lpWSPGetSockOpt(table), server, SOL_SOCKET(), SO_SNDBUF(),
                                    value, length, err);
                        }
                    }
                }
                calls.incrementAndGet();
                if (rc != 0) {
                    int code = err.get(ValueLayout.JAVA_INT, 0);
                    if (rc != SOCKET_ERROR() || !RACING_CODES.contains(code)) {
                        wrong.add(what + " -> " + rc + "/" + code);
                    }
                }
            }
        }

        /** One overlapped send or receive, then its completion: signalled once, by its event, with a documented status. */
        private void overlappedCall(boolean send, long s, MemorySegment data, MemorySegment bytes, MemorySegment flags,
                                    MemorySegment err, MemorySegment ov, long event) {
            ov.fill((byte) 0);
            OVERLAPPED.hEvent(ov, MemorySegment.ofAddress(event));
            kernel.resetEvent(event);
            flags.set(ValueLayout.JAVA_INT, 0, 0);
            int rc = send
                    ? LPWSPSEND.invoke(WSPPROC_TABLE.lpWSPSend(table), s, data, 1, bytes, 0, ov, MemorySegment.NULL, MemorySegment.NULL, err)
                    : LPWSPRECV.invoke(WSPPROC_TABLE.lpWSPRecv(table), s, data, 1, bytes, flags, ov, MemorySegment.NULL,
                            MemorySegment.NULL, err);
            int code = err.get(ValueLayout.JAVA_INT, 0);
            // rc 0: it completed at once, and its event is set all the same (as on Windows)
            if (rc != 0 && code != WSA_IO_PENDING()) {
                if (rc != SOCKET_ERROR() || !RACING_CODES.contains(code)) {
                    wrong.add("overlapped " + (send ? "send" : "recv") + " -> " + rc + "/" + code);
                }
                return;
            }
            if (kernel.waitForSingleObject(event, 10_000, false) != KernelPort.WAIT_OBJECT_0) {
                wrong.add("overlapped " + (send ? "send" : "recv") + " never completed");
                return;
            }
            int status = (int) OVERLAPPED.Internal(ov);
            if (status != 0 && status != WSA_OPERATION_ABORTED() && !RACING_CODES.contains(status)) {
                wrong.add("overlapped " + (send ? "send" : "recv") + " completed with " + status);
            }
        }
    }
}
