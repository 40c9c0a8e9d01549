package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.linux.iovec;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.msghdr;
import org.jwsp.bindings.linux.pollfd;
import org.jwsp.bindings.windows.LPWPUPOSTMESSAGE;
import org.jwsp.bindings.windows.WSPUPCALLTABLE;
import org.jwsp.host.kernel.Libc;
import org.jwsp.host.upcall.UpcallFaults;
import org.jwsp.host.upcall.WsaErrors;

/**
 * {@code WSPAsyncSelect} of the base provider: the network events ({@code FD_READ},
 * {@code FD_WRITE}, {@code FD_ACCEPT}, {@code FD_CONNECT}, {@code FD_CLOSE}) posted to the
 * program's window through {@code WPUPostMessage} with {@code wParam} = the socket and
 * {@code lParam} = {@code WSAMAKESELECTREPLY(event, error)}, with Windows' re-enabling rules: each
 * event is posted once, then again only after its re-enabling call ({@code FD_READ}: a receive;
 * {@code FD_WRITE}: a send that answered {@code WSAEWOULDBLOCK}; {@code FD_ACCEPT}: an accept;
 * {@code FD_CONNECT}: a connect); what already holds when the program asks is posted at once; a
 * socket accepted from a listener with a selection inherits it; {@code FD_CLOSE} once, after the
 * data was read ({@code WSAECONNRESET} for a reset).
 *
 * <p>One monitor thread per started provider ("jwsp-host-network-events", started at the first
 * selection, ended by {@link #close}) polls the selected sockets' fds and a wake eventfd; the
 * re-enabling calls arm their bit and wake it. While it polls it holds a reference to each socket
 * ({@link BaseSocket#acquire}), so a socket closed meanwhile keeps its fd until the round ends (its
 * shutdown ends the poll). A socket none of whose armed events can be posted is parked until an
 * event is re-enabled, so the loop never spins. Registrations are guarded by this object's monitor;
 * the fds and eventfd are owned here (closed by {@link #close}).
 */
final class NetworkEvents {

    private static final Logger LOG = LogManager.getLogger(NetworkEvents.class);

    /** One socket's selection; guarded by the enclosing {@link NetworkEvents}. */
    private static final class Selection {
        final long window;
        final int message;
        final int events;
        int armed;
        boolean connectWatch;
        boolean closed;
        boolean parked;

        Selection(long window, int message, int events) {
            this.window = window;
            this.message = message;
            this.events = events;
            this.armed = events & ~FD_CONNECT();
        }
    }

    private final BaseProvider provider;
    private final Map<BaseSocket, Selection> selections = new LinkedHashMap<>();
    private Thread monitor;
    private int wakeFd = -1;
    private boolean closing;
    /** Sockets with a selection: the transfer path looks at this before anything else. */
    private volatile int selected;
    private final MemorySegment one = Arena.ofAuto().allocateFrom(ValueLayout.JAVA_LONG, 1);

    NetworkEvents(BaseProvider provider) {
        this.provider = provider;
    }

