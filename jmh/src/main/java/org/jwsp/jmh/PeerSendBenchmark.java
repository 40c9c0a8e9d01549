package org.jwsp.jmh;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.jwsp.bindings.linux.iovec;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.msghdr;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The peers a gather-send over loopback TCP is measured against, in one run: the floor of one
 * {@code sendmsg} system call per send from native memory through FFM (what C {@code writev}
 * costs), and the JDK's own {@code SocketChannel.write(ByteBuffer[])} over direct buffers.
 * Each sends {@code buffers} buffers of {@code size} bytes per operation to a drain in a process
 * of its own ({@link LoopbackSink}), and sets up only what its benchmark uses.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PeerSendBenchmark {

    @Param({"1", "16"})
    public int buffers;

    @Param({"64", "65536"})
    public int size;

    private Arena arena;
    private LoopbackPair pair;
    private MemorySegment message;
    private long total;
    private long sentBytes;

    private LoopbackSink nioSink;
    private SocketChannel nioSender;
    private ByteBuffer[] nioBuffers;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws IOException {
        String name = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1) + " " + buffers + "x" + size;
        arena = Arena.ofShared();
        total = (long) buffers * size;
        if (name.startsWith("ffmSendmsg")) {
            pair = new LoopbackPair(name);
            MemorySegment iov = iovec.allocateArray(buffers, arena);
            for (int i = 0; i < buffers; i++) {
                MemorySegment one = iovec.asSlice(iov, i);
                iovec.iov_base(one, arena.allocate(size));
                iovec.iov_len(one, size);
            }
            message = msghdr.allocate(arena);
            msghdr.msg_iov(message, iov);
            msghdr.msg_iovlen(message, buffers);
        } else {
            nioSink = new LoopbackSink(name);
            nioSender = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), nioSink.port()));
            nioSender.setOption(StandardSocketOptions.TCP_NODELAY, true);
            nioBuffers = new ByteBuffer[buffers];
            for (int i = 0; i < buffers; i++) {
                nioBuffers[i] = ByteBuffer.allocateDirect(size);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        try {
            if (pair != null) {
                pair.close();
                if (pair.received() != sentBytes) {
                    throw new IllegalStateException("the drain received " + pair.received() + " bytes, sendmsg sent " + sentBytes);
                }
            }
            if (nioSender != null) {
                nioSender.close();
                nioSink.close();
                if (nioSink.received() != sentBytes) {
                    throw new IllegalStateException("the drain received " + nioSink.received() + " bytes, write sent " + sentBytes);
                }
            }
        } finally {
            arena.close();
        }
    }

    /**
     * One sendmsg(2) per operation, gathering straight from native memory. A blocking TCP
     * socket sends everything or fails, so a short count is an error, not a retry.
     */
    @Benchmark
    public long ffmSendmsg() {
        long n = linux_h.sendmsg(pair.sender, message, linux_h.MSG_NOSIGNAL());
        if (n != total) {
            throw new IllegalStateException("sendmsg returned " + n + " of " + total);
        }
        sentBytes += n;
        return n;
    }

    /** The JDK's gathering write over direct buffers (one writev per call). */
    @Benchmark
    public long nioGatheringWrite() throws IOException {
        for (ByteBuffer b : nioBuffers) {
            b.clear();
        }
        long sent = 0;
        while (sent < total) {
            sent += nioSender.write(nioBuffers);
        }
        sentBytes += sent;
        return sent;
    }
}
