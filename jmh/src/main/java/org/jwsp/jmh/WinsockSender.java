package org.jwsp.jmh;

import static org.jwsp.bindings.windows.ws2spi_h.AF_INET;
import static org.jwsp.bindings.windows.ws2spi_h.INVALID_SOCKET;
import static org.jwsp.bindings.windows.ws2spi_h.IPPROTO_TCP;
import static org.jwsp.bindings.windows.ws2spi_h.SD_SEND;
import static org.jwsp.bindings.windows.ws2spi_h.SOCK_STREAM;
import static org.jwsp.bindings.windows.ws2spi_h.TCP_NODELAY;
import static org.jwsp.bindings.windows.ws2spi_h.WSA_FLAG_OVERLAPPED;
import static org.jwsp.bindings.windows.ws2spi_h.WSA_IO_PENDING;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.UUID;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.catalog.InstalledProvider;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.LayeredProvider;
import org.jwsp.provider.ProviderSettings;

/**
 * A Windows-style sender for the benchmarks: a TCP socket made through the host's {@link Ws2}
 * (so through jwsp when jwsp is installed over the base TCP/IPv4 entry, else straight to the base
 * provider), connected to a {@link LoopbackSink}, with {@code buffers} WSABUFs of {@code size}
 * bytes of native memory per send. Blocking sends, or overlapped sends on an I/O completion port
 * with up to {@code window} in flight.
 *
 * <p>Used by one benchmark thread. Counts the bytes its sends completed; {@link #close()} reaps
 * every send still in flight, shuts the socket down, checks that the sink received exactly those
 * bytes, and undoes everything it set up (WSACleanup, uninstall, arena).
 */
final class WinsockSender implements AutoCloseable {

    private static final String MODULE = "C:\\jwsp\\jwsp.dll";
    private static final UUID PROVIDER_ID = UUID.fromString("4a77b3c1-5d0e-4f6a-9b3e-6a7c2f1d0e12");
    private static final int PENDING = WSA_IO_PENDING();
    private static final int WAIT_MILLIS = 10_000;

    private final Arena arena = Arena.ofShared();
    private final InstalledProvider jwsp;
    private final Ws2 ws2;
    private final LoopbackSink sink;
    private final long socket;
    private final MemorySegment wsabufs;
    private final int buffers;
    private final long total;
    private final MemorySegment sent;
    private final boolean overlapped;
    private final int window;
    private long port;
    private MemorySegment overlappeds;
    private MemorySegment entries;
    private long posted;
    private int inFlight;
    private long completedBytes;

    /**
     * @param throughJwsp install jwsp over the base TCP/IPv4 provider first
     * @param overlapped  make the socket with WSA_FLAG_OVERLAPPED and associate it with a new completion port
     */
    WinsockSender(String label, boolean throughJwsp, boolean overlapped, int window, int buffers, int size) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1: " + window);
        }
        this.window = window;
        this.buffers = buffers;
        this.total = (long) buffers * size;
        this.overlapped = overlapped;
        this.sink = new LoopbackSink(label);
        if (throughJwsp) {
            LayeredProvider.configure(ProviderSettings.defaults());
            jwsp = Catalog.system().install(MODULE, LayeredProvider.startupStub(), PROVIDER_ID, "jwsp", Catalog.BASE_TCP_V4);
        } else {
            jwsp = null;
        }
        ws2 = Ws2.startup(Catalog.system());
        socket = ws2.socket(AF_INET(), SOCK_STREAM(), IPPROTO_TCP(), overlapped ? WSA_FLAG_OVERLAPPED() : 0);
        if (socket == INVALID_SOCKET()) {
            throw new IllegalStateException("WSASocketW: WSA error " + ws2.lastError());
        }
        if (ws2.connect(socket, SockAddr.loopback(AF_INET(), sink.port(), arena), SockAddr.size(AF_INET())) != 0) {
            throw new IllegalStateException("connect: WSA error " + ws2.lastError());
        }
        // Nagle off, as the peers have it, the way a program does it: jwsp passes it down.
        if (ws2.setsockopt(socket, IPPROTO_TCP(), TCP_NODELAY(), arena.allocateFrom(ValueLayout.JAVA_INT, 1), 4) != 0) {
            throw new IllegalStateException("setsockopt(TCP_NODELAY): WSA error " + ws2.lastError());
        }
        wsabufs = WSABUF.allocateArray(buffers, arena);
        for (int i = 0; i < buffers; i++) {
            WSABUF.buf(WSABUF.asSlice(wsabufs, i), arena.allocate(size));
            WSABUF.len(WSABUF.asSlice(wsabufs, i), size);
        }
        sent = arena.allocate(ValueLayout.JAVA_INT);
        if (overlapped) {
            port = ws2.kernel().createCompletionPort(0);
            ws2.kernel().associate(port, socket, 1);
            overlappeds = OVERLAPPED.allocateArray(window, arena); // zeroed: no hEvent
            entries = OVERLAPPED_ENTRY.allocateArray(window, arena);
        }
    }

    /** Whether jwsp (not the base provider) serves the socket. */
    boolean throughJwsp() {
        return ws2.provider(socket).entry().chainLength() > 1;
    }

    /** One blocking WSASend of every buffer; a blocking stream send sends everything or fails. */
    long blockingSend() {
        if (ws2.send(socket, wsabufs, buffers, sent, 0, MemorySegment.NULL, MemorySegment.NULL) != 0) {
            throw new IllegalStateException("WSASend: WSA error " + ws2.lastError());
        }
        int n = sent.get(ValueLayout.JAVA_INT, 0);
        if (n != total) {
            throw new IllegalStateException("WSASend sent " + n + " of " + total);
        }
        completedBytes += n;
        return n;
    }

    /**
     * One overlapped WSASend of every buffer, after reaping completions if {@code window} are
     * already in flight. Completions on one socket come in send order, so the OVERLAPPED of the
     * send {@code window} back is free again.
     */
    long overlappedSend() {
        if (inFlight == window) {
            reap();
        }
        MemorySegment ov = OVERLAPPED.asSlice(overlappeds, posted % window);
        if (ws2.send(socket, wsabufs, buffers, sent, 0, ov, MemorySegment.NULL) != 0 && ws2.lastError() != PENDING) {
            throw new IllegalStateException("overlapped WSASend: WSA error " + ws2.lastError());
        }
        posted++;
        inFlight++;
        return inFlight;
    }

    /** Dequeues at least one completion packet (a batch of up to window). */
    private void reap() {
        int n = ws2.kernel().dequeue(port, entries, WAIT_MILLIS, false);
        if (n <= 0) {
            throw new IllegalStateException("no completion within " + WAIT_MILLIS + " ms: " + n);
        }
        for (int e = 0; e < n; e++) {
            int bytes = OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(OVERLAPPED_ENTRY.asSlice(entries, e));
            if (bytes != total) {
                throw new IllegalStateException("a send completed with " + bytes + " of " + total + " bytes");
            }
            completedBytes += bytes;
        }
        inFlight -= n;
    }

    @Override
    public void close() throws InterruptedException {
        try {
            while (overlapped && inFlight > 0) {
                reap();
            }
            ws2.shutdown(socket, SD_SEND());
            sink.close();
            if (sink.received() != completedBytes) {
                throw new IllegalStateException("the sink received " + sink.received() + " bytes, the sends completed "
                        + completedBytes);
            }
        } finally {
            ws2.closesocket(socket);
            if (overlapped) {
                ws2.kernel().closeHandle(port);
            }
            ws2.close();
            if (jwsp != null) {
                jwsp.close();
            }
            arena.close();
        }
    }
}
