package org.jwsp.testkit;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.jwsp.bindings.windows.*;

/**
 * TEST-ONLY STAND-IN for the Linux host's ws2_32 side (upcall table, WPUCompleteOverlappedRequest,
 * WSCEnumProtocols, WSCGetProviderPath and its catalog). The real host is on main
 * ({@code HostIntegrationTest}); this stand-in stays for the fake-lower tests. It gives jwsp exactly what ws2_32
 * gives a layered provider, through native function pointers:
 *
 * <ul>
 *   <li>a WSPUPCALLTABLE whose WPUCreateSocketHandle / WPUQuerySocketHandleContext /
 *       WPUCloseSocketHandle / WPUQueueApc / WPUOpenCurrentThread / WPUCloseThread are upcall stubs;</li>
 *   <li>exports {@code ws2_32.dll!WPUCompleteOverlappedRequest}, {@code !WSCEnumProtocols},
 *       {@code !WSCGetProviderPath}, registered in the {@link TestKernelPort};</li>
 *   <li>a catalog: base TCP (1001) and UDP (1002) entries of {@link FakeLowerProvider#PATH},
 *       jwsp's layer entry (2000) and its chains TCP (2001 = [2000, 1001]) and UDP (2002 = [2000, 1002]).</li>
 * </ul>
 * The hot upcalls index arrays (no boxing), so they do not disturb allocation measurements.
 */
public final class FakeWs2 {

    public static final int BASE_TCP = 1001;
    public static final int BASE_UDP = 1002;
    public static final int JWSP_LAYER = 2000;
    public static final int JWSP_TCP = 2001;
    public static final int JWSP_UDP = 2002;
    static final long FIRST_SOCKET = 0x20000;
    private static final int MAX_SOCKETS = 4096;

    /** The C signature of WSCEnumProtocols and WSCGetProviderPath (four pointers → int). */
    private static final java.lang.foreign.FunctionDescriptor FOUR_POINTERS_TO_INT = java.lang.foreign.FunctionDescriptor.of(
            ws2spi_h.C_INT, ws2spi_h.C_POINTER, ws2spi_h.C_POINTER, ws2spi_h.C_POINTER, ws2spi_h.C_POINTER);

    private final Arena arena = Arena.ofShared();
    private final TestKernelPort kernel;
    private final MemorySegment upcallTable;
    private final MemorySegment catalog;
    private final int catalogCount;
    private final MemorySegment baseGuid;
    private final AtomicLongArray contexts = new AtomicLongArray(MAX_SOCKETS);
    private final AtomicInteger nextSocket = new AtomicInteger();
    private final AtomicInteger openSockets = new AtomicInteger();
    /** Client completion port bound to a jwsp handle (what WSAIoctl/CreateIoCompletionPort does on the client's side). */
    private final long[][] clientPorts = new long[MAX_SOCKETS][];
    /** Every WPUCompleteOverlappedRequest. */
    public final AtomicLong completions = new AtomicLong();
    /** Every WPUQueueApc. */
    public final AtomicLong apcsQueued = new AtomicLong();
    /** The lpThreadId pointer of the last WPUQueueApc (to check jwsp passes its own copy). */
    public volatile long lastApcThreadIdPointer;
    /** When not null, counts completions per caller OVERLAPPED address (exactly-once tests). */
    public volatile Map<Long, AtomicInteger> completionsByOverlapped;
    /** When not null, runs first in every WPUCompleteOverlappedRequest (to widen a race on purpose). */
    public volatile Runnable beforeCompletion;
    /** When not null, runs after every WPUCloseSocketHandle that closed a handle. */
    public volatile Runnable afterCloseSocketHandle;

