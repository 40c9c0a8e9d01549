package org.jwsp.testkit;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jwsp.bindings.linux.linux_h;

/**
 * TEST-ONLY: reads what reached the other end of a fake lower socket (the peer fd of its
 * socketpair), blocking or not, so tests check the bytes the application supplied arrived
 * whole and in order.
 */
public final class PeerReader {

    private PeerReader() {
    }

    /** Longest wait for the next bytes before a read gives up (a test fails instead of hanging). */
    private static final int READ_TIMEOUT_MILLIS = 20_000;

    /** Reads exactly {@code n} bytes, waiting (poll, bounded) for each chunk. */
    public static byte[] readExactly(int fd, int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(n);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(65536);
            MemorySegment pfd = a.allocate(org.jwsp.bindings.linux.pollfd.layout());
            long deadline = System.nanoTime() + READ_TIMEOUT_MILLIS * 1_000_000L;
            while (out.size() < n) {
                org.jwsp.bindings.linux.pollfd.fd(pfd, fd);
                org.jwsp.bindings.linux.pollfd.events(pfd, (short) linux_h.POLLIN());
                int left = (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
                int ready = left == 0 ? 0 : linux_h.poll(pfd, 1, left);
                if (ready == 0) {
                    throw new IllegalStateException("nothing more arrived after " + out.size() + " of " + n + " bytes");
                }
                if (ready < 0) {
                    continue; // EINTR: a signal reached this thread (poll is never restarted)
                }
                long got = linux_h.recv(fd, buf, Math.min(65536, n - out.size()), linux_h.MSG_DONTWAIT());
                if (got == 0) {
                    throw new IllegalStateException("peer closed after " + out.size() + " of " + n + " bytes");
                }
                if (got < 0) {
                    continue; // EINTR or EAGAIN: poll again
                }
                deadline = System.nanoTime() + READ_TIMEOUT_MILLIS * 1_000_000L;
                out.write(buf.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE), 0, (int) got);
            }
        }
        return out.toByteArray();
    }

    /** What is there right now, without waiting (empty if nothing). */
    public static byte[] readAvailable(int fd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(65536);
            while (true) {
                long got = linux_h.recv(fd, buf, 65536, linux_h.MSG_DONTWAIT());
                if (got <= 0) {
                    return out.toByteArray();
                }
                out.write(buf.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE), 0, (int) got);
            }
        }
    }

    /** Open file descriptors of this process (a leak check). */
    public static int openFds() {
        String[] l = new java.io.File("/proc/self/fd").list();
        return l == null ? -1 : l.length;
    }
}
