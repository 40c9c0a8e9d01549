package org.jwsp.testkit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.windows.*;

/**
 * TEST-ONLY FAKE of the lower (base) provider (the real one, the host's base provider over Linux
 * sockets, is exercised by {@code HostIntegrationTest}). It stays for the conditions
 * the Linux host cannot produce (WSAENETDOWN, WSAEACCES on broadcast, WSAEINPROGRESS,
 * WSAENETRESET from keep-alive, a send that stays pending until the test says so): tests that
 * use it for that say "FakedLowerAnswer" in their names.
 *
 * <p>Its WSPPROC_TABLE holds upcall stubs, found by jwsp through
 * {@code procAddress("fake-lower.dll", "WSPStartup")}. Each lower socket is one end of a real
 * AF_UNIX socketpair (stream or datagram); the test reads what jwsp sent from the other end
 * ({@link #peerFd}). Overlapped operations complete as Windows' base provider does: at once
 * (return 0 AND a packet on the associated port) or later (WSA_IO_PENDING, then a packet),
 * according to the socket's {@link Answer}. The lower OVERLAPPED's Internal/InternalHigh carry
 * the result for WSPGetOverlappedResult. The immediate path allocates nothing; the socketpair
 * transfers are {@link FakeTransfers}.
 */
public final class FakeLowerProvider {

    public static final String PATH = "fake-lower.dll";
    public static final int MAX_MSG_SIZE = 1024;

    /**
     * How the lower provider answers an overlapped send on a socket ({@code FAIL_NOW} also a
     * synchronous one). {@code FAIL_NOW} with a fail code of 0 misbehaves: SOCKET_ERROR without
     * writing lpErrno.
     */
    public enum Answer { IMMEDIATE, PENDING, FAIL_NOW, FAIL_AT_COMPLETION }

    /** One lower socket. Guarded by itself. */
    public static final class LowerSocket {
        public final int fd;
        public final int peerFd;
        final int type;
        volatile Answer answer = Answer.IMMEDIATE;
        volatile int failCode;
        volatile boolean nonBlocking;
        final ArrayDeque<MemorySegment[]> pending = new ArrayDeque<>();
        /** Overlapped receives held (answer PENDING); they end only by close or SIO_FLUSH. */
        final ArrayDeque<MemorySegment> pendingReceives = new ArrayDeque<>();
        public final AtomicInteger sendCalls = new AtomicInteger();
        public volatile int lastBufferCount;
        public volatile int lastFlags;
        /** The OVERLAPPED address of the last overlapped send (0 for a synchronous one). */
        public volatile long lastOverlapped;
        /** Sends are taken whole and counted, their data never read ({@link FakeLowerProvider#countWithoutReading}). */
        volatile boolean countOnly;
        /**
         * While {@link #countOnly}: each send this lower socket was given, in call order, as its
         * WSABUFs {@code {len0 (unsigned), buf0, len1, buf1, ...}}.
         */
        public final java.util.List<long[]> countedSends = new java.util.concurrent.CopyOnWriteArrayList<>();
        /**
         * While {@link #countOnly}: how many sends it takes before it answers a synchronous send
         * WSAEWOULDBLOCK, as a full nonblocking socket does (a send that reaches it in parts).
         */
        public volatile int countOnlyTakes = Integer.MAX_VALUE;
        final Arena arena = Arena.ofShared();

        /** Records a send of {@code count} WSABUFs at {@code wsabufs} (count-only mode) and returns its total. */
        long count(long wsabufs, int count) {
            long[] entries = new long[2 * count];
            long total = 0;
            for (int i = 0; i < count; i++) {
                entries[2 * i] = RawStubs.ALL.get(ValueLayout.JAVA_INT_UNALIGNED, wsabufs + i * 16L) & 0xFFFFFFFFL;
                entries[2 * i + 1] = RawStubs.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, wsabufs + i * 16L + 8);
                total += entries[2 * i];
            }
            countedSends.add(entries);
            return total;
        }

