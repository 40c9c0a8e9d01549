package org.jwsp.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;

import org.jwsp.provider.filter.SendView;
import org.junit.jupiter.api.Test;
import org.jwsp.samples.filter.SendMeter;

/**
 * {@link SendMeter} allocates nothing per send: its {@code onSend} and {@code onComplete}, called
 * as jwsp calls them (one reused view), measured with {@code ThreadMXBean#getThreadAllocatedBytes}
 * as HotPathAllocationTest measures jwsp itself, after a warm-up that made the cells.
 */
class SendMeterAllocationTest {

    private static final int WARMUP = 100_000;
    private static final int MEASURED = 50_000;
    private static final long SLACK_BYTES = 16 * 1024;
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A send to 127.0.0.1:port from this thread, as jwsp's flyweight would show it. */
    private static final class View implements SendView {
        final MemorySegment peer = Arena.ofAuto().allocate(28);
        long size;

        View port(int port) {
            peer.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 2);
            peer.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
            peer.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 4, 0x7F000001);
            return this;
        }

        @Override public long socket() { return 42; }
        @Override public int socketType() { return 1; }
        @Override public int addressFamily() { return 2; }
        @Override public int protocol() { return 6; }
        @Override public boolean overlapped() { return true; }
        @Override public boolean nonBlocking() { return false; }
        @Override public boolean connected() { return true; }
        @Override public int maxMessageSize() { return Integer.MAX_VALUE; }
        @Override public int bufferCount() { return 1; }
        @Override public long bufferLength(int i) { return size; }
        @Override public long totalBytes() { return size; }
        @Override public int flags() { return 0; }
        @Override public MemorySegment peer() { return peer; }
        @Override public long ticket() { return 1; }
        @Override public long acceptedNanos() { return System.nanoTime() - 1_000; }
        @Override public long callerThreadId() { return Thread.currentThread().threadId(); }
        @Override public void copyPayload(long offset, MemorySegment into, long intoOffset, long length) { }
    }

    @Test
    void meteringASendAllocatesNothing() {
        SendMeter meter = new SendMeter();
        View a = new View().port(40000);
        View b = new View().port(40001);
        sends(meter, a, b, WARMUP);
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 10 && allocated >= SLACK_BYTES; round++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            sends(meter, a, b, MEASURED);
            allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        }
        assertTrue(allocated < SLACK_BYTES, "allocated " + allocated + " B over " + MEASURED + " metered sends");
        assertEquals(2, meter.snapshot().size(), "one cell per destination of this thread (\"other\" is empty, so not shown)");
        assertEquals(meter.snapshot().get(1).sends(), meter.snapshot().get(1).latencies().getTotalCount());
    }

    private static void sends(SendMeter meter, View a, View b, int n) {
        for (int i = 0; i < n; i++) {
            View v = (i & 1) == 0 ? a : b;
            v.size = 1 + (i & 0xFFF);
            meter.onSend(v);
            meter.onComplete(v, 0, v.size);
        }
    }
}
