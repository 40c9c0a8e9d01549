package org.jwsp.samples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The peer of the samples: a TCP echo server on 127.0.0.1 (never any other address), written
 * with plain Java NIO so that it is not part of what is being shown. One platform thread accepts;
 * one per connection reads and writes everything back until the client closes.
 *
 * <p>Owns its channels and threads; {@link #close()} closes them and joins the threads.
 */
public final class EchoServer implements AutoCloseable {

    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final List<SocketChannel> connections = new CopyOnWriteArrayList<>();
    private final List<Thread> echoes = new CopyOnWriteArrayList<>();
    private final AtomicLong echoed = new AtomicLong();

    private EchoServer(ServerSocketChannel server) {
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("echo-accept").start(this::accept);
    }

    /** Starts an echo server on 127.0.0.1 at a free port. */
    public static EchoServer start() throws IOException {
        return start(0);
    }

    /**
     * Starts an echo server on 127.0.0.1:{@code port} (0: a free port).
     *
     * @throws SampleFailure if the port is in use or cannot be bound
     */
    public static EchoServer start(int port) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        try {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            s.close();
            throw new SampleFailure("cannot listen on 127.0.0.1:" + port + ": "
                    + (e instanceof java.net.BindException ? "the port is in use" : e.getMessage()));
        }
        return new EchoServer(s);
    }

    /** The port it listens on (127.0.0.1). */
    public int port() {
        try {
            return ((InetSocketAddress) server.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bytes echoed so far, over every connection. */
    public long echoed() {
        return echoed.get();
    }

    private void accept() {
        try {
            while (true) {
                SocketChannel c = server.accept();
                connections.add(c);
                echoes.add(Thread.ofPlatform().daemon().name("echo").start(() -> echo(c)));
            }
        } catch (IOException closed) {
            // close() ends the accept loop
        }
    }

    private void echo(SocketChannel c) {
        ByteBuffer b = ByteBuffer.allocateDirect(64 * 1024);
        try (c) {
            while (c.read(b.clear()) > 0) {
                b.flip();
                int n = b.remaining();
                while (b.hasRemaining()) {
                    c.write(b);
                }
                echoed.addAndGet(n);
            }
        } catch (ClosedChannelException closed) {
            // close() ended it
        } catch (IOException e) {
            // the client went away; the client side reports what it missed
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        server.close();
        acceptor.join(5_000);
        for (SocketChannel c : connections) {
            c.close();
        }
        for (Thread t : echoes) {
            t.join(5_000);
        }
    }
}
