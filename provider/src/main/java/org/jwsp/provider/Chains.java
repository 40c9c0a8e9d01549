package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelPort;

/**
 * The protocol chains of jwsp's catalog entries that have been started, and the lower
 * providers behind them (each started once, however many chains lead to it).
 *
 * <p>Threads: {@link #add} under {@link LayeredProvider}'s lock (WSPStartup); the lookups on
 * any client thread (WSPSocket, WSPAccept, WSPStringToAddress...): every method holds this
 * object's lock for a map lookup. Memory: each chain's protocol infos and each lower
 * provider's tables are in the provider's arena.
 */
final class Chains {

    private static final Logger LOG = LogManager.getLogger(Chains.class);

    /** One of jwsp's catalog entries and the started provider after it. */
    record Chain(ProtocolCatalog.NextLink link, LowerProvider lower) {
        /** The WSAPROTOCOL_INFOW the lower provider's entries expect: its own if it is a base provider, else the chain. */
        MemorySegment lowerSocketInfo() {
            return link.nextIsBase() ? link.nextInfo() : link.ownInfo();
        }

        /**
         * The lower provider is a base provider whose sockets are kernel handles ({@code XP1_IFS_HANDLES}):
         * SetFileCompletionNotificationModes on them means what it says. A layered provider's handle
         * is its own (WPUCreateSocketHandle) and its completions are its own posts, so it is not asked.
         */
        boolean lowerIfs() {
            return link.nextIsBase() && (WSAPROTOCOL_INFOW.dwServiceFlags1(link.nextInfo()) & ws2spi_h.XP1_IFS_HANDLES()) != 0;
        }
    }

    private final KernelPort kernel;
    private final ProtocolCatalog catalog;
    private final UpcallTable upcalls;
    private final Arena arena;
    /** The GUID of jwsp's hidden layered entry, by which it finds its own position in a chain. */
    private final UUID providerId;
    private final Map<Integer, Chain> chains = new LinkedHashMap<>();
    private final Map<String, LowerProvider> lowers = new LinkedHashMap<>();

    Chains(KernelPort kernel, UpcallTable upcalls, Arena arena, UUID providerId) {
        this.kernel = kernel;
        this.providerId = providerId;
        this.catalog = ProtocolCatalog.of(kernel);
        this.upcalls = upcalls;
        this.arena = arena;
    }

    /** Adds the chain of one of jwsp's catalog entries, starting its next provider if not yet started. */
    synchronized Chain add(MemorySegment protocolInfo) throws Throwable {
        int id = WSAPROTOCOL_INFOW.dwCatalogEntryId(protocolInfo.reinterpret(WSAPROTOCOL_INFOW.layout().byteSize()));
        Chain known = chains.get(id);
        if (known != null) {
            return known;
        }
        ProtocolCatalog.NextLink link = catalog.next(protocolInfo, providerId, arena);
        LowerProvider lower = lowers.get(link.nextPath());
        if (lower == null) {
            lower = LowerProvider.start(kernel, link.nextPath(), link.nextIsBase() ? link.nextInfo() : link.ownInfo(), upcalls, arena);
            lowers.put(link.nextPath(), lower);
        }
        Chain chain = new Chain(link, lower);
        chains.put(id, chain);
        return chain;
    }

    /** The chain of the entry {@code protocolInfo} names (WSPSocket, WSPAddressToString...), or the first one. */
    synchronized Chain of(MemorySegment protocolInfo) {
        if (protocolInfo.address() != 0) {
            int id = WSAPROTOCOL_INFOW.dwCatalogEntryId(protocolInfo.reinterpret(WSAPROTOCOL_INFOW.layout().byteSize()));
            Chain c = chains.get(id);
            if (c != null) {
                return c;
            }
        }
        return first();
    }

    synchronized Chain of(int catalogEntryId) {
        Chain c = chains.get(catalogEntryId);
        return c != null ? c : first();
    }

    synchronized Chain first() {
        return chains.values().iterator().next();
    }

    /** WSPCleanup of every lower provider jwsp started (the last WSPCleanup, after the worker stopped). */
    synchronized void cleanupLowers(ThreadScratch sc) {
        for (LowerProvider l : lowers.values()) {
            if (l.cleanup(sc.errno) != 0) {
                LOG.warn("WSPCleanup of {} answered {}", l.path, sc.errno());
            }
        }
    }
}
