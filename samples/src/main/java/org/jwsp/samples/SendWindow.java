package org.jwsp.samples;

import static org.jwsp.bindings.windows.ws2spi_h.WSA_IO_PENDING;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.OVERLAPPED;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.kernel.KernelPort;

/**
 * Overlapped sends of one socket on an I/O completion port, up to {@code slots} in flight: the
 * send window a Windows program keeps, written once for the samples and the benchmarks. Each slot
 * owns one OVERLAPPED and one array of {@code buffersPerSend} WSABUFs; a slot is free again only
 * when its completion packet has been dequeued (a send that completed at once still queues one,
 * as on Windows). Every OVERLAPPED, WSABUF array and OVERLAPPED_ENTRY is sliced once, bounded
 * to itself ({@link Elements#at}), so clearing a slot can never touch a send in flight.
 *
 * <p>The program fills {@link #buffer(int, int)} of a {@link #slot()} and calls
 * {@link #send(int, int, long, Issue)}; the window clears the slot's OVERLAPPED, calls the
 * program's {@code WSASend} through {@link Issue}, and on each dequeued packet checks the key, that
 * the OVERLAPPED is one of its own, the status and the byte count. Nothing is allocated or sliced
 * per send (the {@link Issue} is made once by the caller).
 *
 * <p>One thread at a time. The caller's arena owns the memory; {@link #close()} waits for the
 * sends still in flight (so none writes to freed memory) and closes the port, before that arena
 * closes. Failures throw {@link SampleFailure}.
 */
public final class SendWindow implements AutoCloseable {

    /** The program's {@code WSASend} of one slot. */
    @FunctionalInterface
    public interface Issue {
        /**
         * @return 0 when {@code WSASend} returned 0, else {@code WSAGetLastError()} (WSA_IO_PENDING when pending)
         */
        int send(MemorySegment buffers, int count, MemorySegment overlapped);
    }

    /** Longest wait for one completion packet. */
    public static final int WAIT_MILLIS = 10_000;
    private static final long KEY = 0x5EED;
    private static final int PENDING = WSA_IO_PENDING();

    private final KernelPort kernel;
    private final long port;
    private final int slots;
    private final int buffersPerSend;
    private final MemorySegment overlappeds;
    private final MemorySegment entries;
    /** Each slot's OVERLAPPED, WSABUF array and each dequeue entry, sliced once (nothing is sliced per send). */
    private final MemorySegment[] slotOverlapped, slotBuffers, entry;
    private final long[] expected;
    private final int[] free;
    private int freeCount;
    private long completed;
    private long completedBytes;
    private long immediate;
    private long pending;
    /** {@link #spinning()}: reap by polling the port instead of waiting on it. */
    private boolean spin;

    /** A new completion port, {@code socket} associated with it, and the slots' memory from {@code arena}. */
    public SendWindow(KernelPort kernel, long socket, int slots, int buffersPerSend, Arena arena) {
        if (slots <= 0 || buffersPerSend <= 0) {
            throw new IllegalArgumentException("slots and buffers per send must be positive");
        }
        this.kernel = kernel;
        this.slots = slots;
        this.buffersPerSend = buffersPerSend;
        overlappeds = OVERLAPPED.allocateArray(slots, arena);
        MemorySegment wsabufs = WSABUF.allocateArray((long) slots * buffersPerSend, arena);
        entries = OVERLAPPED_ENTRY.allocateArray(Math.min(slots, 64), arena);
        slotOverlapped = new MemorySegment[slots];
        slotBuffers = new MemorySegment[slots];
        for (int k = 0; k < slots; k++) {
            slotOverlapped[k] = Elements.at(OVERLAPPED.layout(), overlappeds, k);
            slotBuffers[k] = wsabufs.asSlice((long) k * buffersPerSend * WSABUF.sizeof(), buffersPerSend * WSABUF.sizeof());
        }
        entry = new MemorySegment[(int) (entries.byteSize() / OVERLAPPED_ENTRY.sizeof())];
        for (int e = 0; e < entry.length; e++) {
            entry[e] = Elements.at(OVERLAPPED_ENTRY.layout(), entries, e);
        }
        expected = new long[slots];
        free = new int[slots];
        for (int k = 0; k < slots; k++) {
            free[k] = slots - 1 - k; // slot 0 first
        }
        freeCount = slots;
        port = kernel.createCompletionPort(0);
        try {
            kernel.associate(port, socket, KEY);
        } catch (RuntimeException e) {
            kernel.closeHandle(port);
            throw e;
        }
    }

    /** A free slot; when all are in flight, first waits for at least one completion. */
    public int slot() {
        while (freeCount == 0) {
            reap();
        }
        return free[freeCount - 1];
    }

