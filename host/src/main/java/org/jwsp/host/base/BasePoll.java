package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.linux.linux_h;
import org.jwsp.bindings.linux.pollfd;
import org.jwsp.bindings.windows.WSAPOLLDATA;
import org.jwsp.bindings.windows.WSAPOLLFD;
import org.jwsp.host.kernel.Libc;
import org.jwsp.host.upcall.WsaErrors;

/**
 * {@code SIO_EXT_POLL} on the base provider: what ws2_32's {@code WSAPoll} asks of the provider
 * that {@code SIO_BSP_HANDLE_POLL} named, with a {@code WSAPOLLDATA} (result, fds, timeout, the
 * program's {@code WSAPOLLFD} array with handles of this provider). Each handle becomes its fd,
 * Windows' {@code POLL*} bits Linux's, one {@code poll(2)} on the caller's thread waits up to the
 * timeout, and the {@code revents} and the count of ready entries are written back. A handle that
 * is not this provider's socket gets {@code POLLNVAL}, as Windows reports it.
 *
 * <p>Called from {@link OptionCalls#ioctl} on the caller's thread; its {@code pollfd} array is in a
 * confined arena of the call; the socket references it takes are released before it returns.
 */
final class BasePoll {

    private BasePoll() {
    }

    /** Bytes written to {@code out} (the whole WSAPOLLDATA), or -(WSA error). */
    static int extPoll(BaseProvider provider, MemorySegment in, int inLength, MemorySegment out, int outLength) {
        if (in.address() == 0 || out.address() == 0 || inLength < WSAPOLLDATA.sizeof() || outLength < inLength) {
            return -WSAEFAULT();
        }
        MemorySegment head = in.reinterpret(WSAPOLLDATA.sizeof());
        long count = Integer.toUnsignedLong(WSAPOLLDATA.fds(head));
        long size = WSAPOLLDATA.fdArray$offset() + count * WSAPOLLFD.sizeof();
        if (count == 0 || size > inLength) {
            return -(count == 0 ? WSAEINVAL() : WSAEFAULT());
        }
        MemorySegment data = out.reinterpret(size);
        if (in.address() != out.address()) {
            data.copyFrom(in.reinterpret(size));
        }
        MemorySegment fds = data.asSlice(WSAPOLLDATA.fdArray$offset());
        BaseSocket[] held = new BaseSocket[(int) count];
        try (Arena call = Arena.ofConfined()) {
            MemorySegment linux = pollfd.allocateArray(count, call);
            for (int i = 0; i < count; i++) {
                MemorySegment w = WSAPOLLFD.asSlice(fds, i);
                MemorySegment l = pollfd.asSlice(linux, i);
                held[i] = provider.sockets.acquire(WSAPOLLFD.fd(w));
                pollfd.fd(l, held[i] == null ? -1 : held[i].fd);
                pollfd.events(l, (short) toLinux(WSAPOLLFD.events(w)));
            }
            int ready = Libc.poll(linux, count, WSAPOLLDATA.timeout(data));
            if (ready < 0) {
                return -WsaErrors.fromErrno(-ready);
            }
            int result = 0;
            for (int i = 0; i < count; i++) {
                MemorySegment w = WSAPOLLFD.asSlice(fds, i);
                int revents = held[i] == null ? POLLNVAL() : toWindows(pollfd.revents(pollfd.asSlice(linux, i)), WSAPOLLFD.events(w));
                WSAPOLLFD.revents(w, (short) revents);
                result += revents != 0 ? 1 : 0;
            }
            WSAPOLLDATA.result(data, result);
            return (int) size;
        } finally {
            for (BaseSocket s : held) {
                BaseSocket.release(s);
            }
        }
    }

    private static int toLinux(int events) {
        int l = 0;
        l |= (events & (POLLRDNORM() | POLLRDBAND())) != 0 ? linux_h.POLLIN() : 0;
        l |= (events & POLLPRI()) != 0 ? 0x2 : 0; // Linux POLLPRI
        l |= (events & (POLLWRNORM() | POLLWRBAND())) != 0 ? linux_h.POLLOUT() : 0;
        return l;
    }

    /** Linux's answer as Windows reports it: only the requested read/write bits, plus error and hang-up. */
    private static int toWindows(int revents, int requested) {
        int w = 0;
        if ((revents & linux_h.POLLIN()) != 0) {
            w |= requested & (POLLRDNORM() | POLLRDBAND());
        }
        if ((revents & linux_h.POLLOUT()) != 0) {
            w |= requested & (POLLWRNORM() | POLLWRBAND());
        }
        w |= (revents & linux_h.POLLERR()) != 0 ? POLLERR() : 0;
        w |= (revents & linux_h.POLLHUP()) != 0 ? POLLHUP() : 0;
        w |= (revents & linux_h.POLLNVAL()) != 0 ? POLLNVAL() : 0;
        return w;
    }
}