        LowerSocket(int fd, int peerFd, int type) {
            this.fd = fd;
            this.peerFd = peerFd;
            this.type = type;
        }
    }


    private final Arena arena = Arena.ofShared();
    private final TestKernelPort kernel;
    private final MemorySegment procTable;
    private final AtomicReferenceArray<LowerSocket> sockets = new AtomicReferenceArray<>(1 << 16);
    public final AtomicInteger startups = new AtomicInteger();
    public final AtomicInteger cleanups = new AtomicInteger();
    /** Sends jwsp made to the lower provider, on every socket. */
    public final AtomicInteger lowerSends = new AtomicInteger();

    public FakeLowerProvider(TestKernelPort kernel) {
        this.kernel = kernel;
        procTable = arena.allocate(WSPPROC_TABLE.layout());
        FakeLowerTable.fill(this, procTable, arena);
        kernel.export(PATH, "WSPStartup", LPWSPSTARTUP.allocate(this::startup, arena));
    }

    /** The lower socket behind a lower handle (the test's view). */
    public LowerSocket socket(long lowerHandle) {
        return sockets.get((int) lowerHandle);
    }

    /** Every lower socket open now. */
    public int openSockets() {
        int n = 0;
        for (int i = 0; i < sockets.length(); i++) {
            n += sockets.get(i) != null ? 1 : 0;
        }
        return n;
    }

    /** The only open lower socket (most tests open one). */
    public LowerSocket onlySocket() {
        LowerSocket found = null;
        for (int i = 0; i < sockets.length(); i++) {
            LowerSocket s = sockets.get(i);
            if (s != null) {
                if (found != null) {
                    throw new IllegalStateException("more than one lower socket");
                }
                found = s;
            }
        }
        return found;
    }

    /**
     * From now on the lower socket takes every send whole without reading its data and only
     * counts it (recording its WSABUFs in {@link LowerSocket#countedSends}), still answering as
     * its {@link Answer} says: so a test can send buffers of gigabytes that exist only as
     * addresses (jwsp never touches data). Nothing reaches the peer.
     */
    public void countWithoutReading(LowerSocket s) {
        s.countOnly = true;
    }

    public void answer(LowerSocket s, Answer answer, int failCode) {
        s.answer = answer;
        s.failCode = failCode;
    }

    /**
     * Completes the overlapped sends the lower socket holds at this moment, in order (sends the
     * data, or fails with failCode). Sends jwsp issues meanwhile (from its completion worker) wait
     * for the next call.
     */
    public int completePending(LowerSocket s) {
        int n = 0;
        int limit = pendingCount(s);
        while (n < limit) {
            MemorySegment[] op;
            synchronized (s) {
                op = s.pending.poll();
            }
            if (op == null) {
                return n;
            }
            MemorySegment ov = op[0];
            int count = (int) op[1].byteSize() / 16;
            if (s.answer == Answer.FAIL_AT_COMPLETION) {
                finish(s, ov, s.failCode, 0);
            } else if (s.countOnly) {
                long sent = 0;
                for (int i = 0; i < count; i++) {
                    sent += op[1].get(ValueLayout.JAVA_INT, i * 16L) & 0xFFFFFFFFL;
                }
                finish(s, ov, 0, (int) sent);
            } else {
                long sent = FakeTransfers.send(s.fd, op[1], count, linux_h.MSG_NOSIGNAL());
                finish(s, ov, sent < 0 ? ws2spi_h.WSAECONNRESET() : 0, (int) Math.max(0, sent));
            }
            n++;
        }
        return n;
    }

    /**
     * Completes the oldest held send having sent only its first {@code maxBytes} bytes: a short
     * completion without an error, which a lower provider may give.
     *
     * @return the bytes it sent, or -1 when no send is held
     */
    public long completeOldestPartially(LowerSocket s, long maxBytes) {
        MemorySegment[] op;
        synchronized (s) {
            op = s.pending.poll();
        }
        if (op == null) {
            return -1;
        }
        int count = (int) op[1].byteSize() / 16;
        MemorySegment part = s.arena.allocate(op[1].byteSize(), 8);
        int n = 0;
        long left = maxBytes;
        for (int i = 0; i < count && left > 0; i++, n++) {
            int take = (int) Math.min(op[1].get(ValueLayout.JAVA_INT, i * 16L), left);
            part.set(ValueLayout.JAVA_INT, n * 16L, take);
            part.set(ValueLayout.JAVA_LONG, n * 16L + 8, op[1].get(ValueLayout.JAVA_LONG, i * 16L + 8));
            left -= take;
        }
        long sent = FakeTransfers.send(s.fd, part, n, linux_h.MSG_NOSIGNAL());
        finish(s, op[0], sent < 0 ? ws2spi_h.WSAECONNRESET() : 0, (int) Math.max(0, sent));
        return sent;
    }

    /**
     * Misbehaves: posts one more completion packet for the overlapped operation whose OVERLAPPED
     * is at {@code overlapped} (one this lower already completed), as a buggy provider might.
     */
    public void completeAgain(LowerSocket s, long overlapped, int error, int bytes) {
        finish(s, MemorySegment.ofAddress(overlapped).reinterpret(OVERLAPPED.layout().byteSize()), error, bytes);
    }

    /** Waits (bounded) until the lower socket holds at least {@code n} overlapped sends. */
    public boolean awaitPending(LowerSocket s, int n, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (s) {
            while (s.pending.size() < n) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                s.wait(left);
            }
            return true;
        }
    }

    public int pendingCount(LowerSocket s) {
        synchronized (s) {
            return s.pending.size();
        }
    }

    private void finish(LowerSocket s, MemorySegment ov, int error, int bytes) {
        OVERLAPPED.Internal(ov, error);
        OVERLAPPED.InternalHigh(ov, bytes);
        kernel.completeOnAssociatedPort(s.fd, bytes, ov);
    }

    /** Aborts held operations (close, SIO_FLUSH): WSA_OPERATION_ABORTED on the port. */
    void abortPending(LowerSocket s) {
        while (true) {
            MemorySegment ov;
            synchronized (s) {
                ov = s.pendingReceives.poll();
            }
            if (ov == null) {
                break;
            }
            finish(s, ov, ws2spi_h.WSA_OPERATION_ABORTED(), 0);
        }
        while (true) {
            MemorySegment[] op;
            synchronized (s) {
                op = s.pending.poll();
            }
            if (op == null) {
                return;
            }
            finish(s, op[0], ws2spi_h.WSA_OPERATION_ABORTED(), 0);
        }
    }

    // ---- entries (called by FakeLowerTable's stubs) ----------------------------------------

    private int startup(short version, MemorySegment data, MemorySegment info, MemorySegment upcalls, MemorySegment table) {
        startups.incrementAndGet();
        table.reinterpret(WSPPROC_TABLE.layout().byteSize()).copyFrom(procTable);
        WSPData.wVersion(data.reinterpret(WSPData.layout().byteSize()), (short) 0x0202);
        return 0;
    }

    int cleanup(MemorySegment errno) {
        cleanups.incrementAndGet();
        return 0;
    }

    /** The key a duplicate of lower socket {@code s} carries in dwProviderReserved. */
    public static int duplicateKey(long s) {
        return 0x5000 + (int) s;
    }

    /** WSPDuplicateSocket: an entry of this provider whose dwProviderReserved names the socket. */
    int duplicateSocket(long s, int processId, MemorySegment info, MemorySegment errno) {
        if (sockets.get((int) s) == null) {
            return fail(errno, ws2spi_h.WSAENOTSOCK());
        }
        if (info.address() == 0) {
            return fail(errno, ws2spi_h.WSAEFAULT());
        }
        MemorySegment i = info.reinterpret(WSAPROTOCOL_INFOW.sizeof());
        i.fill((byte) 0);
        WSAPROTOCOL_INFOW.dwCatalogEntryId(i, 1);
        WSAPROTOCOL_INFOW.dwServiceFlags1(i, ws2spi_h.XP1_IFS_HANDLES());
        WSAPROTOCOL_INFOW.dwProviderReserved(i, duplicateKey(s));
        return 0;
    }

    long socket(int af, int type, int protocol, MemorySegment info, int g, int flags, MemorySegment errno) {
        lastSocketReserved = info.address() == 0 ? 0
                : WSAPROTOCOL_INFOW.dwProviderReserved(info.reinterpret(WSAPROTOCOL_INFOW.sizeof()));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            int linuxType = (type == ws2spi_h.SOCK_DGRAM() ? linux_h.SOCK_DGRAM() : linux_h.SOCK_STREAM()) | linux_h.SOCK_CLOEXEC();
            if (linux_h.socketpair(linux_h.AF_UNIX(), linuxType, 0, fds) != 0) {
                set(errno, ws2spi_h.WSAEMFILE());
                return ws2spi_h.INVALID_SOCKET();
            }
            int fd = fds.get(ValueLayout.JAVA_INT, 0);
            sockets.set(fd, new LowerSocket(fd, fds.get(ValueLayout.JAVA_INT, 4), type));
            return fd;
        }
    }

    /** Misbehaves: WSPCloseSocket drops the overlapped sends it holds without ever completing them. */
    public volatile boolean neverCompleteOnClose;
    /** When nonzero, the next WSPCloseSocket fails with this code and leaves the socket open. */
    public volatile int failNextClose;
    /** dwProviderReserved of the WSAPROTOCOL_INFOW the last WSPSocket received (0 for none). */
    public volatile int lastSocketReserved;

    int closeSocket(long s, MemorySegment errno) {
        LowerSocket ls = sockets.get((int) s);
        if (ls == null) {
            return fail(errno, ws2spi_h.WSAENOTSOCK());
        }
        int failure = failNextClose;
        if (failure != 0) {
            failNextClose = 0;
            return fail(errno, failure);
        }
        if (neverCompleteOnClose) {
            synchronized (ls) {
                ls.pending.clear();
            }
        }
        abortPending(ls);
        sockets.set((int) s, null);
        kernel.dissociate(s);
        linux_h.close(ls.fd);
        linux_h.close(ls.peerFd);
        ls.arena.close();
        return 0;
    }

    int send(long s, MemorySegment bufs, int count, MemorySegment sent, int flags, MemorySegment ov, MemorySegment routine,
             MemorySegment tid, MemorySegment errno) {
        LowerSocket ls = sockets.get((int) s);
        if (ls == null) {
            return fail(errno, ws2spi_h.WSAENOTSOCK());
        }
        lowerSends.incrementAndGet();
        ls.sendCalls.incrementAndGet();
        ls.lastBufferCount = count;
        ls.lastFlags = flags;
        ls.lastOverlapped = ov.address();
        int linuxFlags = linux_h.MSG_NOSIGNAL() | ((flags & ws2spi_h.MSG_DONTROUTE()) != 0 ? linux_h.MSG_DONTROUTE() : 0);
        if (ov.address() == 0) {
            if (ls.answer == Answer.FAIL_NOW) {
                return ls.failCode == 0 ? ws2spi_h.SOCKET_ERROR() : fail(errno, ls.failCode);
            }
            long n = FakeTransfers.send(ls.fd, bufs, count, linuxFlags | (ls.nonBlocking ? linux_h.MSG_DONTWAIT() : 0));
            if (n < 0) {
                return fail(errno, -n == linux_h.EAGAIN() ? ws2spi_h.WSAEWOULDBLOCK() : ws2spi_h.WSAECONNRESET());
            }
            sent.reinterpret(4).set(ValueLayout.JAVA_INT, 0, (int) n);
            return 0;
        }
        MemorySegment lowerOv = ov.reinterpret(OVERLAPPED.layout().byteSize());
        switch (ls.answer) {
            case FAIL_NOW:
                return ls.failCode == 0 ? ws2spi_h.SOCKET_ERROR() : fail(errno, ls.failCode);
            case IMMEDIATE: {
                long n = FakeTransfers.send(ls.fd, bufs, count, linuxFlags);
                if (n < 0) {
                    return fail(errno, ws2spi_h.WSAECONNRESET());
                }
                if (sent.address() != 0) {
                    sent.reinterpret(4).set(ValueLayout.JAVA_INT, 0, (int) n);
                }
                finish(ls, lowerOv, 0, (int) n);
                return 0;
            }
            default: {
                // A lower provider must capture the WSABUF array of an operation it holds.
                MemorySegment copy = ls.arena.allocate(count * 16L, 8);
                copy.copyFrom(bufs.reinterpret(count * 16L));
                if (ls.countOnly) {
                    ls.count(copy.address(), count);
                }
                synchronized (ls) {
                    ls.pending.add(new MemorySegment[] {lowerOv, copy});
                    ls.notifyAll();
                }
                return fail(errno, ws2spi_h.WSA_IO_PENDING());
            }
        }
    }

    /** The lower WSPSend as jwsp calls it (addresses); the immediate and synchronous paths allocate nothing. */
    int sendRaw(long s, long bufs, int count, long sent, int flags, long ov, long routine, long tid, long errno) {
        LowerSocket ls = s >= 0 && s < sockets.length() ? sockets.get((int) s) : null;
        if (ls != null && (ov == 0 || ls.answer == Answer.IMMEDIATE)) {
            lowerSends.incrementAndGet();
            ls.sendCalls.incrementAndGet();
            ls.lastBufferCount = count;
            ls.lastFlags = flags;
            ls.lastOverlapped = ov;
            int linuxFlags = linux_h.MSG_NOSIGNAL() | ((flags & ws2spi_h.MSG_DONTROUTE()) != 0 ? linux_h.MSG_DONTROUTE() : 0)
                    | (ov == 0 && ls.nonBlocking ? linux_h.MSG_DONTWAIT() : 0);
            if (ov == 0 && ls.answer == Answer.FAIL_NOW) {
                return ls.failCode == 0 ? ws2spi_h.SOCKET_ERROR() : failRaw(errno, ls.failCode);
            }
            if (ls.countOnly && ov == 0 && ls.countedSends.size() >= ls.countOnlyTakes) {
                return failRaw(errno, ws2spi_h.WSAEWOULDBLOCK());
            }
            long n = ls.countOnly ? ls.count(bufs, count)
                    : ov == 0 && !ls.nonBlocking && ls.type == ws2spi_h.SOCK_STREAM()
                    ? FakeTransfers.sendAllRaw(ls.fd, bufs, count, linuxFlags)
                    : FakeTransfers.sendRaw(ls.fd, bufs, count, linuxFlags, 0);
            if (n < 0) {
                return failRaw(errno, ov == 0 && -n == linux_h.EAGAIN() ? ws2spi_h.WSAEWOULDBLOCK() : ws2spi_h.WSAECONNRESET());
            }
            if (sent != 0) {
                RawStubs.ALL.set(ValueLayout.JAVA_INT_UNALIGNED, sent, (int) n);
            }
            if (ov != 0) {
                RawStubs.ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, ov + OVERLAPPED.Internal$offset(), 0L);
                RawStubs.ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, ov + OVERLAPPED.InternalHigh$offset(), n);
                kernel.completeOnAssociatedPort(ls.fd, (int) n, ov);
            }
            return 0;
        }
        return send(s, MemorySegment.ofAddress(bufs), count, MemorySegment.ofAddress(sent), flags, MemorySegment.ofAddress(ov),
                MemorySegment.ofAddress(routine), MemorySegment.ofAddress(tid), MemorySegment.ofAddress(errno));
    }

    int getOverlappedResultRaw(long s, long ov, long bytes, int wait, long flags, long errno) {
        RawStubs.ALL.set(ValueLayout.JAVA_INT_UNALIGNED, bytes, (int) RawStubs.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, ov + OVERLAPPED.InternalHigh$offset()));
        RawStubs.ALL.set(ValueLayout.JAVA_INT_UNALIGNED, flags, 0);
        int error = (int) RawStubs.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, ov + OVERLAPPED.Internal$offset());
        if (error != 0) {
            failRaw(errno, error);
            return 0;
        }
        return 1;
    }

    private static int failRaw(long errno, int code) {
        RawStubs.ALL.set(ValueLayout.JAVA_INT_UNALIGNED, errno, code);
        return ws2spi_h.SOCKET_ERROR();
    }

    int getOverlappedResult(long s, MemorySegment ov, MemorySegment bytes, int wait, MemorySegment flags, MemorySegment errno) {
        MemorySegment o = ov.reinterpret(OVERLAPPED.layout().byteSize());
        bytes.reinterpret(4).set(ValueLayout.JAVA_INT, 0, (int) OVERLAPPED.InternalHigh(o));
        flags.reinterpret(4).set(ValueLayout.JAVA_INT, 0, 0);
        int error = (int) OVERLAPPED.Internal(o);
        if (error != 0) {
            set(errno, error);
            return 0;
        }
        return 1;
    }

    int recv(long s, MemorySegment bufs, int count, MemorySegment recvd, MemorySegment flags, MemorySegment ov,
             MemorySegment routine, MemorySegment tid, MemorySegment errno) {
        LowerSocket ls = sockets.get((int) s);
        if (ls == null) {
            return fail(errno, ws2spi_h.WSAENOTSOCK());
        }
        if (ov.address() != 0 && ls.answer == Answer.PENDING) {
            synchronized (ls) {
                ls.pendingReceives.add(ov.reinterpret(OVERLAPPED.layout().byteSize()));
            }
            return fail(errno, ws2spi_h.WSA_IO_PENDING());
        }
        long n = FakeTransfers.receive(ls.fd, bufs, count, 0);
        if (n < 0) {
            return fail(errno, ws2spi_h.WSAECONNRESET());
        }
        recvd.reinterpret(4).set(ValueLayout.JAVA_INT, 0, (int) n);
        if (ov.address() != 0) {
            finish(ls, ov.reinterpret(OVERLAPPED.layout().byteSize()), 0, (int) n);
        }
        return 0;
    }

    int shutdown(long s, int how, MemorySegment errno) {
        LowerSocket ls = sockets.get((int) s);
        if (ls == null) {
            return fail(errno, ws2spi_h.WSAENOTSOCK());
        }
        linux_h.shutdown(ls.fd, how == ws2spi_h.SD_RECEIVE() ? 0 : how == ws2spi_h.SD_SEND() ? linux_h.SHUT_WR() : 2);
        return 0;
    }

    int ioctl(long s, int code, MemorySegment in, int cbIn, MemorySegment out, int cbOut, MemorySegment returned,
              MemorySegment ov, MemorySegment routine, MemorySegment tid, MemorySegment errno) {
        LowerSocket ls = sockets.get((int) s);
        if (ls == null) {
            return fail(errno, ws2spi_h.WSAENOTSOCK());
        }
        if (code == ws2spi_h.SIO_FLUSH()) {
            abortPending(ls);
            return 0;
        }
        if (code == ws2spi_h.FIONBIO()) {
            ls.nonBlocking = in.reinterpret(4).get(ValueLayout.JAVA_INT, 0) != 0;
            return 0;
        }
        return fail(errno, ws2spi_h.WSAEOPNOTSUPP());
    }

    int getSockOpt(long s, int level, int name, MemorySegment value, MemorySegment len, MemorySegment errno) {
        LowerSocket ls = sockets.get((int) s);
        if (ls == null) {
            return fail(errno, ws2spi_h.WSAENOTSOCK());
        }
        if (level == ws2spi_h.SOL_SOCKET() && name == ws2spi_h.SO_MAX_MSG_SIZE() && ls.type == ws2spi_h.SOCK_DGRAM()) {
            value.reinterpret(4).set(ValueLayout.JAVA_INT, 0, MAX_MSG_SIZE);
            len.reinterpret(4).set(ValueLayout.JAVA_INT, 0, 4);
            return 0;
        }
        return fail(errno, ws2spi_h.WSAENOPROTOOPT());
    }

    int connect(long s, MemorySegment name, int nameLen, MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment d,
                MemorySegment errno) {
        return sockets.get((int) s) == null ? fail(errno, ws2spi_h.WSAENOTSOCK()) : 0;
    }

    /**
     * WSPSelect over lower handles: keeps the read-set sockets with data waiting (MSG_PEEK), and
     * every write-set socket; refuses a handle that is not a lower socket (WSAENOTSOCK).
     */
    int select(int nfds, MemorySegment read, MemorySegment write, MemorySegment except, MemorySegment timeout, MemorySegment errno) {
        int ready = 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(1);
            for (MemorySegment set : new MemorySegment[] {read, write}) {
                if (set.address() == 0) {
                    continue;
                }
                int n = set.reinterpret(4).get(ValueLayout.JAVA_INT, 0);
                MemorySegment fs = set.reinterpret(8 + 8L * Math.max(n, 64)); // any FD_SETSIZE
                int kept = 0;
                for (int i = 0; i < n; i++) {
                    long h = fs.get(ValueLayout.JAVA_LONG, 8 + 8L * i);
                    LowerSocket ls = h >= 0 && h < sockets.length() ? sockets.get((int) h) : null;
                    if (ls == null) {
                        return fail(errno, ws2spi_h.WSAENOTSOCK());
                    }
                    boolean ok = set == write || linux_h.recv(ls.fd, one, 1, linux_h.MSG_PEEK() | linux_h.MSG_DONTWAIT()) > 0;
                    if (ok) {
                        fs.set(ValueLayout.JAVA_LONG, 8 + 8L * kept++, h);
                    }
                }
                fs.set(ValueLayout.JAVA_INT, 0, kept);
                ready += kept;
            }
        }
        if (except.address() != 0) {
            fd_set.fd_count(except.reinterpret(fd_set.layout().byteSize()), 0);
        }
        return ready;
    }

    /** Entries this fake does not implement. */
    int unsupported(MemorySegment errno) {
        return fail(errno, ws2spi_h.WSAEOPNOTSUPP());
    }

    static int fail(MemorySegment errno, int code) {
        set(errno, code);
        return ws2spi_h.SOCKET_ERROR();
    }

    static void set(MemorySegment errno, int code) {
        errno.reinterpret(4).set(ValueLayout.JAVA_INT, 0, code);
    }

    public void close() {
        arena.close();
    }
}