    public FakeWs2(TestKernelPort kernel) {
        this.kernel = kernel;
        upcallTable = arena.allocate(WSPUPCALLTABLE.layout());
        WSPUPCALLTABLE.lpWPUCreateSocketHandle(upcallTable, LPWPUCREATESOCKETHANDLE.allocate(this::createSocketHandle, arena));
        WSPUPCALLTABLE.lpWPUQuerySocketHandleContext(upcallTable,
                RawStubs.stub(this, "querySocketHandleContextRaw", LPWPUQUERYSOCKETHANDLECONTEXT.descriptor(), arena));
        WSPUPCALLTABLE.lpWPUCloseSocketHandle(upcallTable, LPWPUCLOSESOCKETHANDLE.allocate(this::closeSocketHandle, arena));
        WSPUPCALLTABLE.lpWPUQueueApc(upcallTable, RawStubs.stub(this, "queueApcRaw", LPWPUQUEUEAPC.descriptor(), arena));
        WSPUPCALLTABLE.lpWPUOpenCurrentThread(upcallTable, LPWPUOPENCURRENTTHREAD.allocate(this::openCurrentThread, arena));
        WSPUPCALLTABLE.lpWPUCloseThread(upcallTable, LPWPUCLOSETHREAD.allocate(this::closeThread, arena));
        kernel.export("ws2_32.dll", "WPUCompleteOverlappedRequest",
                RawStubs.stub(this, "completeOverlappedRequestRaw", LPWPUCOMPLETEOVERLAPPEDREQUEST.descriptor(), arena));
        kernel.export("ws2_32.dll", "WSCEnumProtocols", java.lang.foreign.Linker.nativeLinker().upcallStub(
                bind("enumProtocols"), FOUR_POINTERS_TO_INT, arena));
        kernel.export("ws2_32.dll", "WSCGetProviderPath", java.lang.foreign.Linker.nativeLinker().upcallStub(
                bind("getProviderPath"), FOUR_POINTERS_TO_INT, arena));

        baseGuid = arena.allocate(GUID.layout());
        GUID.Data1(baseGuid, 0x0BA5E);
        MemorySegment jwspGuid = arena.allocate(GUID.layout());
        GUID.Data1(jwspGuid, 0x0315);
        catalogCount = 5;
        catalog = arena.allocate(WSAPROTOCOL_INFOW.layout(), catalogCount);
        entry(0, BASE_TCP, baseGuid, ws2spi_h.SOCK_STREAM(), ws2spi_h.IPPROTO_TCP(), 0, new int[] {BASE_TCP});
        entry(1, BASE_UDP, baseGuid, ws2spi_h.SOCK_DGRAM(), ws2spi_h.IPPROTO_UDP(), 65507, new int[] {BASE_UDP});
        entry(2, JWSP_LAYER, jwspGuid, 0, 0, 0, new int[0]);
        entry(3, JWSP_TCP, jwspGuid, ws2spi_h.SOCK_STREAM(), ws2spi_h.IPPROTO_TCP(), 0, new int[] {JWSP_LAYER, BASE_TCP});
        entry(4, JWSP_UDP, jwspGuid, ws2spi_h.SOCK_DGRAM(), ws2spi_h.IPPROTO_UDP(), 65507, new int[] {JWSP_LAYER, BASE_UDP});
    }

    private java.lang.invoke.MethodHandle bind(String name) {
        try {
            var lookup = java.lang.invoke.MethodHandles.lookup();
            var type = name.equals("enumProtocols")
                    ? java.lang.invoke.MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, MemorySegment.class, MemorySegment.class)
                    : java.lang.invoke.MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, MemorySegment.class, MemorySegment.class);
            return lookup.findVirtual(FakeWs2.class, name, type).bindTo(this);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private void entry(int i, int id, MemorySegment guid, int type, int protocol, int messageSize, int[] chain) {
        MemorySegment e = catalog.asSlice(i * WSAPROTOCOL_INFOW.layout().byteSize(), WSAPROTOCOL_INFOW.layout());
        WSAPROTOCOL_INFOW.dwCatalogEntryId(e, id);
        WSAPROTOCOL_INFOW.ProviderId(e, guid);
        WSAPROTOCOL_INFOW.iAddressFamily(e, ws2spi_h.AF_INET());
        WSAPROTOCOL_INFOW.iSocketType(e, type);
        WSAPROTOCOL_INFOW.iProtocol(e, protocol);
        WSAPROTOCOL_INFOW.iVersion(e, 2);
        WSAPROTOCOL_INFOW.dwMessageSize(e, messageSize);
        if (type == ws2spi_h.SOCK_DGRAM()) {
            WSAPROTOCOL_INFOW.dwServiceFlags1(e, ws2spi_h.XP1_MESSAGE_ORIENTED());
        }
        MemorySegment c = WSAPROTOCOL_INFOW.ProtocolChain(e);
        WSAPROTOCOLCHAIN.ChainLen(c, chain.length == 0 ? ws2spi_h.LAYERED_PROTOCOL() : chain.length);
        for (int k = 0; k < chain.length; k++) {
            WSAPROTOCOLCHAIN.ChainEntries(c, k, chain[k]);
        }
    }