    /**
     * {@code WSPAsyncSelect(s, hWnd, wMsg, lEvent)}: not a socket {@code WSAENOTSOCK}; events and a
     * window that is not one (or unknown event bits) {@code WSAEINVAL}; otherwise the socket becomes
     * nonblocking and the selection replaces the one before ({@code lEvent} 0 cancels it, whatever
     * the window; messages already posted stay in the queue, as on Windows).
     */
    int asyncSelect(long s, MemorySegment window, int message, int events, MemorySegment lpErrno) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return SocketCalls.fail(lpErrno, WSAENOTSOCK());
            }
            int known = FD_READ() | FD_WRITE() | FD_OOB() | FD_ACCEPT() | FD_CONNECT() | FD_CLOSE();
            if (events != 0 && ((events & ~known) != 0 || !provider.kernel.windows().isWindow(window.address()))) {
                return SocketCalls.fail(lpErrno, WSAEINVAL());
            }
            sock.nonBlocking = true;
            select(sock, window.address(), message, events & ~FD_OOB()); // no urgent data on this host
            return 0;
        } catch (Throwable t) {
            UpcallFaults.report("WSPAsyncSelect", t, lpErrno);
            return SOCKET_ERROR();
        } finally {
            BaseSocket.release(sock);
        }
    }

    /** {@code WSPAsyncSelect} after its checks: a new selection replaces the old; no events cancels it. */
    synchronized void select(BaseSocket sock, long window, int message, int events) {
        if (events == 0) {
            selections.remove(sock);
        } else {
            Selection s = new Selection(window, message, events);
            s.connectWatch = sock.connecting && !sock.connected;
            s.armed |= s.connectWatch ? events & FD_CONNECT() : 0;
            selections.put(sock, s);
            start();
        }
        wake();
    }

    /** An accepted socket takes its listener's selection (with everything armed but FD_ACCEPT and FD_CONNECT). */
    synchronized void inherit(BaseSocket listener, BaseSocket accepted) {
        Selection l = selections.get(listener);
        if (l != null) {
            selections.put(accepted, new Selection(l.window, l.message, l.events));
            wake();
        }
    }

    /** <em>Hot.</em> Whether any socket has a selection (one volatile read). */
    boolean anySelected() {
        return selected != 0;
    }

    /** The re-enabling call of {@code event} was made on {@code sock}. */
    void reenable(BaseSocket sock, int event) {
        if (sock == null || selected == 0) {
            return;
        }
        synchronized (this) {
            Selection s = selections.get(sock);
            if (s == null) {
                return;
            }
            s.armed |= event & s.events;
            s.parked = false;
            if (event == FD_CONNECT()) {
                s.connectWatch = true;
            }
            wake();
        }
    }

    /** The socket is closing: no more messages for it. */
    synchronized void forget(BaseSocket sock) {
        if (selections.remove(sock) != null) {
            wake();
        }
    }

    private void start() {
        if (monitor != null) {
            return;
        }
        wakeFd = Libc.eventfd(0, linux_h.EFD_CLOEXEC() | linux_h.EFD_NONBLOCK());
        if (wakeFd < 0) {
            throw new IllegalStateException("eventfd: " + -wakeFd);
        }
        monitor = Thread.ofPlatform().daemon().name("jwsp-host-network-events").start(this::run);
    }

    private void wake() {
        selected = selections.size();
        if (wakeFd >= 0) {
            Libc.write8(wakeFd, one);
        }
    }

    /** Ends the monitor and closes the eventfd (the provider's last {@code WSPCleanup}). */
    void close() throws InterruptedException {
        Thread t;
        synchronized (this) {
            closing = true;
            selections.clear();
            wake();
            t = monitor;
        }
        if (t != null) {
            t.join();
        }
        synchronized (this) {
            if (wakeFd >= 0) {
                Libc.close(wakeFd);
                wakeFd = -1;
            }
            monitor = null;
            closing = false;
        }
    }

    private void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment word = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment peekByte = arena.allocate(1);
            MemorySegment iov = iovec.allocate(arena);
            iovec.iov_base(iov, peekByte);
            iovec.iov_len(iov, 1);
            MemorySegment msg = msghdr.allocate(arena);
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            List<BaseSocket> polled = new ArrayList<>();
            MemorySegment fds = pollfd.allocateArray(16, arena);
            for (;;) {
                synchronized (this) {
                    if (closing) {
                        return;
                    }
                    polled.clear();
                    for (Map.Entry<BaseSocket, Selection> e : selections.entrySet()) {
                        if (interest(e.getKey(), e.getValue()) != 0 && e.getKey().acquire()) {
                            polled.add(e.getKey());
                        }
                    }
                    if (fds.byteSize() < (polled.size() + 1) * pollfd.sizeof()) {
                        fds = pollfd.allocateArray(2L * (polled.size() + 1), arena); // grows by doubling; freed when the thread ends
                    }
                    pollfd.fd(fds, wakeFd);
                    pollfd.events(fds, (short) linux_h.POLLIN());
                    for (int i = 0; i < polled.size(); i++) {
                        MemorySegment p = pollfd.asSlice(fds, i + 1);
                        pollfd.fd(p, polled.get(i).fd);
                        pollfd.events(p, (short) interest(polled.get(i), selections.get(polled.get(i))));
                    }
                }
                try {
                    int ready = Libc.poll(fds, polled.size() + 1, -1);
                    if (ready < 0 && ready != -linux_h.EINTR()) {
                        LOG.error("network events: poll failed with errno {}", -ready);
                        return;
                    }
                    Libc.read8(wakeFd, word);
                    for (int i = 0; i < polled.size() && ready > 0; i++) {
                        int revents = pollfd.revents(pollfd.asSlice(fds, i + 1));
                        if (revents != 0) {
                            dispatch(polled.get(i), revents, msg, iov, value, length);
                        }
                    }
                } finally {
                    for (BaseSocket s : polled) {
                        s.release();
                    }
                }
            }
        } catch (Throwable t) {
            UpcallFaults.report("network events", t, MemorySegment.NULL);
        }
    }

    /** The poll bits wanted for the selection now; 0 to leave the socket out of this round. */
    private static int interest(BaseSocket sock, Selection s) {
        if (s == null || s.closed || s.parked || sock.closing()) {
            return 0;
        }
        int in = linux_h.POLLIN();
        int out = linux_h.POLLOUT();
        if (sock.listening) {
            return (s.armed & FD_ACCEPT()) != 0 ? in : 0;
        }
        if (s.connectWatch) {
            return out;
        }
        if (sock.isStream() && !sock.connected) {
            return 0; // an unconnected TCP socket polls as writable and hung up
        }
        return ((s.armed & (FD_READ() | FD_CLOSE())) != 0 ? in : 0) | ((s.armed & FD_WRITE()) != 0 ? out : 0);
    }

    /** What the poll saw, as the messages Windows posts; the selection's armed bits follow. */
    private void dispatch(BaseSocket sock, int revents, MemorySegment msg, MemorySegment iov, MemorySegment value,
                          MemorySegment length) {
        List<int[]> posts = new ArrayList<>(2);
        Selection s;
        synchronized (this) {
            s = selections.get(sock);
            if (s == null) {
                return;
            }
            boolean readable = (revents & (linux_h.POLLIN() | linux_h.POLLHUP() | linux_h.POLLERR())) != 0;
            boolean writable = (revents & (linux_h.POLLOUT() | linux_h.POLLERR())) != 0;
            if (sock.listening) {
                if (readable && (s.armed & FD_ACCEPT()) != 0) {
                    s.armed &= ~FD_ACCEPT();
                    posts.add(new int[] {FD_ACCEPT(), 0});
                }
            } else if (s.connectWatch) {
                s.connectWatch = false;
                length.set(ValueLayout.JAVA_INT, 0, 4);
                int r = Libc.getsockopt(sock.fd, linux_h.SOL_SOCKET(), linux_h.SO_ERROR(), value, length);
                int error = r < 0 ? WsaErrors.fromErrno(-r) : value.get(ValueLayout.JAVA_INT, 0) == 0 ? 0
                        : WsaErrors.fromErrno(value.get(ValueLayout.JAVA_INT, 0));
                if (error == 0) {
                    SocketCalls.settleConnect(sock);
                }
                if ((s.armed & FD_CONNECT()) != 0) {
                    s.armed &= ~FD_CONNECT();
                    posts.add(new int[] {FD_CONNECT(), error});
                }
                if (error == 0 && (s.armed & FD_WRITE()) != 0) {
                    s.armed &= ~FD_WRITE();
                    posts.add(new int[] {FD_WRITE(), 0});
                }
            } else {
                if (readable && (s.armed & (FD_READ() | FD_CLOSE())) != 0) {
                    msghdr.msg_iov(msg, iov);
                    msghdr.msg_iovlen(msg, 1);
                    long r = Libc.recvmsg(sock.fd, msg, linux_h.MSG_PEEK() | linux_h.MSG_DONTWAIT());
                    if (r > 0 && (s.armed & FD_READ()) != 0) {
                        s.armed &= ~FD_READ();
                        posts.add(new int[] {FD_READ(), 0});
                    } else if (r == 0 && sock.isStream() || r < 0 && r != -linux_h.EAGAIN()) {
                        s.closed = true; // nothing more will come: no more FD_READ either
                        if ((s.events & FD_CLOSE()) != 0) {
                            posts.add(new int[] {FD_CLOSE(), r == 0 ? 0 : closeError((int) -r)});
                        }
                    }
                }
                if ((revents & linux_h.POLLOUT()) != 0 && (s.armed & FD_WRITE()) != 0) {
                    s.armed &= ~FD_WRITE();
                    posts.add(new int[] {FD_WRITE(), 0});
                }
            }
            if (posts.isEmpty()) {
                s.parked = true; // seen, nothing postable until a re-enabling call
            }
        }
        for (int[] p : posts) {
            post(sock, s, p[0], p[1]);
        }
    }

    private static int closeError(int errno) {
        int e = WsaErrors.fromErrno(errno);
        return e == WSAECONNRESET() || e == WSAENETDOWN() ? e : WSAECONNABORTED();
    }

    private void post(BaseSocket sock, Selection s, int event, int error) {
        MemorySegment upcalls = provider.upcalls();
        if (upcalls == null) {
            return;
        }
        long lParam = ((long) (error & 0xFFFF) << 16) | (event & 0xFFFF); // WSAMAKESELECTREPLY
        int ok = LPWPUPOSTMESSAGE.invoke(WSPUPCALLTABLE.lpWPUPostMessage(upcalls), MemorySegment.ofAddress(s.window), s.message,
                sock.handle, lParam);
        if (ok == FALSE()) {
            LOG.debug("WPUPostMessage refused event {} of socket {} (the window is gone)", event, sock.handle);
        }
    }
}
