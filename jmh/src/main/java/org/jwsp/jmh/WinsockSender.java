package org.jwsp.jmh;

import static org.jwsp.bindings.windows.ws2spi_h.AF_INET;
import static org.jwsp.bindings.windows.ws2spi_h.INVALID_SOCKET;
import static org.jwsp.bindings.windows.ws2spi_h.IPPROTO_TCP;
import static org.jwsp.bindings.windows.ws2spi_h.SD_SEND;
import static org.jwsp.bindings.windows.ws2spi_h.SIO_BASE_HANDLE;
import static org.jwsp.bindings.windows.ws2spi_h.SOCK_STREAM;
import static org.jwsp.bindings.windows.ws2spi_h.TCP_NODELAY;
import static org.jwsp.bindings.windows.ws2spi_h.WSA_FLAG_OVERLAPPED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.ws2.SockAddr;
import org.jwsp.host.ws2.Ws2;
import org.jwsp.provider.LayeredProvider;
import org.jwsp.provider.ProviderSettings;
import org.jwsp.samples.Elements;
import org.jwsp.samples.SendWindow;
import org.jwsp.windows.install.InstalledLayer;
import org.jwsp.windows.install.LayeredInstall;
import org.jwsp.windows.install.Ws2CatalogExports;

/**
 * A Windows-style sender for the benchmarks: a TCP socket made through the host's {@link Ws2}
 * (so through jwsp when jwsp is installed as {@code jwsp install} installs it, over the base TCP
 * and UDP entries, IPv4 and IPv6, else straight to the base
 * provider), connected to a {@link LoopbackSink}, with {@code buffers} WSABUFs of {@code size}
 * bytes of native memory per send. Blocking sends, or overlapped sends on an I/O completion port
 * with up to {@code window} in flight (the samples' {@link SendWindow}).
 *
 * <p>Used by one benchmark thread. Counts the bytes its sends completed; {@link #close()} reaps
 * every send still in flight, shuts the socket down, checks that the sink received exactly those
 * bytes, and undoes everything it set up (WSACleanup, uninstall, arena).
 */
final class WinsockSender implements AutoCloseable {

    private static final String MODULE = "C:\\jwsp\\jwsp.dll";

    private final Arena arena = Arena.ofShared();
    private final InstalledLayer jwsp;
    private final Ws2 ws2;
    private final LoopbackSink sink;
    private final long socket;
    private final MemorySegment wsabufs;
    private final int buffers;
    private final long total;
    private final MemorySegment sent;
    private final boolean overlapped;
    private final int window;
    private final String label;
    private final SendWindow sendWindow;
    private final SendWindow.Issue wsaSend;
    private long completedBytes;
    /** Sends made through {@link #blockingSend} and {@link #overlappedSend}. */
    private long sends;
    private final ThreadAllocation allocation = new ThreadAllocation();

