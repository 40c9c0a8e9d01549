package org.jwsp.host.catalog;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import org.jwsp.bindings.windows.*;
import org.jwsp.kernel.KernelPort;

/**
 * A minimal layered provider for tests, written the way a real LSP finds its next provider: from
 * its chain entry's {@code ChainEntries[1]}, through {@code WSCEnumProtocols} and
 * {@code WSCGetProviderPath} (found in ws2_32 by {@code procAddress}), then {@code procAddress(path,
 * "WSPStartup")}. It lets the lower provider fill the proc table and then puts its own
 * {@code WSPSend} in front, which counts and forwards to the lower one.
 */
final class CountingLayer {

    final AtomicInteger sends = new AtomicInteger();
    final MemorySegment startup;
    private final Arena arena;
    private volatile MemorySegment lowerSend;

    CountingLayer(Arena arena) {
        this.arena = arena;
        this.startup = LPWSPSTARTUP.allocate(this::startup, arena);
    }

    private int startup(short version, MemorySegment data, MemorySegment protocolInfo, MemorySegment upcalls, MemorySegment procTable) {
        try {
            KernelPort kernel = KernelPort.system();
            MemorySegment info = protocolInfo.reinterpret(WSAPROTOCOL_INFOW.sizeof());
            int nextId = WSAPROTOCOLCHAIN.ChainEntries(WSAPROTOCOL_INFOW.ProtocolChain(info), 1);
            MethodHandle enumProtocols = Linker.nativeLinker().downcallHandle(kernel.procAddress("ws2_32.dll", "WSCEnumProtocols"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS));
            try (Arena call = Arena.ofConfined()) {
                MemorySegment err = call.allocate(ValueLayout.JAVA_INT);
                MemorySegment size = call.allocateFrom(ValueLayout.JAVA_INT, 0);
                int ignored = (int) enumProtocols.invokeExact(MemorySegment.NULL, MemorySegment.NULL, size, err);
                MemorySegment all = call.allocate(size.get(ValueLayout.JAVA_INT, 0), 8);
                int n = (int) enumProtocols.invokeExact(MemorySegment.NULL, all, size, err);
                MemorySegment next = null;
                for (int i = 0; i < n; i++) {
                    if (WSAPROTOCOL_INFOW.dwCatalogEntryId(WSAPROTOCOL_INFOW.asSlice(all, i)) == nextId) {
                        next = arena.allocate(WSAPROTOCOL_INFOW.layout()).copyFrom(WSAPROTOCOL_INFOW.asSlice(all, i).asSlice(0, WSAPROTOCOL_INFOW.sizeof()));
                    }
                }
                if (next == null) {
                    return 10022; // WSAEINVAL: the chain names an entry the catalog does not have
                }
                MemorySegment pathLength = call.allocateFrom(ValueLayout.JAVA_INT, 260);
                MemorySegment path = call.allocate(520);
                int rc = LPWPUGETPROVIDERPATH.invoke(kernel.procAddress("ws2_32.dll", "WSCGetProviderPath"),
                        WSAPROTOCOL_INFOW.ProviderId(next), path, pathLength, err);
                if (rc != 0) {
                    return err.get(ValueLayout.JAVA_INT, 0);
                }
                MemorySegment nextStartup = kernel.procAddress(path.getString(0, StandardCharsets.UTF_16LE), "WSPStartup");
                rc = LPWSPSTARTUP.invoke(nextStartup, version, data, next, upcalls, procTable);
                if (rc != 0) {
                    return rc;
                }
            }
            MemorySegment table = procTable.reinterpret(WSPPROC_TABLE.sizeof());
            lowerSend = WSPPROC_TABLE.lpWSPSend(table);
            WSPPROC_TABLE.lpWSPSend(table, LPWSPSEND.allocate(this::send, arena));
            return 0;
        } catch (Throwable t) {
            return 10107; // WSASYSCALLFAILURE; never throw into native code
        }
    }

    private int send(long s, MemorySegment buffers, int count, MemorySegment sent, int flags, MemorySegment ov,
                     MemorySegment routine, MemorySegment threadId, MemorySegment errno) {
        sends.incrementAndGet();
        return LPWSPSEND.invoke(lowerSend, s, buffers, count, sent, flags, ov, routine, threadId, errno);
    }
}
