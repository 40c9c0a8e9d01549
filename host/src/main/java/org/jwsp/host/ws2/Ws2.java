package org.jwsp.host.ws2;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jwsp.bindings.windows.*;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.catalog.CatalogEntry;
import org.jwsp.host.kernel.CountedArena;
import org.jwsp.host.upcall.SocketHandle;
import org.jwsp.host.upcall.Ws2Exports;
import org.jwsp.host.upcall.Ws2UpcallTable;
import org.jwsp.kernel.KernelPort;

/**
 * The client side of ws2_32: what a Windows program calls ({@code WSAStartup}, {@code WSASocketW},
 * {@code bind}, {@code listen}, {@code accept}, {@code connect}, {@code WSASend}, {@code WSASendTo},
 * {@code WSARecv}, {@code WSARecvFrom}, {@code WSAGetOverlappedResult}, {@code WSAIoctl}, {@code setsockopt},
 * {@code getsockopt}, {@code getsockname}, {@code getpeername}, {@code shutdown}, {@code closesocket},
 * {@code WSACreateEvent}/{@code WSASetEvent}/{@code WSAResetEvent}/{@code WSACloseEvent},
 * {@code WSAWaitForMultipleEvents} on one event, {@code SleepEx}, {@code WSAGetLastError},
 * {@code WSACleanup}). Every socket call goes to the chosen provider's {@code WSPPROC_TABLE} entry,
 * read from native memory and invoked as a downcall; nothing calls a provider's Java code directly.
 *
 * <p>{@link #socket} picks the first visible catalog entry matching (af, type, protocol), starts its
 * provider once ({@code WSPStartup} through {@code procAddress(module, "WSPStartup")}, with the host's
 * upcall table by value), and remembers which provider each returned {@code SOCKET} belongs to
 * (as ws2_32 does): on the host socket handle itself ({@code SocketHandle.clientRecord}), or in a
 * map for a handle that is not one. Calls with a completion routine pass the calling thread's
 * {@code WSATHREADID}, opened once per thread through the upcall table's {@code WPUOpenCurrentThread}
 * and closed ({@code WPUCloseThread}) once the thread has ended, when the next new thread calls.
 *
 * <p>Thread-safe: any thread may call. Failure returns {@code SOCKET_ERROR}/{@code INVALID_SOCKET}/
 * {@code false} with the code in {@link #lastError()} (per thread); after {@link #close()} every call
 * fails with {@code WSANOTINITIALISED}. Owns a {@link CountedArena} for proc tables and
 * {@code WSPDATA}s, freed by {@link #close()} ({@code WSACleanup}: each started provider's
 * {@code WSPCleanup}); the per-thread {@code lpErrno} words and {@code WSATHREADID}s are each
 * thread's own (automatic arenas), so a thread still inside a call when another cleans up holds
 * no memory that cleanup frees.
 */
public final class Ws2 implements AutoCloseable {

    private final Catalog catalog;
    private final KernelPort kernel = KernelPort.system();
    private final CountedArena arena = new CountedArena();
    private final Map<Integer, LoadedProvider> started = new ConcurrentHashMap<>();
    private final List<LoadedProvider> startOrder = new CopyOnWriteArrayList<>();
    private final Map<Long, LoadedProvider> sockets = new ConcurrentHashMap<>();
    /** The WSATHREADIDs opened for threads that called (those of ended threads closed as new ones come). */
    private final ThreadIdTable threadIds = new ThreadIdTable(kernel);
    private final ThreadLocal<MemorySegment> errno = ThreadLocal.withInitial(this::newErrno);
    private final ThreadLocal<MemorySegment> threadId = ThreadLocal.withInitial(() -> threadIds.open(errno.get()));
    private volatile boolean closed;

    private Ws2(Catalog catalog) {
        this.catalog = catalog;
    }

    /** {@code WSAStartup(MAKEWORD(2, 2))} over {@code catalog}. */
    public static Ws2 startup(Catalog catalog) {
        return new Ws2(catalog);
    }

