package org.jwsp.jmh;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringSocketChannel;

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
 * The pipelined peer of jwsp's overlapped path: Netty 4.2's io_uring transport, with up to
 * {@code window} writes outstanding, each a no-copy composite over the shape's buffers of native
 * memory (the same memory a WSASend would gather). Netty keeps one write in flight per channel and
 * merges the writes queued behind it into the next, as jwsp merges queued sends, so the two are
 * compared at the same windows. One operation is one {@code writeAndFlush} from the benchmark
 * thread; its completion (the promise) frees its place in the window.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class NettySendBenchmark {

    @Param({"1x64", "8x1024", "16x65536"})
    public String shape;

    @Param({"1", "16", "64"})
    public int window;

    private Arena arena;
    private LoopbackSink sink;
    private EventLoopGroup group;
    private Channel channel;
    private CompositeByteBuf send;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong completedBytes = new AtomicLong();
    private volatile Throwable failure;
    private ChannelFutureListener completion;
    private long total;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws InterruptedException {
        if (!IoUring.isAvailable()) {
            throw new IllegalStateException("Netty's io_uring transport is not available: " + IoUring.unavailabilityCause());
        }
        Workload w = Workload.of(shape);
        total = w.total();
        arena = Arena.ofShared();
        sink = new LoopbackSink(Workload.label(params));
        group = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
        channel = new Bootstrap().group(group).channel(IoUringSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), sink.port())).sync().channel();
        send = new CompositeByteBuf(UnpooledByteBufAllocator.DEFAULT, true, w.buffers());
        for (int i = 0; i < w.buffers(); i++) {
            MemorySegment memory = arena.allocate(w.size());
            ByteBuf one = Unpooled.wrappedBuffer(memory.asByteBuffer()); // a view of the native memory, no copy
            send.addComponent(true, one);
        }
        completion = f -> {
            if (f.isSuccess()) {
                completedBytes.addAndGet(total);
            } else {
                failure = f.cause();
            }
            inFlight.decrementAndGet();
        };
    }

    @Benchmark
    public int nettyPipelinedWrite() {
        while (inFlight.get() >= window) {
            if (failure != null) {
                throw new IllegalStateException("a write failed", failure);
            }
            Thread.onSpinWait();
        }
        inFlight.incrementAndGet();
        channel.writeAndFlush(send.retainedDuplicate()).addListener(completion);
        return inFlight.get();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            channel.close().sync();
            sink.close();
            if (failure != null || sink.received() != completedBytes.get()) {
                throw new IllegalStateException("the drain received " + sink.received() + " bytes, the writes completed "
                        + completedBytes.get() + (failure == null ? "" : "; a write failed: " + failure));
            }
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
            send.release();
            arena.close();
        }
    }
}