    /**
     * @param throughJwsp install jwsp first, as {@code jwsp install} does (through the host's catalog exports)
     * @param overlapped  make the socket with WSA_FLAG_OVERLAPPED and associate it with a new completion port
     */
    WinsockSender(String label, boolean throughJwsp, boolean overlapped, int window, int buffers, int size) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1: " + window);
        }
        this.window = window;
        this.label = label;
        this.buffers = buffers;
        this.total = (long) buffers * size;
        this.overlapped = overlapped;
        this.sink = new LoopbackSink(label);
        try {
            if (throughJwsp) {
                // -Djwsp.jmh.skipLowerPort=false (jmh/run.sh --jvm-arg ...): the lower provider's packet for a send completed at
                // once keeps it in flight until jwsp's worker reaps it, so later sends merge behind it (docs/PERFORMANCE.md)
                LayeredProvider.configure(ProviderSettings.defaults()
                        .withSkipLowerPortOnSuccess(Boolean.parseBoolean(System.getProperty("jwsp.jmh.skipLowerPort", "true"))));
                LinuxKernelPort.instance().registerExport(MODULE, "WSPStartup", LayeredProvider.startupStub());
                jwsp = LayeredInstall.jwsp(Ws2CatalogExports.ofThisProcess(), MODULE, "jwsp");
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
            MemorySegment[] data = new MemorySegment[buffers];
            for (int i = 0; i < buffers; i++) {
                data[i] = arena.allocate(size);
                WSABUF.buf(Elements.at(WSABUF.layout(), wsabufs, i), data[i]);
                WSABUF.len(Elements.at(WSABUF.layout(), wsabufs, i), size);
            }
            sent = arena.allocate(ValueLayout.JAVA_INT);
            if (overlapped) {
                sendWindow = new SendWindow(ws2.kernel(), socket, window, buffers, arena);
                // Every slot's WSABUF array points at the same data: the benchmark measures the send, not the filling.
                for (int slot = 0; slot < window; slot++) {
                    for (int b = 0; b < buffers; b++) {
                        WSABUF.buf(sendWindow.buffer(slot, b), data[b]);
                        WSABUF.len(sendWindow.buffer(slot, b), size);
                    }
                }
                wsaSend = (bufs, count, ov) -> ws2.send(socket, bufs, count, sent, 0, ov, MemorySegment.NULL) == 0 ? 0 : ws2.lastError();
            } else {
                sendWindow = null;
                wsaSend = null;
            }
        } catch (RuntimeException | Error e) {
            sink.abandon(); // its drain would otherwise wait for a connection until this JVM ends
            throw e;
        }
    }

    /**
     * A sender whose socket is served by the provider its benchmark names ({@code throughJwsp}), or
     * none: a sender served by the other one is closed and refused, so no result is misattributed.
     */
    static WinsockSender open(String label, boolean throughJwsp, boolean overlapped, int window, int buffers, int size)
            throws InterruptedException {
        WinsockSender sender = new WinsockSender(label, throughJwsp, overlapped, window, buffers, size);
        if (sender.throughJwsp() != throughJwsp) {
            sender.close();
            throw new IllegalStateException(label + ": the socket is not served by the provider it names");
        }
        return sender;
    }

    /** The program's thread polls its port instead of sleeping on it ({@link SendWindow#spinning}). */
    WinsockSender spinning() {
        sendWindow.spinning();
        return this;
    }

    /** Whether jwsp (not the base provider) serves the socket. */
    boolean throughJwsp() {
        return ws2.provider(socket).entry().chainLength() > 1;
    }

    /** The {@code lpWSPSend} of the provider that serves the socket (jwsp's or the base's), as a C caller would call it. */
    MemorySegment providerSend() {
        return WSPPROC_TABLE.lpWSPSend(ws2.provider(socket).procTable());
    }

    /**
     * The base socket under jwsp's ({@code SIO_BASE_HANDLE}, as a program asks for it) and the base
     * provider's {@code lpWSPSend}: a caller can send on the same connection without jwsp.
     */
    BaseUnder baseUnder() {
        MemorySegment handle = arena.allocate(ValueLayout.JAVA_LONG);
        MemorySegment returned = arena.allocate(ValueLayout.JAVA_INT);
        if (ws2.ioctl(socket, SIO_BASE_HANDLE(), MemorySegment.NULL, 0, handle, 8, returned, MemorySegment.NULL,
                MemorySegment.NULL) != 0) {
            throw new IllegalStateException("WSAIoctl(SIO_BASE_HANDLE): WSA error " + ws2.lastError());
        }
        var base = ws2.load(Catalog.system().entry(Catalog.BASE_TCP_V4));
        return new BaseUnder(handle.get(ValueLayout.JAVA_LONG, 0), WSPPROC_TABLE.lpWSPSend(base.procTable()));
    }

    /** See {@link #baseUnder}. */
    record BaseUnder(long socket, MemorySegment send) {
    }

    /** The socket, as its provider knows it. */
    long socket() {
        return socket;
    }

    /** The WSABUF array of every send ({@code buffers()} entries). */
    MemorySegment wsabufs() {
        return wsabufs;
    }

    int buffers() {
        return buffers;
    }

    long total() {
        return total;
    }

    /** Counts bytes sent by a caller outside this class (a native caller) for {@link #close()}'s check. */
    void sentElsewhere(long bytes) {
        completedBytes += bytes;
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
        sends++;
        return n;
    }

    /**
     * One overlapped WSASend of every buffer, after reaping completions if {@code window} are
     * already in flight ({@link SendWindow} checks each completion's status and byte count).
     */
    long overlappedSend() {
        sendWindow.send(sendWindow.slot(), buffers, total, wsaSend);
        sends++;
        return sendWindow.inFlight();
    }

    /** A JMH iteration begins (on the benchmark thread): {@link ThreadAllocation} starts counting. */
    void beginIteration() {
        allocation.begin(sends);
    }

    /** A JMH iteration ended: the bytes its sends allocated on the sending threads go to the receiver log at close. */
    void endIteration() {
        allocation.end(sends);
        sink.threadBytesPerOp(allocation.bytesPerOp());
    }

    @Override
    public void close() throws InterruptedException {
        try {
            if (overlapped) {
                sendWindow.drain();
                completedBytes += sendWindow.completedBytes();
                // docs/ARCHITECTURE.md quotes these: how many overlapped sends completed at once
                System.out.printf("%s: %d of %d overlapped sends completed at once%n", label, sendWindow.immediate(),
                        sendWindow.immediate() + sendWindow.pending());
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
                sendWindow.close();
            }
            ws2.close();
            if (jwsp != null) {
                jwsp.close();
                LinuxKernelPort.instance().unregisterModule(MODULE);
            }
            arena.close();
        }
    }
}
