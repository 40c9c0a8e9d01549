package org.jwsp.testkit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.UnaryOperator;

import org.jwsp.bindings.windows.*;
import org.jwsp.provider.LayeredProvider;
import org.jwsp.provider.ProviderSettings;

/**
 * TEST-ONLY: plays ws2_32's caller role over the harness ({@link TestKernelPort},
 * {@link FakeWs2}, {@link FakeLowerProvider}) — starts jwsp through
 * {@link LayeredProvider#startupStub()} (a native pointer) and calls its WSPPROC_TABLE entries
 * as downcalls, exactly as ws2_32 would. The real host's catalog and Ws2 client drive jwsp in
 * {@code HostIntegrationTest}; this client stays for the tests over the fake lower provider.
 */
public final class JwspClient implements AutoCloseable {

    public final TestKernelPort kernel = new TestKernelPort();
    public final FakeWs2 ws2 = new FakeWs2(kernel);
    public final FakeLowerProvider lower = new FakeLowerProvider(kernel);
    public final Arena arena = Arena.ofShared();
    public final MemorySegment procTable = arena.allocate(WSPPROC_TABLE.layout());
    public final MemorySegment wspData = arena.allocate(WSPData.layout());
    public final MemorySegment errno = arena.allocate(ValueLayout.JAVA_INT);
    private boolean started;
    private MemorySegment sendEntry;

    private JwspClient() {
    }

    /** A started jwsp over the harness, configured from the defaults by {@code settings}. */
    public static JwspClient start(UnaryOperator<ProviderSettings> settings) {
        JwspClient c = new JwspClient();
        LayeredProvider.configure(settings.apply(ProviderSettings.defaults().withKernel(c.kernel)));
        int rc = c.startup((short) 0x0202, FakeWs2.JWSP_TCP);
        if (rc != 0) {
            throw new IllegalStateException("WSPStartup answered " + rc);
        }
        return c;
    }

    public static JwspClient start() {
        return start(s -> s);
    }

    /** A harness whose jwsp is configured but not started (WSPStartup tests). */
    public static JwspClient unstarted(UnaryOperator<ProviderSettings> settings) {
        JwspClient c = new JwspClient();
        LayeredProvider.configure(settings.apply(ProviderSettings.defaults().withKernel(c.kernel)));
        return c;
    }

    /** WSPStartup through jwsp's native pointer. */
    public int startup(short version, int catalogEntryId) {
        int rc = LPWSPSTARTUP.invoke(LayeredProvider.startupStub(), version, wspData, ws2.protocolInfo(catalogEntryId),
                ws2.upcallTable(), procTable);
        started |= rc == 0;
        return rc;
    }

    public int errno() {
        return errno.get(ValueLayout.JAVA_INT, 0);
    }

    public long socket(int type, boolean overlapped) {
        int protocol = type == ws2spi_h.SOCK_DGRAM() ? ws2spi_h.IPPROTO_UDP() : ws2spi_h.IPPROTO_TCP();
        int entry = type == ws2spi_h.SOCK_DGRAM() ? FakeWs2.JWSP_UDP : FakeWs2.JWSP_TCP;
        return LPWSPSOCKET.invoke(WSPPROC_TABLE.lpWSPSocket(procTable), ws2spi_h.AF_INET(), type, protocol, ws2.protocolInfo(entry), 0,
                overlapped ? ws2spi_h.WSA_FLAG_OVERLAPPED() : 0, errno);
    }

    public long streamSocket(boolean overlapped) {
        return socket(ws2spi_h.SOCK_STREAM(), overlapped);
    }

    public int send(long s, MemorySegment bufs, int count, MemorySegment sent, int flags, MemorySegment ov, MemorySegment routine,
                    MemorySegment threadId, MemorySegment lpErrno) {
        if (sendEntry == null) {
            sendEntry = WSPPROC_TABLE.lpWSPSend(procTable);
        }
        return LPWSPSEND.invoke(sendEntry, s, bufs, count, sent, flags, ov, routine, threadId, lpErrno);
    }

    public int closeSocket(long s) {
        return LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(procTable), s, errno);
    }

    public int shutdown(long s, int how) {
        return LPWSPSHUTDOWN.invoke(WSPPROC_TABLE.lpWSPShutdown(procTable), s, how, errno);
    }

    public int connect(long s, MemorySegment name, int nameLen) {
        return LPWSPCONNECT.invoke(WSPPROC_TABLE.lpWSPConnect(procTable), s, name, nameLen, MemorySegment.NULL, MemorySegment.NULL,
                MemorySegment.NULL, MemorySegment.NULL, errno);
    }

    public int ioctl(long s, int code, MemorySegment in, int cbIn, MemorySegment returned) {
        return LPWSPIOCTL.invoke(WSPPROC_TABLE.lpWSPIoctl(procTable), s, code, in, cbIn, MemorySegment.NULL, 0, returned,
                MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, errno);
    }

    public int getOverlappedResult(long s, MemorySegment ov, MemorySegment transfer, boolean wait, MemorySegment flags) {
        return LPWSPGETOVERLAPPEDRESULT.invoke(WSPPROC_TABLE.lpWSPGetOverlappedResult(procTable), s, ov, transfer, wait ? 1 : 0, flags, errno);
    }

    public int cleanup() {
        int rc = LPWSPCLEANUP.invoke(WSPPROC_TABLE.lpWSPCleanup(procTable), errno);
        started &= rc != 0;
        return rc;
    }

    /** A WSATHREADID for the calling thread, from the upcall table's WPUOpenCurrentThread. */
    public MemorySegment openCurrentThread(Arena a) {
        MemorySegment id = a.allocate(WSATHREADID.layout());
        LPWPUOPENCURRENTTHREAD.invoke(WSPUPCALLTABLE.lpWPUOpenCurrentThread(ws2.upcallTable()), id, errno);
        return id;
    }

    @Override
    public void close() {
        while (started && LayeredProvider.started()) {
            if (cleanup() != 0) {
                break;
            }
        }
        lower.close();
        ws2.close();
        arena.close();
    }
}
