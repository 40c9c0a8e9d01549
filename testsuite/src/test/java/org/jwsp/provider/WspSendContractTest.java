package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.provider.SendFixture.PENDING;
import static org.jwsp.provider.SendFixture.SOCKET_ERROR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelPort;
import org.jwsp.testkit.FakeLowerProvider.Answer;
import org.jwsp.testkit.PeerReader;
import org.junit.jupiter.api.Test;

/**
 * WSPSend, one test per sentence of seed/LPWSPSEND.txt, called through jwsp's lpWSPSend native
 * pointer. Runs over the test harness (fake lower provider on real AF_UNIX socketpairs), whose
 * "pending" answers hold a lower send until the test completes it; HostContractTest checks the
 * same sentences that the real Linux host can show.
 */
class WspSendContractTest {

    private static final int WAIT = 5_000;

    @Test
    void transientWsabufArrayIsCapturedBeforeReturn_callerMayPoisonItAtOnce() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            MemorySegment array = f.bufs(f.data("hello "), f.data("world"));
            MemorySegment ov = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, array, 2, 0, ov));
            assertEquals(PENDING, f.errno());
            array.fill((byte) 0xA5); // the application reuses its stack array at once
            f.c.lower.answer(f.lowerOf(), Answer.IMMEDIATE, 0); // nothing else pending at the lower
            assertEquals(1, f.c.lower.completePending(f.lowerOf()));
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
            assertEquals("hello world", new String(PeerReader.readExactly(f.lowerOf().peerFd, 11), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void dataBuffersAreNeverCopied_theLowerProviderGetsTheCallersOwnBuffers() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            MemorySegment data = f.data("zero-copy");
            MemorySegment array = f.bufs(data);
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            MemorySegment ov = f.overlapped(true);
            f.send(s, array, 1, 0, ov);
            // The data buffer is only ever pointed at: rewrite it before the lower provider sends it,
            // and the new bytes go out (a copy would have kept the old ones).
            data.copyFrom(MemorySegment.ofArray("ZERO-COPY".getBytes(StandardCharsets.US_ASCII)));
            f.c.lower.completePending(f.lowerOf());
            assertEquals("ZERO-COPY", new String(PeerReader.readExactly(f.lowerOf().peerFd, 9), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void overlappedCompletesImmediately_returnsZero_setsBytesSent_andTheEventIsStillSet() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            MemorySegment ov = f.overlapped(true);
            assertEquals(0, f.send(s, f.bufs(f.data("abc")), 1, 0, ov));
            assertEquals(3, f.sent());
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
            assertArrayEquals(new int[] {0, 3}, SendFixture.result(ov));
            assertEquals(1, f.c.ws2.completions.get());
        }
    }

    @Test
    void overlappedCompletesImmediately_withRoutine_theRoutineIsAlreadyQueuedWhenZeroIsReturned() {
        try (SendFixture f = new SendFixture(); Arena a = Arena.ofConfined()) {
            long s = f.stream(true);
            MemorySegment ov = f.overlapped(false);
            assertEquals(0, f.sendWithRoutine(s, f.bufs(f.data("abcd")), 1, ov, f.c.openCurrentThread(a)));
            assertEquals(4, f.sent());
            assertEquals(1, f.c.ws2.apcsQueued.get(), "queued before WSPSend returned");
            assertEquals(KernelPort.WAIT_IO_COMPLETION, f.c.kernel.sleep(WAIT, true));
            assertEquals(1, f.routineCalls.size());
            SendFixture.RoutineCall call = f.routineCalls.get(0);
            assertEquals(new SendFixture.RoutineCall(0, 4, ov.address(), 0, Thread.currentThread().threadId()), call);
        }
    }

    @Test
    void overlappedCompletesImmediately_onTheCallersOwnPort_aPacketIsQueued() {
        try (SendFixture f = new SendFixture(); Arena a = Arena.ofConfined()) {
            long s = f.stream(true);
            long port = f.c.kernel.createCompletionPort(1);
            f.c.ws2.bindClientPort(s, port, 77);
            MemorySegment ov = f.overlapped(false);
            assertEquals(0, f.send(s, f.bufs(f.data("xy")), 1, 0, ov));
            MemorySegment entry = a.allocate(org.jwsp.bindings.windows.OVERLAPPED_ENTRY.layout());
            assertEquals(1, f.c.kernel.dequeue(port, entry, WAIT, false));
            assertEquals(77, org.jwsp.bindings.windows.OVERLAPPED_ENTRY.lpCompletionKey(entry));
            assertEquals(ov.address(), org.jwsp.bindings.windows.OVERLAPPED_ENTRY.lpOverlapped(entry).address());
            assertEquals(2, org.jwsp.bindings.windows.OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(entry));
            f.c.kernel.closeHandle(port);
        }
    }

    @Test
    void overlappedCompletesLater_socketErrorWithIoPending_bytesSentUntouched_resultThroughGetOverlappedResult() {
        try (SendFixture f = new SendFixture(); Arena a = Arena.ofConfined()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            f.sent.set(ValueLayout.JAVA_INT, 0, 0x5EED);
            MemorySegment ov = f.overlapped(true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("later")), 1, 0, ov));
            assertEquals(PENDING, f.errno());
            assertEquals(0x5EED, f.sent(), "lpNumberOfBytesSent is not updated");
            MemorySegment transfer = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment flags = a.allocate(ValueLayout.JAVA_INT);
            assertEquals(0, f.c.getOverlappedResult(s, ov, transfer, false, flags));
            assertEquals(ws2spi_h.WSA_IO_INCOMPLETE(), f.c.errno());
            f.c.lower.answer(f.lowerOf(), Answer.IMMEDIATE, 0);
            f.c.lower.completePending(f.lowerOf());
            assertEquals(1, f.c.getOverlappedResult(s, ov, transfer, true, flags), "fWait: waits on hEvent");
            assertEquals(5, transfer.get(ValueLayout.JAVA_INT, 0));
            assertEquals(0, flags.get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void theOverlappedHandedDownIsJwspsOwn_notTheCallers() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            MemorySegment ov = f.overlapped(true);
            f.send(s, f.bufs(f.data("q")), 1, 0, ov);
            assertEquals(0L, OVERLAPPED.InternalHigh(ov));
            assertEquals(CompletionDelivery.IN_PROGRESS, OVERLAPPED.Internal(ov), "the caller's OVERLAPPED says in progress");
            long handedDown = f.lowerOf().lastOverlapped;
            assertNotEquals(0L, handedDown);
            assertNotEquals(ov.address(), handedDown, "the lower provider got a request's own OVERLAPPED");
            assertEquals(1, LayeredProvider.outstandingRequests());
            f.c.lower.completePending(f.lowerOf());
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ov), WAIT, false));
            assertNotEquals(CompletionDelivery.IN_PROGRESS, OVERLAPPED.Internal(ov));
            assertArrayEquals(new int[] {0, 1}, SendFixture.result(ov));
        }
    }

    @Test
    void completionRoutineGiven_hEventIsIgnoredAndLeftToTheClient() {
        try (SendFixture f = new SendFixture(); Arena a = Arena.ofConfined()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            MemorySegment ov = f.overlapped(true);
            long event = f.event(ov);
            assertEquals(SOCKET_ERROR, f.sendWithRoutine(s, f.bufs(f.data("ctx")), 1, ov, f.c.openCurrentThread(a)));
            assertEquals(PENDING, f.errno());
            f.c.lower.answer(f.lowerOf(), Answer.IMMEDIATE, 0);
            f.c.lower.completePending(f.lowerOf());
            assertEquals(KernelPort.WAIT_IO_COMPLETION, f.c.kernel.sleep(WAIT, true));
            assertEquals(1, f.routineCalls.size());
            assertEquals(3, f.routineCalls.get(0).bytes());
            assertEquals(event, f.event(ov), "hEvent untouched");
            assertEquals(KernelPort.WAIT_TIMEOUT, f.c.kernel.waitForSingleObject(event, 0, false), "hEvent not signalled");
            assertEquals(0, f.c.ws2.completions.get(), "no WPUCompleteOverlappedRequest for a routine");
        }
    }

    @Test
    void theWsaThreadIdIsCopied_notThePointer() {
        try (SendFixture f = new SendFixture(); Arena a = Arena.ofConfined()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            MemorySegment threadId = f.c.openCurrentThread(a);
            MemorySegment ov = f.overlapped(false);
            f.sendWithRoutine(s, f.bufs(f.data("tid")), 1, ov, threadId);
            MemorySegment saved = a.allocate(threadId.byteSize()).copyFrom(threadId);
            threadId.fill((byte) 0); // the caller's WSATHREADID is gone
            f.c.lower.completePending(f.lowerOf());
            assertEquals(KernelPort.WAIT_IO_COMPLETION, f.c.kernel.sleep(WAIT, true), "the APC reached this thread");
            assertNotEquals(threadId.address(), f.c.ws2.lastApcThreadIdPointer);
            assertEquals(1, f.routineCalls.size());
            assertEquals(Thread.currentThread().threadId(), f.routineCalls.get(0).thread());
            assertNotEquals(0, saved.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    @Test
    void nonOverlappedSocket_ignoresOverlappedRoutineAndThreadId_synchronousSemantics() {
        try (SendFixture f = new SendFixture(); Arena a = Arena.ofConfined()) {
            long s = f.stream(false);
            MemorySegment ov = f.overlapped(true);
            assertEquals(0, f.c.send(s, f.bufs(f.data("sync")), 1, f.sent, 0, ov, f.routine, f.c.openCurrentThread(a), f.errno));
            assertEquals(4, f.sent());
            assertEquals("sync", new String(PeerReader.readExactly(f.lowerOf().peerFd, 4), StandardCharsets.US_ASCII));
            assertEquals(0, f.c.ws2.completions.get());
            assertEquals(0, f.c.ws2.apcsQueued.get());
            assertEquals(0L, OVERLAPPED.Internal(ov), "the ignored OVERLAPPED is not touched");
            assertEquals(0, f.c.kernel.sleep(0, true), "no APC");
        }
    }

    @Test
    void overlappedSocketWithNullOverlappedAndRoutine_isTreatedAsNonOverlapped() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            assertEquals(0, f.send(s, f.bufs(f.data("plain")), 1, 0, MemorySegment.NULL));
            assertEquals(5, f.sent());
            assertEquals(0, f.c.ws2.completions.get());
        }
    }

    @Test
    void blockingSocket_waitsUntilAllOfTheBuffersIsConsumed() throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(false);
            int size = 4 << 20; // far beyond the socket buffer
            MemorySegment big = f.arena.allocate(size);
            for (int i = 0; i < size; i++) {
                big.set(ValueLayout.JAVA_BYTE, i, (byte) i);
            }
            int peer = f.lowerOf().peerFd;
            var reader = java.util.concurrent.CompletableFuture.supplyAsync(() -> PeerReader.readExactly(peer, size), r -> Thread.ofPlatform().daemon().start(r));
            assertEquals(0, f.send(s, f.bufs(big), 1, 0, MemorySegment.NULL));
            assertEquals(size, f.sent());
            byte[] got = reader.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertArrayEquals(big.toArray(ValueLayout.JAVA_BYTE), got);
        }
    }

    @Test
    void nonblockingStreamSocket_sendsPartiallyOrAnswersWouldBlock() {
        try (SendFixture f = new SendFixture(); Arena a = Arena.ofConfined()) {
            long s = f.stream(false);
            MemorySegment on = a.allocateFrom(ValueLayout.JAVA_INT, 1);
            assertEquals(0, f.c.ioctl(s, ws2spi_h.FIONBIO(), on, 4, a.allocate(ValueLayout.JAVA_INT)));
            MemorySegment chunk = f.arena.allocate(1 << 20);
            MemorySegment array = f.bufs(chunk);
            long total = 0;
            boolean partial = false;
            int rc;
            while ((rc = f.send(s, array, 1, 0, MemorySegment.NULL)) == 0) {
                assertTrue(f.sent() > 0 && f.sent() <= chunk.byteSize());
                partial |= f.sent() < chunk.byteSize();
                total += f.sent();
                assertTrue(total < (1L << 30), "a nonblocking send never blocked nor refused");
            }
            assertEquals(SOCKET_ERROR, rc);
            assertEquals(ws2spi_h.WSAEWOULDBLOCK(), f.errno());
            assertTrue(partial || total == 0 || total % chunk.byteSize() == 0);
            assertEquals(total, PeerReader.readAvailable(f.lowerOf().peerFd).length, "what was reported sent arrived");
        }
    }

    @Test
    void messageOriented_overSoMaxMsgSize_WSAEMSGSIZE_andNothingIsTransmitted() {
        try (SendFixture f = new SendFixture()) {
            long s = f.c.socket(ws2spi_h.SOCK_DGRAM(), true);
            int max = org.jwsp.testkit.FakeLowerProvider.MAX_MSG_SIZE;
            MemorySegment tooBig = f.arena.allocate(max + 1);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(tooBig), 1, 0, f.overlapped(true)));
            assertEquals(ws2spi_h.WSAEMSGSIZE(), f.errno());
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(tooBig), 1, 0, MemorySegment.NULL));
            assertEquals(ws2spi_h.WSAEMSGSIZE(), f.errno());
            assertEquals(0, f.lowerOf().sendCalls.get());
            assertEquals(0, PeerReader.readAvailable(f.lowerOf().peerFd).length);
            assertEquals(0, f.send(s, f.bufs(f.arena.allocate(max)), 1, 0, MemorySegment.NULL), "exactly the maximum passes");
        }
    }

    @Test
    void msgOobOnANonStreamSocket_WSAEOPNOTSUPP() {
        try (SendFixture f = new SendFixture()) {
            long s = f.c.socket(ws2spi_h.SOCK_DGRAM(), true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("o")), 1, ws2spi_h.MSG_OOB(), f.overlapped(true)));
            assertEquals(ws2spi_h.WSAEOPNOTSUPP(), f.errno());
            assertEquals(0, f.lowerOf().sendCalls.get());
        }
    }

    @Test
    void msgPartialWherePartialMessagesAreNotSupported_WSAEOPNOTSUPP() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data("p")), 1, ws2spi_h.MSG_PARTIAL(), f.overlapped(true)));
            assertEquals(ws2spi_h.WSAEOPNOTSUPP(), f.errno());
            assertEquals(0, f.lowerOf().sendCalls.get());
        }
    }

    @Test
    void msgDontrouteIsPassedDown() {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            assertEquals(0, f.send(s, f.bufs(f.data("d")), 1, ws2spi_h.MSG_DONTROUTE(), f.overlapped(true)));
            assertEquals(ws2spi_h.MSG_DONTROUTE(), f.lowerOf().lastFlags);
            assertEquals(0, f.send(s, f.bufs(f.data("d")), 1, ws2spi_h.MSG_DONTROUTE(), MemorySegment.NULL));
            assertEquals(ws2spi_h.MSG_DONTROUTE(), f.lowerOf().lastFlags);
        }
    }

    @Test
    void mergedSendsAreSplitBackByByteCount_eachCallerGetsItsOwnCount() throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            MemorySegment[] ovs = new MemorySegment[4];
            String[] parts = {"a", "bb", "ccc", "dddd"};
            for (int i = 0; i < 4; i++) {
                ovs[i] = f.overlapped(true);
                assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data(parts[i])), 1, 0, ovs[i]));
                assertEquals(PENDING, f.errno());
            }
            assertEquals(1, f.lowerOf().sendCalls.get(), "one lower send in flight, three queued in jwsp");
            f.c.lower.completePending(f.lowerOf()); // completes "a"; jwsp merges the three others
            assertTrue(f.c.lower.awaitPending(f.lowerOf(), 1, WAIT), "jwsp's completion worker issued the next send");
            assertEquals(2, f.lowerOf().sendCalls.get(), "the three queued sends went down as one gathered send");
            assertEquals(3, f.lowerOf().lastBufferCount);
            f.c.lower.answer(f.lowerOf(), Answer.IMMEDIATE, 0);
            f.c.lower.completePending(f.lowerOf());
            for (int i = 0; i < 4; i++) {
                assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ovs[i]), WAIT, false));
                assertArrayEquals(new int[] {0, parts[i].length()}, SendFixture.result(ovs[i]));
            }
            assertEquals("abbcccdddd", new String(PeerReader.readExactly(f.lowerOf().peerFd, 10), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aMergedSendTheLowerConsumedOnlyInPart_theRestGoesNextAndNothingIsLost() throws Exception {
        try (SendFixture f = new SendFixture()) {
            long s = f.stream(true);
            f.c.lower.answer(f.lowerOf(), Answer.PENDING, 0);
            String[] parts = {"0", "12", "345", "6789"};
            MemorySegment[] ovs = new MemorySegment[parts.length];
            for (int i = 0; i < parts.length; i++) {
                ovs[i] = f.overlapped(true);
                assertEquals(SOCKET_ERROR, f.send(s, f.bufs(f.data(parts[i])), 1, 0, ovs[i]));
            }
            f.c.lower.completePending(f.lowerOf()); // "0"; jwsp merges "12" "345" "6789"
            assertTrue(f.c.lower.awaitPending(f.lowerOf(), 1, WAIT));
            assertEquals(3, f.lowerOf().lastBufferCount);
            assertEquals(3, f.c.lower.completeOldestPartially(f.lowerOf(), 3)); // "12" and the "3" of "345"
            assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ovs[1]), WAIT, false));
            assertArrayEquals(new int[] {0, 2}, SendFixture.result(ovs[1]));
            assertTrue(f.c.lower.awaitPending(f.lowerOf(), 1, WAIT), "the rest went down next");
            assertEquals(2, f.lowerOf().lastBufferCount, "\"45\" and \"6789\"");
            assertEquals(KernelPort.WAIT_TIMEOUT, f.c.kernel.waitForSingleObject(f.event(ovs[2]), 0, false), "\"345\" is not done");
            f.c.lower.answer(f.lowerOf(), Answer.IMMEDIATE, 0);
            f.c.lower.completePending(f.lowerOf());
            for (int i = 0; i < parts.length; i++) {
                assertEquals(KernelPort.WAIT_OBJECT_0, f.c.kernel.waitForSingleObject(f.event(ovs[i]), WAIT, false));
                assertArrayEquals(new int[] {0, parts[i].length()}, SendFixture.result(ovs[i]), "send " + i);
            }
            assertEquals("0123456789", new String(PeerReader.readExactly(f.lowerOf().peerFd, 10), StandardCharsets.US_ASCII));
            assertEquals(parts.length, f.c.ws2.completions.get(), "one completion per send");
        }
    }
}
