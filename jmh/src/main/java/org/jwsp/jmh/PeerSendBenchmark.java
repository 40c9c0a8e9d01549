package org.jwsp.jmh;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jwsp.bindings.linux.iovec;
import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.msghdr;
import org.jwsp.samples.Elements;
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
 * The peers a gather-send over loopback TCP is measured against, in one run, with the shapes of
 * {@link JwspSendBenchmark}: the floor of one {@code sendmsg} system call per send from native
 * memory through FFM (what C {@code writev} costs), the JDK's {@code SocketChannel.write(ByteBuffer[])}
 * over direct buffers, and its {@code AsynchronousSocketChannel} gathering write (one in flight, as
 * the API allows). Each sends to a drain in a process of its own ({@link LoopbackSink}) and sets up
 * only what its benchmark uses.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PeerSendBenchmark {

    @Param({"1x64", "8x1024", "16x65536"})
    public String shape;

    private Arena arena;
    private long total;
    private long sentBytes;

    private LoopbackPair pair;
    private MemorySegment message;

    private LoopbackSink sink;
    private SocketChannel nioSender;
    private AsynchronousSocketChannel asyncSender;
    private ByteBuffer[] buffers;
    private final ThreadAllocation allocation = new ThreadAllocation();

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        String label = Workload.label(params);
        Workload w = Workload.of(shape);
        arena = Arena.ofShared();
        total = w.total();
        if (label.startsWith("ffmSendmsg")) {
            pair = new LoopbackPair(label);
            MemorySegment iov = iovec.allocateArray(w.buffers(), arena);
            for (int i = 0; i < w.buffers(); i++) {
                MemorySegment one = Elements.at(iovec.layout(), iov, i); // bounded: asSlice runs to the array's end
                iovec.iov_base(one, arena.allocate(w.size()));
                iovec.iov_len(one, w.size());
            }
            message = msghdr.allocate(arena);
            msghdr.msg_iov(message, iov);
            msghdr.msg_iovlen(message, w.buffers());
            return;
        }
        sink = new LoopbackSink(label);
        InetSocketAddress drain = new InetSocketAddress(InetAddress.getLoopbackAddress(), sink.port());
        if (label.startsWith("nio")) {
            nioSender = SocketChannel.open(drain);
            nioSender.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } else {
            asyncSender = AsynchronousSocketChannel.open();
            asyncSender.setOption(StandardSocketOptions.TCP_NODELAY, true);
            asyncSender.connect(drain).get(10, TimeUnit.SECONDS);
        }
        buffers = new ByteBuffer[w.buffers()];
        for (int i = 0; i < w.buffers(); i++) {
            buffers[i] = arena.allocate(w.size()).asByteBuffer();
        }
    }

    @Setup(Level.Iteration)
    public void beginIteration() {
        allocation.begin(sentBytes / total);
    }

    /** What the benchmark thread allocated per send (the peers have no worker thread of their own but the JDK's). */
    @TearDown(Level.Iteration)
    public void endIteration() {
        allocation.end(sentBytes / total);
        (pair != null ? pair.sink() : sink).threadBytesPerOp(allocation.bytesPerOp());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        try {
            if (pair != null) {
                pair.close();
                check(pair.received());
            } else {
                if (nioSender != null) {
                    nioSender.close();
                }
                if (asyncSender != null) {
                    asyncSender.close();
                }
                sink.close();
                check(sink.received());
            }
        } finally {
            arena.close();
        }
    }

    private void check(long received) {
        if (received != sentBytes) {
            throw new IllegalStateException("the drain received " + received + " bytes, the sends sent " + sentBytes);
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
        for (ByteBuffer b : buffers) {
            b.clear();
        }
        long sent = 0;
        while (sent < total) {
            sent += nioSender.write(buffers);
        }
        sentBytes += sent;
        return sent;
    }

    /** The JDK's asynchronous gathering write, awaited: the API allows one write in flight per channel. */
    @Benchmark
    public long asyncGatheringWrite() throws InterruptedException, ExecutionException, TimeoutException {
        for (ByteBuffer b : buffers) {
            b.clear();
        }
        long sent = 0;
        while (sent < total) {
            var done = new java.util.concurrent.CompletableFuture<Long>();
            asyncSender.write(buffers, 0, buffers.length, 10, TimeUnit.SECONDS, null,
                    new java.nio.channels.CompletionHandler<Long, Void>() {
                        @Override
                        public void completed(Long n, Void a) {
                            done.complete(n);
                        }

                        @Override
                        public void failed(Throwable t, Void a) {
                            done.completeExceptionally(t);
                        }
                    });
            sent += done.get(10, TimeUnit.SECONDS);
        }
        sentBytes += sent;
        return sent;
    }
}
