package org.jwsp.provider;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

import org.jwsp.provider.WspSendFuzzTest.Sock;

/**
 * One generated WSPSend argument set and its oracle: the codes the seed's table allows for
 * exactly the conditions this case has ({@link #allowedAtCall}, {@link #allowedAtCompletion}).
 * Where a case has several faults jwsp may name any of them (the seed orders none). Writes the
 * good WSABUF array it uses; the other good pointers are the run's.
 */
final class FuzzSendCase {

    private static final int UNKNOWN_FLAG = 0x8000;

    final Sock socket;
    long lpBuffers;
    int count;
    long lpSent;
    int flags;
    long lpOverlapped;
    long routine;
    long lpThreadId;
    long lpErrno;
    long total;
    boolean synchronous;
    boolean errnoBad;
    boolean sentBad;
    boolean overlappedBad;
    /** The faults jwsp must refuse this case for, as codes. */
    private final Set<Integer> faults = new TreeSet<>();
    private final StringBuilder what = new StringBuilder();

    private FuzzSendCase(Sock socket) {
        this.socket = socket;
    }

    static FuzzSendCase make(SplittableRandom r, Sock socket, MemorySegment data, MemorySegment array, MemorySegment sent,
                             MemorySegment errno, MemorySegment ov, MemorySegment threadId, MemorySegment routine, long event) {
        FuzzSendCase c = new FuzzSendCase(socket);
        c.what.append(socket);
        boolean overlappedSocket = socket != Sock.BLOCKING;

        FuzzPointers errnoKind = FuzzPointers.pick(r, 0.97, true);
        c.lpErrno = errnoKind.make(r, errno.address(), 4);
        c.errnoBad = errnoKind.bad(4);
        c.note("errno", errnoKind);

        c.flags = switch (r.nextInt(20)) {
            case 0 -> MSG_PARTIAL();
            case 1 -> UNKNOWN_FLAG;
            case 2 -> MSG_OOB() | MSG_PARTIAL();
            case 3 -> MSG_OOB() | UNKNOWN_FLAG;
            case 4, 5 -> MSG_DONTROUTE();
            default -> 0;
        };
        if ((c.flags & UNKNOWN_FLAG) != 0) {
            c.faults.add(WSAEINVAL());
        }
        if ((c.flags & MSG_PARTIAL()) != 0) {
            c.faults.add(WSAEOPNOTSUPP());
        }
        c.what.append(" flags=").append(Integer.toHexString(c.flags));
        if (socket == Sock.SHUT) {
            c.faults.add(WSAESHUTDOWN());
        }

        FuzzPointers ovKind = r.nextInt(10) < 3 ? FuzzPointers.NULL : FuzzPointers.pick(r, 0.8, false);
        c.lpOverlapped = ovKind.make(r, ov.address(), 8);
        c.routine = switch (r.nextInt(10)) {
            case 0 -> FuzzPointers.pick(r, 0, false).make(r, routine.address(), 1);
            case 1, 2, 3 -> routine.address();
            default -> 0;
        };
        boolean routineBad = c.routine != 0 && c.routine != routine.address();
        FuzzPointers tidKind = FuzzPointers.pick(r, 0.75, true);
        c.lpThreadId = tidKind.make(r, threadId.address(), 8);
        FuzzPointers sentKind = FuzzPointers.pick(r, 0.8, true);
        c.lpSent = sentKind.make(r, sent.address(), 4);
        c.note("ov", ovKind).note("routine", c.routine == 0 ? "none" : routineBad ? "bad" : "good")
                .note("tid", tidKind).note("sent", sentKind);

        c.synchronous = !overlappedSocket || c.lpOverlapped == 0 && c.routine == 0;
        if (c.synchronous) {
            c.sentBad = sentKind.bad(4);
            if (c.sentBad) {
                c.faults.add(WSAEFAULT());
            }
        } else {
            c.overlappedBad = ovKind.bad(8);
            c.sentBad = sentKind != FuzzPointers.NULL && sentKind.bad(4);
            if (c.overlappedBad || c.sentBad || c.routine != 0 && (routineBad || tidKind.bad(8))) {
                c.faults.add(WSAEFAULT());
            }
        }

        int p = r.nextInt(100);
        c.count = p < 5 ? 0 : p < 85 ? 1 + r.nextInt(4) : p < 92 ? 5 + r.nextInt(300) : p < 96 ? 1025 + r.nextInt(ARRAY_SLACK)
                : -1 - r.nextInt(3);
        if (c.count < 0 || c.count > 1024) {
            c.faults.add(WSAENOBUFS());
        }
        FuzzPointers bufsKind = FuzzPointers.pick(r, 0.85, true);
        c.lpBuffers = bufsKind.make(r, array.address(), 8);
        c.note("bufs", bufsKind).what.append(" count=").append(c.count);
        if (c.count > 0 && bufsKind.bad(8)) {
            c.faults.add(WSAEFAULT());
        }
        int filled = Math.max(0, Math.min(c.count, (int) (array.byteSize() / 16)));
        int maxLen = filled > 8 ? 4 : 32;
        for (int i = 0; i < filled; i++) {
            int len = r.nextInt(maxLen + 1);
            array.set(ValueLayout.JAVA_INT, i * 16L, len);
            array.set(ValueLayout.JAVA_LONG, i * 16L + 8, data.address() + r.nextInt((int) data.byteSize() - maxLen));
            c.total += len;
        }
        if (filled > 0 && r.nextInt(10) == 0) {
            int i = r.nextInt(filled);
            long oldLen = array.get(ValueLayout.JAVA_INT, i * 16L);
            FuzzPointers bufKind = FuzzPointers.pick(r, 0, true);
            if (!bufKind.bad(1)) {
                bufKind = FuzzPointers.KERNEL; // a byte buffer has no alignment to miss
            }
            array.set(ValueLayout.JAVA_LONG, i * 16L + 8, bufKind.make(r, data.address(), 1));
            c.total -= oldLen;
            if (r.nextInt(4) == 0) {
                // A length of 2 GiB or more: a valid ULONG, so the bad buf alone is the fault.
                array.set(ValueLayout.JAVA_INT, i * 16L, 0x8000_0000 | r.nextInt(1 << 20));
                c.faults.add(WSAEFAULT());
            } else {
                int len = 1 + r.nextInt(32);
                array.set(ValueLayout.JAVA_INT, i * 16L, len);
                c.faults.add(WSAEFAULT());
            }
            c.what.append(" buf[").append(i).append("]=").append(bufKind);
        }
        return c;
    }

