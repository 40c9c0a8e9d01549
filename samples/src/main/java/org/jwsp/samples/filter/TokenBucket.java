package org.jwsp.samples.filter;

/**
 * A token bucket as a release schedule (the generic cell rate algorithm): {@link #admit} says when
 * a send of so many bytes may go, given when it arrived. The bucket fills at {@code rate} bytes per
 * second up to {@code burst} bytes beyond one send; a send that finds it short waits until it has
 * filled enough. Over any busy period the bytes admitted by time t are at most
 * {@code burst + rate * t} plus one send, and a backlog is admitted at exactly {@code rate}: the
 * schedule is computed from the configured rate, not from when a thread happened to wake up, so
 * late wake-ups never accumulate.
 *
 * <p>Pure arithmetic on nanosecond timestamps the caller supplies (tests drive it with their own
 * clock); not thread-safe: {@link TokenBucketShaper} calls it under its lock.
 */
public final class TokenBucket {

    private final long rate;
    private final long burstNanos;
    /** The theoretical arrival time: when the bucket will have room again for a send without burst. */
    private long tat = Long.MIN_VALUE;

    /**
     * @param bytesPerSecond the rate, at least 1
     * @param burstBytes     bytes that may go at once beyond one send (0: none)
     */
    public TokenBucket(long bytesPerSecond, long burstBytes) {
        if (bytesPerSecond < 1 || burstBytes < 0) {
            throw new IllegalArgumentException("rate " + bytesPerSecond + " B/s, burst " + burstBytes + " B");
        }
        this.rate = bytesPerSecond;
        this.burstNanos = nanos(burstBytes);
    }

    /** How long {@code bytes} take at the rate. */
    public long nanos(long bytes) {
        return bytes <= Long.MAX_VALUE / 1_000_000_000L ? bytes * 1_000_000_000L / rate : (long) (bytes * 1e9 / rate);
    }

    /**
     * A send of {@code bytes} arrived at {@code now}: returns when it may go (at least {@code now})
     * and takes its tokens. Sends must be admitted in arrival order.
     */
    public long admit(long now, long bytes) {
        if (tat == Long.MIN_VALUE || tat - now < 0) {
            tat = now; // idle: the bucket is full again
        }
        long release = Math.max(now, tat - burstNanos);
        tat = Math.max(tat, release) + nanos(bytes);
        return release;
    }
}