    /** A thread's {@code lpErrno} word: the thread's own memory (an automatic arena), not this Ws2's. */
    private MemorySegment newErrno() {
        return Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
    }

    /** How many WSATHREADIDs this ws2 holds open (for tests). */
    public int openThreadIds() {
        return threadIds.count();
    }

    /** {@code WSAGetLastError}. */
    public int lastError() {
        return Ws2Exports.lastError();
    }

    /** {@code WSASetLastError}. */
    public void setLastError(int code) {
        Ws2Exports.setLastError(code);
    }

    private int failed(int result) {
        if (result == SOCKET_ERROR()) {
            Ws2Exports.setLastError(errno.get().get(ValueLayout.JAVA_INT, 0));
        }
        return result;
    }

    private long failedSocket(long s) {
        if (s == INVALID_SOCKET()) {
            Ws2Exports.setLastError(errno.get().get(ValueLayout.JAVA_INT, 0));
        }
        return s;
    }

    private int error(int code) {
        Ws2Exports.setLastError(closed ? WSANOTINITIALISED() : code);
        return SOCKET_ERROR();
    }

    // ---- providers --------------------------------------------------------------------------

    /** The catalog entry {@link #socket} would choose, or null. */
    public CatalogEntry choose(int af, int type, int protocol) {
        for (CatalogEntry e : catalog.entries()) {
            if (!e.hidden() && e.addressFamily() == af && e.socketType() == type
                    && (protocol == 0 || e.protocol() == protocol)) {
                return e;
            }
        }
        return null;
    }

    /** Starts (once) the provider of {@code entry}: its {@code WSPStartup} through its native pointer. */
    public LoadedProvider load(CatalogEntry entry) {
        LoadedProvider p = started.get(entry.catalogEntryId());
        if (p != null) {
            return p;
        }
        synchronized (this) {
            p = started.get(entry.catalogEntryId());
            if (p != null) {
                return p;
            }
            CatalogEntry top = entry.chainLength() > 1 ? catalog.entry(entry.chainEntry(0)) : entry;
            MemorySegment startup = kernel.procAddress(top == null ? entry.modulePath() : top.modulePath(), "WSPStartup");
            if (startup.address() == 0) {
                Ws2Exports.setLastError(WSAEPROVIDERFAILEDINIT());
                return null;
            }
            MemorySegment procTable = WSPPROC_TABLE.allocate(arena);
            MemorySegment data = WSPData.allocate(arena);
            int rc = LPWSPSTARTUP.invoke(startup, (short) 0x0202, data, entry.protocolInfo(), Ws2UpcallTable.table(), procTable);
            if (rc != 0) {
                Ws2Exports.setLastError(rc);
                return null;
            }
            p = new LoadedProvider(entry, procTable);
            started.put(entry.catalogEntryId(), p);
            startOrder.add(p);
            return p;
        }
    }

    /** The provider a socket belongs to, or null. */
    public LoadedProvider provider(long s) {
        return providerOf(s);
    }

    /** What ws2_32 records per socket: this program's provider for it. */
    private record Owner(Ws2 ws2, LoadedProvider provider) {
    }

    /**
     * <em>Hot.</em> The provider this program reaches {@code s} through: the record on the host
     * socket handle (an array index), or, for a handle that is not a host socket handle, the map.
     */
    private LoadedProvider providerOf(long s) {
        if (closed) {
            return null;
        }
        SocketHandle h = Ws2UpcallTable.socket(s);
        if (h != null && h.clientRecord() instanceof Owner o && o.ws2 == this) {
            return o.provider;
        }
        return sockets.get(s);
    }

    private void remember(long s, LoadedProvider p) {
        SocketHandle h = Ws2UpcallTable.socket(s);
        if (h != null) {
            h.clientRecord(new Owner(this, p));
        } else {
            sockets.put(s, p);
        }
    }

    private void forget(long s) {
        SocketHandle h = Ws2UpcallTable.socket(s);
        if (h != null && h.clientRecord() instanceof Owner o && o.ws2 == this) {
            h.clientRecord(null);
        }
        sockets.remove(s);
    }

