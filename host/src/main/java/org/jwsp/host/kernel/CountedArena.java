package org.jwsp.host.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shared {@link Arena} that counts what it holds, so the host's tests can prove that every
 * native allocation of the host (rings' packets, requests, socket scratch, tables) is released:
 * {@link #liveArenas()} and {@link #liveBytes()} go back to where they were.
 *
 * <p>Every host object that owns native memory owns exactly one of these and closes it when
 * it is closed. Allocation is not on the hot path (pools are filled once). Thread-safe.
 */
public final class CountedArena implements Arena {

    private static final AtomicLong LIVE_ARENAS = new AtomicLong();
    private static final AtomicLong LIVE_BYTES = new AtomicLong();

    private final Arena arena = Arena.ofShared();
    private final AtomicLong bytes = new AtomicLong();

    public CountedArena() {
        LIVE_ARENAS.incrementAndGet();
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        MemorySegment segment = arena.allocate(byteSize, byteAlignment);
        bytes.addAndGet(byteSize);
        LIVE_BYTES.addAndGet(byteSize);
        return segment;
    }

    @Override
    public MemorySegment.Scope scope() {
        return arena.scope();
    }

    @Override
    public void close() {
        arena.close();
        LIVE_BYTES.addAndGet(-bytes.get());
        LIVE_ARENAS.decrementAndGet();
    }

    /** Host arenas not yet closed, process-wide. */
    public static long liveArenas() {
        return LIVE_ARENAS.get();
    }

    /** Bytes allocated from host arenas not yet closed, process-wide. */
    public static long liveBytes() {
        return LIVE_BYTES.get();
    }
}
