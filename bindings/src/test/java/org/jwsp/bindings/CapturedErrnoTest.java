package org.jwsp.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.jwsp.bindings.linux.linux_h;
import org.junit.jupiter.api.Test;

/** errno reaches Java through the generated descriptors plus captureCallState. */
class CapturedErrnoTest {

    @Test
    void closeOfABadDescriptorReportsEbadf() throws Throwable {
        MethodHandle close = CapturedErrno.downcall(linux_h.close$address(), linux_h.close$descriptor());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = CapturedErrno.allocate(arena);
            int result = (int) close.invokeExact(state, -1);
            assertEquals(-1, result);
            assertEquals(linux_h.EBADF(), CapturedErrno.errno(state));
        }
    }

    @Test
    void sendmsgOnAnUnconnectedSocketReportsEnotconnOrEpipe() throws Throwable {
        MethodHandle sendmsg = CapturedErrno.downcall(linux_h.sendmsg$address(), linux_h.sendmsg$descriptor());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = CapturedErrno.allocate(arena);
            int fd = linux_h.socket(linux_h.AF_INET(), linux_h.SOCK_STREAM(), 0);
            try {
                MemorySegment msg = org.jwsp.bindings.linux.msghdr.allocate(arena);
                long n = (long) sendmsg.invokeExact(state, fd, msg, linux_h.MSG_NOSIGNAL());
                assertEquals(-1L, n);
                int errno = CapturedErrno.errno(state);
                assertEquals(true, errno == linux_h.ENOTCONN() || errno == linux_h.EPIPE(), "errno " + errno);
            } finally {
                linux_h.close(fd);
            }
        }
    }
}