    // ---- sockets ----------------------------------------------------------------------------

    /** {@code WSASocketW(af, type, protocol, NULL, 0, flags)}. */
    public long socket(int af, int type, int protocol, int flags) {
        if (closed) {
            Ws2Exports.setLastError(WSANOTINITIALISED());
            return INVALID_SOCKET();
        }
        CatalogEntry e = choose(af, type, protocol);
        if (e == null) {
            Ws2Exports.setLastError(WSAESOCKTNOSUPPORT());
            return INVALID_SOCKET();
        }
        LoadedProvider p = load(e);
        if (p == null) {
            return INVALID_SOCKET();
        }
        long s = LPWSPSOCKET.invoke(p.socket, af, type, protocol, e.protocolInfo(), 0, flags,
                errno.get());
        if (s != INVALID_SOCKET()) {
            remember(s, p);
        }
        return failedSocket(s);
    }

    public int bind(long s, MemorySegment name, int namelen) {
        LoadedProvider p = providerOf(s);
        return p == null ? error(WSAENOTSOCK())
                : failed(LPWSPBIND.invoke(p.bind, s, name, namelen, errno.get()));
    }

    public int listen(long s, int backlog) {
        LoadedProvider p = providerOf(s);
        return p == null ? error(WSAENOTSOCK())
                : failed(LPWSPLISTEN.invoke(p.listen, s, backlog, errno.get()));
    }

    /** {@code WSAAccept(s, addr, addrlen, NULL, 0)}. */
    public long accept(long s, MemorySegment addr, MemorySegment addrlen) {
        LoadedProvider p = providerOf(s);
        if (p == null) {
            error(WSAENOTSOCK());
            return INVALID_SOCKET();
        }
        long a = LPWSPACCEPT.invoke(p.accept, s, addr, addrlen, MemorySegment.NULL, 0L,
                errno.get());
        if (a != INVALID_SOCKET()) {
            remember(a, p);
        }
        return failedSocket(a);
    }

    public int connect(long s, MemorySegment name, int namelen) {
        LoadedProvider p = providerOf(s);
        return p == null ? error(WSAENOTSOCK()) : failed(LPWSPCONNECT.invoke(p.connect, s,
                name, namelen, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, errno.get()));
    }

    /** {@code WSASend}. */
    public int send(long s, MemorySegment buffers, int count, MemorySegment bytesSent, int flags, MemorySegment overlapped,
                    MemorySegment completionRoutine) {
        LoadedProvider p = providerOf(s);
        return p == null ? error(WSAENOTSOCK()) : failed(LPWSPSEND.invoke(p.send, s, buffers,
                count, bytesSent, flags, overlapped, completionRoutine, threadId.get(), errno.get()));
    }

    /** {@code WSASendTo}. */
    public int sendTo(long s, MemorySegment buffers, int count, MemorySegment bytesSent, int flags, MemorySegment to,
                      int toLength, MemorySegment overlapped, MemorySegment completionRoutine) {
        LoadedProvider p = providerOf(s);
        return p == null ? error(WSAENOTSOCK()) : failed(LPWSPSENDTO.invoke(p.sendTo, s,
                buffers, count, bytesSent, flags, to, toLength, overlapped, completionRoutine, threadId.get(), errno.get()));
    }

    /** {@code WSARecv}; {@code flags} is the in/out {@code LPDWORD lpFlags}. */
    public int recv(long s, MemorySegment buffers, int count, MemorySegment bytesReceived, MemorySegment flags,
                    MemorySegment overlapped, MemorySegment completionRoutine) {
        LoadedProvider p = providerOf(s);
        return p == null ? error(WSAENOTSOCK()) : failed(LPWSPRECV.invoke(p.recv, s, buffers,
                count, bytesReceived, flags, overlapped, completionRoutine, threadId.get(), errno.get()));
    }

