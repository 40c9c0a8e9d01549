package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.LPWSPCLOSESOCKET;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;

/**
 * Everything one started jwsp owns, from the first WSPStartup to the last WSPCleanup: the
 * shared arena (upcall stubs, copies of the upcall and lower tables, the request slab, the
 * socket slab, the completion entries), the completion port and its worker, the lower
 * providers it started, and the chains of its catalog entries.
 *
 * <p>Threads: built and closed under {@link LayeredProvider}'s lock; read without a lock by
 * every entry (its fields are final or volatile). {@link #close} runs after the last
 * WSPCleanup; no entry may be called after it (the contract forbids it; the stubs are freed).
 */
final class ProviderRuntime {

    private static final Logger LOG = LogManager.getLogger(ProviderRuntime.class);

    /** One of jwsp's catalog entries and the started provider after it. */
    record Chain(ProtocolCatalog.NextLink link, LowerProvider lower) {
        /** The WSAPROTOCOL_INFOW the lower provider's entries expect: its own if it is a base provider, else the chain. */
        MemorySegment lowerSocketInfo() {
            return link.nextIsBase() ? link.nextInfo() : link.ownInfo();
        }
    }

    final Arena arena = Arena.ofShared();
    final KernelPort kernel;
    final UpcallTable upcalls;
    final ProtocolCatalog catalog;
    final RequestSlab slab;
    final SocketTable sockets;
    final CompletionDelivery delivery;
    final CompletionPort completions;
    final boolean lowerPostsImmediate;
    final SendPath sendPath;
    final OverlappedProxy proxy;
    final SocketEntries socketEntries;
    final PassThrough passThrough;
    final MemorySegment procTable;
    volatile SendFilter filter;
    int startups;
    private final Map<Integer, Chain> chains = new LinkedHashMap<>();
    private final Map<String, LowerProvider> lowers = new LinkedHashMap<>();

    ProviderRuntime(ProviderSettings settings, MemorySegment upcallTable) {
        try {
            this.kernel = settings.kernel() != null ? settings.kernel() : KernelPort.system();
            this.upcalls = new UpcallTable(upcallTable, kernel, arena);
            this.catalog = new ProtocolCatalog(kernel);
            this.slab = new RequestSlab(arena, settings.requestPoolSize());
            this.sockets = new SocketTable(arena, settings.socketSlots());
            this.delivery = new CompletionDelivery(this, upcalls, slab, kernel, arena);
            this.completions = new CompletionPort(kernel, slab, delivery, arena);
            this.lowerPostsImmediate = settings.lowerPostsImmediate();
            this.filter = settings.filter();
            this.sendPath = new SendPath(this);
            this.proxy = new OverlappedProxy(this);
            this.socketEntries = new SocketEntries(this);
            this.passThrough = new PassThrough(this);
            this.procTable = ProcTable.build(this, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        completions.start();
    }

    /** Adds the chain of one of jwsp's catalog entries, starting its next provider if not yet started. */
    synchronized Chain addChain(MemorySegment protocolInfo) throws Throwable {
        int id = WSAPROTOCOL_INFOW.dwCatalogEntryId(protocolInfo.reinterpret(WSAPROTOCOL_INFOW.layout().byteSize()));
        Chain known = chains.get(id);
        if (known != null) {
            return known;
        }
        ProtocolCatalog.NextLink link = catalog.next(protocolInfo, arena);
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
    synchronized Chain chainFor(MemorySegment protocolInfo) {
        if (protocolInfo.address() != 0) {
            int id = WSAPROTOCOL_INFOW.dwCatalogEntryId(protocolInfo.reinterpret(WSAPROTOCOL_INFOW.layout().byteSize()));
            Chain c = chains.get(id);
            if (c != null) {
                return c;
            }
        }
        return defaultChain();
    }

    synchronized Chain chainOf(int catalogEntryId) {
        Chain c = chains.get(catalogEntryId);
        return c != null ? c : defaultChain();
    }

    synchronized Chain defaultChain() {
        return chains.values().iterator().next();
    }

    /** The open jwsp socket behind a client handle (WPUQuerySocketHandleContext), or null. Hot: no allocation. */
    SocketContext socketOf(long s, ThreadScratch sc) {
        if (upcalls.querySocketHandleContext(s, sc.context, sc.errno) != 0) {
            return null;
        }
        return sockets.of(sc.context.get(ValueLayout.JAVA_LONG, 0));
    }

    /** Closes whatever the client left open, stops the worker, cleans up the lower providers, frees all. */
    synchronized void close(MemorySegment lpErrno) throws InterruptedException {
        ThreadScratch sc = ThreadScratch.get();
        for (SocketContext c : sockets.openSockets()) {
            SendRequest aborted;
            synchronized (c) {
                c.closing = true;
                c.queue.abortWaiting();
                aborted = c.queue.takeDone();
            }
            delivery.deliverAll(aborted, sc);
            LPWSPCLOSESOCKET.invoke(WSPPROC_TABLE.lpWSPCloseSocket(c.lower.table), c.lowerHandle, sc.errno);
            SocketEntries.awaitQuiet(c); // the worker still runs: the lower provider's aborts reach the client
            upcalls.closeSocketHandle(c.handle, sc.errno);
            sockets.free(c);
        }
        completions.stop();
        for (LowerProvider l : lowers.values()) {
            if (l.cleanup(sc.errno) != 0) {
                LOG.warn("WSPCleanup of {} answered {}", l.path, sc.errno());
            }
        }
        if (slab.inUse() != 0) {
            LOG.warn("{} requests were still out at cleanup", slab.inUse());
        }
        arena.close();
    }
}
