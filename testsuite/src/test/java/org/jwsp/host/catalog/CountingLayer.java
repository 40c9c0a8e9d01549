package org.jwsp.host.catalog;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.jwsp.bindings.windows.*;
import org.jwsp.kernel.KernelPort;

/**
 * A minimal layered provider for tests, written the way a real LSP finds its next provider: it
 * finds its own layered entry (by its provider GUID) in the chain it is started for, through
 * {@code WSCEnumProtocols} (found in ws2_32 by {@code procAddress}), takes the entry after it and
 * that entry's {@code WSCGetProviderPath}, then {@code procAddress(path, "WSPStartup")}; a next
 * provider that is itself layered gets the chain, a base provider its own entry. It may sit
 * anywhere in a chain. It lets the lower provider fill the proc table and then puts its own
 * {@code WSPSend} in front, which counts and forwards to the lower one.
 */
public final class CountingLayer {

    public final AtomicInteger sends = new AtomicInteger();
    public final MemorySegment startup;
    private final Arena arena;
    /** The GUID its layered entry is installed under: it finds its own position in a chain by it. */
    public final UUID providerId;
    private volatile MemorySegment lowerSend;

    /** A layer that will be installed under a fresh GUID ({@link #providerId}). */
    public CountingLayer(Arena arena) {
        this(arena, UUID.randomUUID());
    }

    /** A layer that will be installed under {@code providerId} (its layered entry's GUID). */
    public CountingLayer(Arena arena, UUID providerId) {
        this.arena = arena;
        this.providerId = providerId;
        this.startup = LPWSPSTARTUP.allocate(this::startup, arena);
    }

    private int startup(short version, MemorySegment data, MemorySegment protocolInfo, MemorySegment upcalls, MemorySegment procTable) {
        try {
            KernelPort kernel = KernelPort.system();
            MemorySegment info = protocolInfo.reinterpret(WSAPROTOCOL_INFOW.sizeof());
            MemorySegment chain = WSAPROTOCOL_INFOW.ProtocolChain(info);
            int chainLength = WSAPROTOCOLCHAIN.ChainLen(chain);
            MethodHandle enumProtocols = Linker.nativeLinker().downcallHandle(kernel.procAddress("ws2_32.dll", "WSCEnumProtocols"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.ADDRESS));
            try (Arena call = Arena.ofConfined()) {
                MemorySegment err = call.allocate(ValueLayout.JAVA_INT);
                MemorySegment size = call.allocateFrom(ValueLayout.JAVA_INT, 0);
                int ignored = (int) enumProtocols.invokeExact(MemorySegment.NULL, MemorySegment.NULL, size, err);
                MemorySegment all = call.allocate(size.get(ValueLayout.JAVA_INT, 0), 8);
                int n = (int) enumProtocols.invokeExact(MemorySegment.NULL, all, size, err);
                int position = 0;
                for (int k = 0; k < chainLength - 1; k++) {
                    for (int i = 0; i < n; i++) {
                        MemorySegment e = WSAPROTOCOL_INFOW.asSlice(all, i);
                        if (WSAPROTOCOL_INFOW.dwCatalogEntryId(e) == WSAPROTOCOLCHAIN.ChainEntries(chain, k)
                                && WSAPROTOCOLCHAIN.ChainLen(WSAPROTOCOL_INFOW.ProtocolChain(e)) == 0
                                && Guids.read(WSAPROTOCOL_INFOW.ProviderId(e)).equals(providerId)) {
                            position = k;
                        }
                    }
                }
                int nextId = WSAPROTOCOLCHAIN.ChainEntries(chain, position + 1);
                MemorySegment next = null;
                for (int i = 0; i < n; i++) {
                    if (WSAPROTOCOL_INFOW.dwCatalogEntryId(WSAPROTOCOL_INFOW.asSlice(all, i)) == nextId) {
                        next = arena.allocate(WSAPROTOCOL_INFOW.layout()).copyFrom(WSAPROTOCOL_INFOW.asSlice(all, i).asSlice(0, WSAPROTOCOL_INFOW.sizeof()));
                    }
                }
                if (next == null) {
                    return 10022; // WSAEINVAL: the chain names an entry the catalog does not have
                }
                boolean nextIsBase = position + 2 == chainLength;
                MemorySegment pathLength = call.allocateFrom(ValueLayout.JAVA_INT, 260);
                MemorySegment path = call.allocate(520);
                int rc = LPWPUGETPROVIDERPATH.invoke(kernel.procAddress("ws2_32.dll", "WSCGetProviderPath"),
                        WSAPROTOCOL_INFOW.ProviderId(next), path, pathLength, err);
                if (rc != 0) {
                    return err.get(ValueLayout.JAVA_INT, 0);
                }
                MemorySegment nextStartup = kernel.procAddress(path.getString(0, StandardCharsets.UTF_16LE), "WSPStartup");
                rc = LPWSPSTARTUP.invoke(nextStartup, version, data, nextIsBase ? next : info, upcalls, procTable);
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
