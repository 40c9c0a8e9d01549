package org.jwsp.host.ws2;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.jwsp.bindings.windows.LPWPUCLOSETHREAD;
import org.jwsp.bindings.windows.LPWPUOPENCURRENTTHREAD;
import org.jwsp.bindings.windows.WSATHREADID;
import org.jwsp.bindings.windows.WSPUPCALLTABLE;
import org.jwsp.host.upcall.Ws2UpcallTable;
import org.jwsp.kernel.KernelPort;

/**
 * The {@code WSATHREADID}s {@link Ws2} opened for the threads that called it, one per thread,
 * through the upcall table's {@code WPUOpenCurrentThread}. Each id's memory is its thread's own
 * (an automatic arena), so closing never frees memory a thread is passing to a provider.
 *
 * <p>Java has no thread-exit hook, so when a new thread opens its id the ids of threads that have
 * ended (their handle is signalled) are closed with {@code WPUCloseThread}, as ws2_32 closes a
 * thread's when it detaches: what is held is the live threads' ids plus those that ended since the
 * last new thread came. {@link #closeAll} at {@code WSACleanup}. Thread-safe (one lock).
 */
final class ThreadIdTable {

    private final KernelPort kernel;
    private final List<MemorySegment> ids = new ArrayList<>();

    ThreadIdTable(KernelPort kernel) {
        this.kernel = kernel;
    }

    /** The calling thread's new id (after closing those of ended threads); {@code errno} is the thread's lpErrno word. */
    MemorySegment open(MemorySegment errno) {
        synchronized (ids) {
            for (Iterator<MemorySegment> it = ids.iterator(); it.hasNext(); ) {
                MemorySegment id = it.next();
                if (kernel.waitForSingleObject(WSATHREADID.ThreadHandle(id).address(), 0, false) == KernelPort.WAIT_OBJECT_0) {
                    close(id, errno);
                    it.remove();
                }
            }
        }
        MemorySegment id = WSATHREADID.allocate(Arena.ofAuto());
        LPWPUOPENCURRENTTHREAD.invoke(WSPUPCALLTABLE.lpWPUOpenCurrentThread(Ws2UpcallTable.table()), id, errno);
        synchronized (ids) {
            ids.add(id);
        }
        return id;
    }

    /** How many ids are open. */
    int count() {
        synchronized (ids) {
            return ids.size();
        }
    }

    /** Closes every id ({@code WSACleanup}). */
    void closeAll(MemorySegment errno) {
        synchronized (ids) {
            for (MemorySegment id : ids) {
                close(id, errno);
            }
            ids.clear();
        }
    }

    private static void close(MemorySegment id, MemorySegment errno) {
        LPWPUCLOSETHREAD.invoke(WSPUPCALLTABLE.lpWPUCloseThread(Ws2UpcallTable.table()), id, errno);
    }
}
