package org.jwsp.provider;

import java.util.SplittableRandom;

/**
 * The kinds of pointer a fuzz case passes, and how to make one: a good one, or one jwsp must
 * refuse with WSAEFAULT without touching it (null, misaligned, in the first 64 KiB,
 * non-canonical, kernel space, or above the end of user space). Misaligned pointers
 * point into good memory, so a provider that touched one anyway would not crash, but the test
 * sees the write (it checks the sentinel around them).
 */
enum FuzzPointers {
    GOOD, NULL, MISALIGNED, LOW, NON_CANONICAL, KERNEL, PAST_USER_END;

    /** One past the last Linux x86-64 user address (4-level paging). */
    static final long USER_END = 0x7FFF_FFFF_F000L;

    /** A pointer of this kind, {@code good} being a real one aligned to {@code align}. */
    long make(SplittableRandom r, long good, int align) {
        return switch (this) {
            case GOOD -> good;
            case NULL -> 0;
            case MISALIGNED -> align > 1 ? good + 1 + r.nextInt(align - 1) : good;
            case LOW -> 1 + r.nextLong(0xFFFF);
            case NON_CANONICAL -> r.nextBoolean() ? 0x0000_8000_0000_0000L + (r.nextLong(1L << 46) & -8L)
                    : 0x8000_0000_0000_0000L + (r.nextLong(1L << 46) & -8L);
            case KERNEL -> 0xFFFF_8000_0000_0000L + (r.nextLong(1L << 46) & -8L);
            case PAST_USER_END -> USER_END + (r.nextInt(0x1000) & -8); // the last page below 2^47, never mapped
        };
    }

    /** Whether a pointer of this kind must be refused (MISALIGNED only when alignment matters). */
    boolean bad(int align) {
        return this != GOOD && !(this == MISALIGNED && align == 1);
    }

    /** GOOD with probability {@code pGood}, otherwise a bad kind (NULL included iff {@code withNull}). */
    static FuzzPointers pick(SplittableRandom r, double pGood, boolean withNull) {
        if (r.nextDouble() < pGood) {
            return GOOD;
        }
        FuzzPointers[] bad = {NULL, MISALIGNED, LOW, NON_CANONICAL, KERNEL, PAST_USER_END};
        FuzzPointers p = bad[r.nextInt(bad.length)];
        return p == NULL && !withNull ? KERNEL : p;
    }
}