    /** {@code WSARecvFrom}; {@code from}/{@code fromLength} receive the sender's address (datagrams). */
    public int recvFrom(long s, MemorySegment buffers, int count, MemorySegment bytesReceived, MemorySegment flags,
                        MemorySegment from, MemorySegment fromLength, MemorySegment overlapped, MemorySegment completionRoutine) {
        LoadedProvider p = providerOf(s);
        return p == null ? error(WSAENOTSOCK()) : failed(LPWSPRECVFROM.invoke(p.recvFrom, s, buffers, count, bytesReceived, flags,
                from, fromLength, overlapped, completionRoutine, threadId.get(), errno.get()));
    }

    /** {@code WSAGetOverlappedResult}. */
    public boolean getOverlappedResult(long s, MemorySegment overlapped, MemorySegment bytes, boolean wait, MemorySegment flags) {
        LoadedProvider p = providerOf(s);
        if (p == null) {
            error(WSAENOTSOCK());
            return false;
        }
        int ok = LPWSPGETOVERLAPPEDRESULT.invoke(p.getOverlappedResult, s, overlapped, bytes,
                wait ? TRUE() : FALSE(), flags, errno.get());
        if (ok == FALSE()) {
            Ws2Exports.setLastError(errno.get().get(ValueLayout.JAVA_INT, 0));
        }
        return ok != FALSE();
    }

    /** {@code WSAIoctl}. */
    public int ioctl(long s, int code, MemorySegment in, int inLength, MemorySegment out, int outLength, MemorySegment returned,
                     MemorySegment overlapped, MemorySegment completionRoutine) {
        LoadedProvider p = providerOf(s);
        return p == null ? error(WSAENOTSOCK()) : failed(LPWSPIOCTL.invoke(p.ioctl, s, code, in,
                inLength, out, outLength, returned, overlapped, completionRoutine, threadId.get(), errno.get()));
    }

    /**
     * {@code WSAPoll}, as ws2_32 does it through the providers: each handle is replaced by the one
     * its provider names for {@code SIO_BSP_HANDLE_POLL} (a layered provider keeps its own), and
     * one {@code SIO_EXT_POLL} with a {@code WSAPOLLDATA} goes to the provider of the first; the
     * {@code revents} come back into the caller's array. The count of ready entries, or
     * {@code SOCKET_ERROR}.
     */
    public int poll(MemorySegment fdArray, int nfds, int timeoutMillis) {
        if (nfds <= 0 || fdArray.address() == 0) {
            return error(WSAEINVAL());
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment fds = fdArray.reinterpret(nfds * WSAPOLLFD.sizeof());
            long size = WSAPOLLDATA.fdArray$offset() + nfds * WSAPOLLFD.sizeof();
            MemorySegment data = call.allocate(size, 8);
            WSAPOLLDATA.fds(data, nfds);
            WSAPOLLDATA.timeout(data, timeoutMillis);
            MemorySegment handle = call.allocate(ValueLayout.JAVA_LONG);
            MemorySegment returned = call.allocate(ValueLayout.JAVA_INT);
            for (int i = 0; i < nfds; i++) {
                MemorySegment from = fds.asSlice(i * WSAPOLLFD.sizeof(), WSAPOLLFD.sizeof());
                MemorySegment to = data.asSlice(WSAPOLLDATA.fdArray$offset() + i * WSAPOLLFD.sizeof(), WSAPOLLFD.sizeof());
                to.copyFrom(from);
                WSAPOLLFD.revents(to, (short) 0);
                if (ioctl(WSAPOLLFD.fd(from), SIO_BSP_HANDLE_POLL(), MemorySegment.NULL, 0, handle, 8, returned,
                        MemorySegment.NULL, MemorySegment.NULL) == 0) {
                    WSAPOLLFD.fd(to, handle.get(ValueLayout.JAVA_LONG, 0));
                }
            }
            long first = WSAPOLLFD.fd(data.asSlice(WSAPOLLDATA.fdArray$offset()));
            if (ioctl(first, SIO_EXT_POLL(), data, (int) size, data, (int) size, returned, MemorySegment.NULL, MemorySegment.NULL) != 0) {
                return SOCKET_ERROR();
            }
            for (int i = 0; i < nfds; i++) {
                WSAPOLLFD.revents(WSAPOLLFD.asSlice(fds, i),
                        WSAPOLLFD.revents(data.asSlice(WSAPOLLDATA.fdArray$offset() + i * WSAPOLLFD.sizeof(), WSAPOLLFD.sizeof())));
            }
            return WSAPOLLDATA.result(data);
        }
    }