    /** WSABUF {@code b} of {@code slot}'s array (one element, bounded). */
    public MemorySegment buffer(int slot, int b) {
        return Elements.at(WSABUF.layout(), slotBuffers[slot], b);
    }

    /**
     * Sends {@code count} WSABUFs of {@code slot} (which must be the one {@link #slot()} returned)
     * with a cleared OVERLAPPED; {@code bytes} is what its completion must report.
     */
    public void send(int slot, int count, long bytes, Issue issue) {
        if (freeCount == 0 || free[freeCount - 1] != slot || count < 1 || count > buffersPerSend) {
            throw new IllegalArgumentException("slot " + slot + " is not the free one, or " + count + " buffers");
        }
        MemorySegment ov = slotOverlapped[slot].fill((byte) 0);
        freeCount--;
        expected[slot] = bytes;
        int rc = issue.send(slotBuffers[slot], count, ov); // WSASend reads count of the slot's WSABUFs
        if (rc == 0) {
            immediate++;
        } else if (rc == PENDING) {
            pending++;
        } else {
            free[freeCount++] = slot; // no completion will come for it
            throw new SampleFailure("overlapped WSASend failed: WSA error " + rc);
        }
    }

    /**
     * From now on {@link #reap()} polls the port (GetQueuedCompletionStatusEx with a zero timeout,
     * again and again) instead of sleeping on it: the program's thread never sleeps, as a
     * busy-polling program's does, and as a Netty program's thread that spins on its own window.
     * It takes a core's worth of CPU while it waits.
     */
    public SendWindow spinning() {
        spin = true;
        return this;
    }

    /** Dequeues one batch of completion packets (waits up to {@link #WAIT_MILLIS}); returns how many. */
    public int reap() {
        int n = spin ? poll() : kernel.dequeue(port, entries, WAIT_MILLIS, false);
        if (n <= 0) {
            throw new SampleFailure("no completion packet within " + WAIT_MILLIS + " ms with " + inFlight()
                    + " sends in flight (dequeue " + n + ")");
        }
        for (int e = 0; e < n; e++) {
            MemorySegment packet = entry[e];
            if (OVERLAPPED_ENTRY.lpCompletionKey(packet) != KEY) {
                throw new SampleFailure("a packet with completion key " + OVERLAPPED_ENTRY.lpCompletionKey(packet));
            }
            long offset = OVERLAPPED_ENTRY.lpOverlapped(packet).address() - overlappeds.address();
            if (offset < 0 || offset % OVERLAPPED.sizeof() != 0 || offset / OVERLAPPED.sizeof() >= slots) {
                throw new SampleFailure("a packet for an OVERLAPPED that is not one of this window's");
            }
            int slot = (int) (offset / OVERLAPPED.sizeof());
            long status = OVERLAPPED.Internal(slotOverlapped[slot]);
            if (status != 0) {
                throw new SampleFailure("a send completed with status " + status);
            }
            long bytes = Integer.toUnsignedLong(OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(packet));
            if (bytes != expected[slot]) {
                throw new SampleFailure("a send completed with " + bytes + " bytes of " + expected[slot]);
            }
            free[freeCount++] = slot;
            completed++;
            completedBytes += bytes;
        }
        return n;
    }

    /** Polls the port until a packet is there, or {@link #WAIT_MILLIS} passed ({@link KernelPort#DEQUEUE_TIMEOUT}). */
    private int poll() {
        long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000L;
        while (true) {
            int n = kernel.dequeue(port, entries, 0, false);
            if (n != KernelPort.DEQUEUE_TIMEOUT || System.nanoTime() - deadline > 0) {
                return n;
            }
            Thread.onSpinWait();
        }
    }

    /** Waits until every send made has completed. */
    public void drain() {
        while (freeCount < slots) {
            reap();
        }
    }

    /** Sends made and not yet dequeued. */
    public int inFlight() {
        return slots - freeCount;
    }

    /** Completion packets dequeued. */
    public long completed() {
        return completed;
    }

    /** Bytes their completions reported. */
    public long completedBytes() {
        return completedBytes;
    }

    /** Sends whose WSASend returned 0 (completed at once). */
    public long immediate() {
        return immediate;
    }

    /** Sends whose WSASend returned WSA_IO_PENDING. */
    public long pending() {
        return pending;
    }

    /** Waits for what is still in flight (a failure here is dropped: the first one was already thrown), closes the port. */
    @Override
    public void close() {
        try {
            if (freeCount < slots) {
                drain();
            }
        } catch (SampleFailure ignored) {
            // The program is already failing; the port closes regardless.
        } finally {
            kernel.closeHandle(port);
        }
    }
}