    /** The catalog entry with this id (jwsp's TCP or UDP chain for WSPStartup/WSPSocket). */
    public MemorySegment protocolInfo(int catalogEntryId) {
        for (int i = 0; i < catalogCount; i++) {
            MemorySegment e = catalog.asSlice(i * WSAPROTOCOL_INFOW.layout().byteSize(), WSAPROTOCOL_INFOW.layout());
            if (WSAPROTOCOL_INFOW.dwCatalogEntryId(e) == catalogEntryId) {
                return e;
            }
        }
        throw new IllegalArgumentException("no catalog entry " + catalogEntryId);
    }

    public MemorySegment upcallTable() {
        return upcallTable;
    }

    /** Binds a jwsp socket handle to a client completion port, as CreateIoCompletionPort(s, port, key) would. */
    public void bindClientPort(long socket, long port, long key) {
        clientPorts[index(socket)] = new long[] {port, key};
    }

    public int openSocketHandles() {
        return openSockets.get();
    }

    private static int index(long s) {
        long i = (s - FIRST_SOCKET) >>> 2;
        return s >= FIRST_SOCKET && ((s - FIRST_SOCKET) & 3) == 0 && i < MAX_SOCKETS ? (int) i : -1;
    }

    private static void errno(MemorySegment lpErrno, int code) {
        lpErrno.reinterpret(4).set(ValueLayout.JAVA_INT, 0, code);
    }

    private long createSocketHandle(int catalogEntryId, long context, MemorySegment lpErrno) {
        int i = nextSocket.getAndIncrement();
        if (i >= MAX_SOCKETS) {
            errno(lpErrno, ws2spi_h.WSAEMFILE());
            return ws2spi_h.INVALID_SOCKET();
        }
        contexts.set(i, context);
        openSockets.incrementAndGet();
        return FIRST_SOCKET + 4L * i;
    }