    public int setsockopt(long s, int level, int name, MemorySegment value, int length) {
        LoadedProvider p = providerOf(s);
        return p == null ? error(WSAENOTSOCK()) : failed(LPWSPSETSOCKOPT.invoke(p.setSockOpt, s,
                level, name, value, length, errno.get()));
    }

    public int getsockopt(long s, int level, int name, MemorySegment value, MemorySegment length) {
        LoadedProvider p = providerOf(s);
        return p == null ? error(WSAENOTSOCK()) : failed(LPWSPGETSOCKOPT.invoke(p.getSockOpt, s,
                level, name, value, length, errno.get()));
    }

    public int getsockname(long s, MemorySegment name, MemorySegment namelen) {
        LoadedProvider p = providerOf(s);
        return p == null ? error(WSAENOTSOCK()) : failed(LPWSPGETSOCKNAME.invoke(p.getSockName,
                s, name, namelen, errno.get()));
    }

    public int getpeername(long s, MemorySegment name, MemorySegment namelen) {
        LoadedProvider p = providerOf(s);
        return p == null ? error(WSAENOTSOCK()) : failed(LPWSPGETPEERNAME.invoke(p.getPeerName,
                s, name, namelen, errno.get()));
    }

    public int shutdown(long s, int how) {
        LoadedProvider p = providerOf(s);
        return p == null ? error(WSAENOTSOCK())
                : failed(LPWSPSHUTDOWN.invoke(p.shutdown, s, how, errno.get()));
    }

    public int closesocket(long s) {
        LoadedProvider p = providerOf(s);
        if (p == null) {
            return error(WSAENOTSOCK());
        }
        int r = failed(LPWSPCLOSESOCKET.invoke(p.closeSocket, s, errno.get()));
        if (r == 0) {
            forget(s);
        }
        return r;
    }

    // ---- events and waits (kernel32 / ws2_32 wrappers) ----------------------------------------

    /** {@code WSACreateEvent}: manual reset, not signalled. */
    public long createEvent() {
        return kernel.createEvent(true, false);
    }

    public boolean setEvent(long event) {
        return kernel.setEvent(event);
    }

    public boolean resetEvent(long event) {
        return kernel.resetEvent(event);
    }

    public boolean closeEvent(long event) {
        return kernel.closeHandle(event);
    }

    /** {@code WSAWaitForMultipleEvents(1, &event, TRUE, timeout, alertable)}: 0, {@code WSA_WAIT_TIMEOUT} or {@code WSA_WAIT_IO_COMPLETION}. */
    public int waitForEvent(long event, int timeoutMillis, boolean alertable) {
        return kernel.waitForSingleObject(event, timeoutMillis, alertable);
    }

    /** {@code SleepEx}: 0, or {@code WAIT_IO_COMPLETION} when completion routines ran. */
    public int sleepEx(int timeoutMillis, boolean alertable) {
        return kernel.sleep(timeoutMillis, alertable);
    }

    /** The kernel port the program's completion ports and events come from. */
    public KernelPort kernel() {
        return kernel;
    }

    /** {@code WSACleanup}: {@code WSPCleanup} of every provider started, thread handles closed, memory freed. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        MemorySegment e = errno.get();
        for (LoadedProvider p : startOrder) {
            LPWSPCLEANUP.invoke(p.cleanup, e);
        }
        threadIds.closeAll(e);
        sockets.clear();
        started.clear();
        arena.close();
    }
}
