package org.jwsp.samples;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * The bytes a sample sends: a pseudo-random stream whose byte at offset {@code i} is
 * {@code block[i % PERIOD]}. The period is prime (2^17 - 1), so no send size a sample uses
 * divides it: a lost, doubled or reordered send shows as a mismatch at the receiver.
 *
 * <p>Immutable after construction, shared by any thread; the block lives in the global arena.
 */
public final class StreamPattern {

    /** Period of the stream; prime. */
    static final int PERIOD = 131_071;
    /** The largest single slice {@link #fill} and {@link #matches} accept. */
    public static final int MAX_SLICE = PERIOD;

    private static final MemorySegment BLOCK = block();

    private StreamPattern() {
    }

    private static MemorySegment block() {
        MemorySegment b = Arena.global().allocate(2L * PERIOD);
        RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(0x6A777370L);
        for (int i = 0; i < PERIOD; i++) {
            byte v = (byte) r.nextInt();
            b.set(ValueLayout.JAVA_BYTE, i, v);
            b.set(ValueLayout.JAVA_BYTE, i + PERIOD, v);
        }
        return b;
    }

    /** Writes the stream's bytes {@code [offset, offset + into.byteSize())} into {@code into}. */
    public static void fill(MemorySegment into, long offset) {
        long done = 0;
        while (done < into.byteSize()) {
            long n = Math.min(into.byteSize() - done, PERIOD);
            MemorySegment.copy(BLOCK, (offset + done) % PERIOD, into, done, n);
            done += n;
        }
    }

    /** Whether {@code got} holds exactly the stream's bytes from {@code offset} on. */
    public static boolean matches(MemorySegment got, long offset) {
        long done = 0;
        while (done < got.byteSize()) {
            long n = Math.min(got.byteSize() - done, PERIOD);
            long start = (offset + done) % PERIOD;
            if (MemorySegment.mismatch(BLOCK, start, start + n, got, done, done + n) >= 0) {
                return false;
            }
            done += n;
        }
        return true;
    }
}