    private int querySocketHandleContextRaw(long s, long lpContext, long lpErrno) {
        int i = index(s);
        long ctx = i < 0 ? 0 : contexts.get(i);
        if (ctx == 0) {
            RawStubs.ALL.set(ValueLayout.JAVA_INT_UNALIGNED, lpErrno, ws2spi_h.WSAENOTSOCK());
            return ws2spi_h.SOCKET_ERROR();
        }
        RawStubs.ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, lpContext, ctx);
        return 0;
    }

    private int completeOverlappedRequestRaw(long s, long lpOverlapped, int error, int bytes, long lpErrno) {
        Runnable hook = beforeCompletion;
        if (hook != null) {
            hook.run();
        }
        int i = index(s);
        if (i < 0 || contexts.get(i) == 0) {
            MemorySegment.ofAddress(lpErrno).reinterpret(4).set(ValueLayout.JAVA_INT, 0, ws2spi_h.WSAEINVAL());
            return ws2spi_h.SOCKET_ERROR();
        }
        completions.incrementAndGet();
        Map<Long, AtomicInteger> byOv = completionsByOverlapped;
        if (byOv != null) {
            byOv.computeIfAbsent(lpOverlapped, k -> new AtomicInteger()).incrementAndGet();
        }
        long event = RawStubs.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, lpOverlapped + OVERLAPPED.hEvent$offset());
        if (event != 0) {
            kernel.setEvent(event);
        }
        long[] port = clientPorts[i];
        if (port != null) {
            kernel.postAddress(port[0], bytes, port[1], lpOverlapped);
        }
        return 0;
    }

    private int querySocketHandleContext(long s, MemorySegment lpContext, MemorySegment lpErrno) {
        int i = index(s);
        long ctx = i < 0 ? 0 : contexts.get(i);
        if (ctx == 0) {
            errno(lpErrno, ws2spi_h.WSAENOTSOCK());
            return ws2spi_h.SOCKET_ERROR();
        }
        lpContext.reinterpret(8).set(ValueLayout.JAVA_LONG, 0, ctx);
        return 0;
    }

    private int closeSocketHandle(long s, MemorySegment lpErrno) {
        int i = index(s);
        if (i < 0 || contexts.getAndSet(i, 0) == 0) {
            errno(lpErrno, ws2spi_h.WSAENOTSOCK());
            return ws2spi_h.SOCKET_ERROR();
        }
        clientPorts[i] = null;
        openSockets.decrementAndGet();
        Runnable hook = afterCloseSocketHandle;
        if (hook != null) {
            hook.run();
        }
        return 0;
    }

    /** WPUQueueApc with every pointer as an address: allocation-free (the routine-delivery allocation test). */
    private int queueApcRaw(long lpThreadId, long apc, long context, long lpErrno) {
        lastApcThreadIdPointer = lpThreadId;
        long thread = RawStubs.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, lpThreadId + WSATHREADID.ThreadHandle$offset());
        if (!kernel.queueApc(thread, apc, context)) {
            RawStubs.ALL.set(ValueLayout.JAVA_INT_UNALIGNED, lpErrno, ws2spi_h.WSAEINVAL());
            return ws2spi_h.SOCKET_ERROR();
        }
        apcsQueued.incrementAndGet();
        synchronized (apcsQueued) {
            apcsQueued.notifyAll();
        }
        return 0;
    }

    /** Waits (bounded) until WPUQueueApc was called {@code n} times in all. */
    public boolean awaitApcsQueued(long n, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (apcsQueued) {
            while (apcsQueued.get() < n) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                apcsQueued.wait(left);
            }
            return true;
        }
    }

    private int openCurrentThread(MemorySegment lpThreadId, MemorySegment lpErrno) {
        MemorySegment id = lpThreadId.reinterpret(WSATHREADID.layout().byteSize());
        WSATHREADID.ThreadHandle(id, MemorySegment.ofAddress(kernel.openCurrentThread()));
        WSATHREADID.Reserved(id, kernel.currentThreadId());
        return 0;
    }

    private int closeThread(MemorySegment lpThreadId, MemorySegment lpErrno) {
        kernel.closeHandle(WSATHREADID.ThreadHandle(lpThreadId.reinterpret(WSATHREADID.layout().byteSize())).address());
        return 0;
    }

    private int completeOverlappedRequest(long s, MemorySegment lpOverlapped, int error, int bytes, MemorySegment lpErrno) {
        int i = index(s);
        if (i < 0 || contexts.get(i) == 0) {
            errno(lpErrno, ws2spi_h.WSAEINVAL());
            return ws2spi_h.SOCKET_ERROR();
        }
        completions.incrementAndGet();
        Map<Long, AtomicInteger> byOv = completionsByOverlapped;
        if (byOv != null) {
            byOv.computeIfAbsent(lpOverlapped.address(), k -> new AtomicInteger()).incrementAndGet();
        }
        MemorySegment ov = lpOverlapped.reinterpret(OVERLAPPED.layout().byteSize());
        long event = OVERLAPPED.hEvent(ov).address();
        if (event != 0) {
            kernel.setEvent(event);
        }
        long[] port = clientPorts[i];
        if (port != null) {
            kernel.post(port[0], bytes, port[1], lpOverlapped);
        }
        return 0;
    }

    @SuppressWarnings("unused") // bound by name in the constructor
    private int enumProtocols(MemorySegment lpiProtocols, MemorySegment buffer, MemorySegment lpLength, MemorySegment lpErrno) {
        MemorySegment len = lpLength.reinterpret(4);
        long need = catalog.byteSize();
        if (buffer.address() == 0 || len.get(ValueLayout.JAVA_INT, 0) < need) {
            len.set(ValueLayout.JAVA_INT, 0, (int) need);
            errno(lpErrno, ws2spi_h.WSAENOBUFS());
            return ws2spi_h.SOCKET_ERROR();
        }
        buffer.reinterpret(need).copyFrom(catalog);
        return catalogCount;
    }

    @SuppressWarnings("unused") // bound by name in the constructor
    private int getProviderPath(MemorySegment lpProviderId, MemorySegment path, MemorySegment lpLength, MemorySegment lpErrno) {
        MemorySegment guid = lpProviderId.reinterpret(GUID.layout().byteSize());
        if (guid.mismatch(baseGuid) != -1) {
            errno(lpErrno, ws2spi_h.WSAEINVAL());
            return ws2spi_h.SOCKET_ERROR();
        }
        byte[] utf16 = (FakeLowerProvider.PATH + "\0").getBytes(StandardCharsets.UTF_16LE);
        MemorySegment len = lpLength.reinterpret(4);
        if (len.get(ValueLayout.JAVA_INT, 0) < utf16.length / 2) {
            errno(lpErrno, ws2spi_h.WSAEFAULT());
            return ws2spi_h.SOCKET_ERROR();
        }
        MemorySegment.copy(MemorySegment.ofArray(utf16), 0, path.reinterpret(utf16.length), 0, utf16.length);
        len.set(ValueLayout.JAVA_INT, 0, utf16.length / 2);
        return 0;
    }

    /** Frees the stubs; call after jwsp's last WSPCleanup. */
    public void close() {
        arena.close();
    }
}