    /** Entries the run's good array has beyond 1024 (counts 1025.. still read good memory). */
    private static final int ARRAY_SLACK = 60;

    private FuzzSendCase note(String name, Object kind) {
        what.append(' ').append(name).append('=').append(kind);
        return this;
    }

    /** The codes WSPSend may answer at the call (0 for success). */
    Set<Integer> allowedAtCall() {
        if (socket == Sock.CLOSED || socket == Sock.FOREIGN) {
            return Set.of(WSAENOTSOCK());
        }
        if (!faults.isEmpty()) {
            return faults;
        }
        if (socket == Sock.UNCONNECTED) {
            return synchronous ? Set.of(WSAENOTCONN()) : Set.of(WSAENOTCONN(), WSA_IO_PENDING());
        }
        if (synchronous) {
            return socket == Sock.NONBLOCKING ? Set.of(0, WSAEWOULDBLOCK()) : Set.of(0);
        }
        return Set.of(0, WSA_IO_PENDING());
    }

    /** The statuses an accepted overlapped send may complete with. */
    Set<Integer> allowedAtCompletion() {
        return socket == Sock.UNCONNECTED ? Set.of(WSAENOTCONN()) : Set.of(0);
    }

    String describe() {
        return what + " faults=" + faults + " total=" + total;
    }
}
