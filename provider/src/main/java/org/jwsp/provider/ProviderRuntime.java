package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.kernel.KernelPort;
import org.jwsp.provider.filter.SendFilter;

/**
 * Everything one started jwsp owns, from the first WSPStartup to the last WSPCleanup: the
 * shared arena (upcall stubs, copies of the upcall and lower tables, the request slab, the
 * socket slab, the completion entries), the completion port and its worker, the started
 * chains and their lower providers, WSPAsyncSelect's window, and the entry classes, each built here with only the
 * collaborators it uses.
 *
 * <p>Threads: built, started and closed under {@link LayeredProvider}'s lock; the entries run
 * on client threads and reach only their own collaborators. {@link #close} runs after the last
 * WSPCleanup; no entry may be called after it (the contract forbids it; the stubs are freed).
 */
final class ProviderRuntime {

    private static final Logger LOG = LogManager.getLogger(ProviderRuntime.class);

    private final Arena arena = Arena.ofShared();
    private final UpcallTable upcalls;
    private final Chains chains;
    private final RequestSlab slab;
    private final SocketTable sockets;
    private final CompletionPort completions;
    private final SendPath sendPath;
    private final CompletionDelivery delivery;
    private final SocketEntries socketEntries;
    private final AsyncSelectWindow asyncSelects;
    /** jwsp's WSPPROC_TABLE, copied into each WSPStartup's lpProcTable. */
    final MemorySegment procTable;
    /** WSPStartups not yet undone by a WSPCleanup. Guarded by LayeredProvider's lock. */
    private int startups;

    ProviderRuntime(ProviderSettings settings, MemorySegment upcallTable) {
        try {
            KernelPort kernel = settings.kernel() != null ? settings.kernel() : KernelPort.system();
            this.upcalls = new UpcallTable(upcallTable, kernel, arena);
            this.chains = new Chains(kernel, upcalls, arena, settings.providerId());
            this.slab = new RequestSlab(arena, settings.requestPoolSize());
            this.sockets = new SocketTable(arena, settings.socketSlots());
            this.delivery = new CompletionDelivery(upcalls, slab, kernel);
            this.completions = new CompletionPort(kernel, slab, sockets, delivery, arena, settings.skipLowerPortOnSuccess());
            OverlappedRequests requests = new OverlappedRequests(slab, delivery);
            boolean posts = settings.lowerPostsImmediate();
            this.sendPath = new SendPath(sockets, requests, delivery, settings.filter());
            OverlappedProxy proxy = new OverlappedProxy(sockets, requests, kernel);
            LayeredIdentity identity = new LayeredIdentity(chains, proxy);
            ExtensionFunctions extensions = new ExtensionFunctions(sockets, proxy, sendPath, slab.large, kernel, arena);
            this.asyncSelects = new AsyncSelectWindow(kernel);
            this.socketEntries = new SocketEntries(chains, sockets, upcalls, completions, delivery, proxy, identity, extensions,
                    asyncSelects, posts);
            PassThrough passThrough = new PassThrough(chains, sockets, identity, extensions);
            this.procTable = ProcTable.build(sendPath, proxy, socketEntries, passThrough, arena);
            CallerPointers.probeWith(settings.probeCallerMemory() ? kernel : null);
            Errno.newRuntime();
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        delivery.start();
        completions.start();
    }

    /** WSPStartup for one of jwsp's catalog entries: its chain is started (once), and one more WSPStartup is counted. */
    void startup(MemorySegment protocolInfo) throws Throwable {
        chains.add(protocolInfo);
        startups++;
    }

    /** WSPCleanup: one WSPStartup undone; true when it was the last (the caller then closes this runtime). */
    boolean cleanup() {
        return --startups == 0;
    }

    void setFilter(SendFilter filter) {
        sendPath.setFilter(filter);
    }

    boolean releaseDelayed(long ticket) {
        return sendPath.releaseDelayed(ticket);
    }

    int outstandingRequests() {
        return slab.inUse();
    }

    int lentLargeCaptures() {
        return slab.large.inUse();
    }

    int openSockets() {
        return sockets.openCount();
    }

    /** Closes whatever the client left open, stops the worker, cleans up the lower providers, frees all. */
    void close() throws InterruptedException {
        ThreadScratch sc = ThreadScratch.get();
        for (SocketContext c : sockets.openSockets()) {
            socketEntries.closeAtCleanup(c, sc);
        }
        completions.stop();
        asyncSelects.close();
        chains.cleanupLowers(sc);
        if (slab.inUse() != 0) {
            LOG.warn("{} requests were still out at cleanup", slab.inUse());
        }
        CallerPointers.probeWith(null);
        delivery.retire(arena::close); // now, or once the routines still queued to live threads ran
    }
}
