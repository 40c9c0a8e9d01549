package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.UUID;

import org.jwsp.bindings.WinsockExtensions;
import org.jwsp.host.kernel.Libc;
import org.jwsp.host.upcall.UpcallFaults;
import org.jwsp.host.upcall.WsaErrors;

/**
 * The base provider's extension functions, handed out by {@code SIO_GET_EXTENSION_FUNCTION_POINTER}
 * (mswsock's place). Offered: {@code ConnectEx}. Any other GUID is {@code WSAEINVAL}.
 *
 * <p>{@code ConnectEx} here: the socket must be bound (Windows' rule) and overlapped, with an
 * {@code OVERLAPPED}; it connects with a blocking {@code connect(2)} on the caller's thread (the
 * host only connects over loopback, where that returns at once), then completes the operation
 * like an overlapped ioctl that finished immediately: {@code TRUE}, and the completion still
 * indicated (status, event, port) by {@link OverlappedIo#completeNow}. An initial send buffer is
 * not offered ({@code WSAEOPNOTSUPP}). Failures are {@code FALSE} plus {@code WSASetLastError}
 * (ws2_32's export, found through the kernel door). The stub lives for the process.
 */
final class BaseExtensions {

    private static final int FALSE = 0;
    private static final int TRUE = 1;
    private static final FunctionDescriptor CONNECT_EX = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS);

    private final BaseProvider provider;
    private final MemorySegment connectEx;
    private volatile MethodHandle setLastError;

    BaseExtensions(BaseProvider provider) {
        this.provider = provider;
        try {
            MethodHandle h = MethodHandles.lookup().findVirtual(BaseExtensions.class, "connectEx", CONNECT_EX.toMethodType()).bindTo(this);
            this.connectEx = Linker.nativeLinker().upcallStub(h, CONNECT_EX, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The function for the GUID at {@code in}, written to {@code out}; the byte count, or -(WSA error). */
    int pointer(MemorySegment in, int inLength, MemorySegment out, int outLength) {
        if (in.address() == 0 || inLength < 16 || out.address() == 0 || outLength < Long.BYTES) {
            return -WSAEFAULT();
        }
        MemorySegment g = in.reinterpret(16);
        long high = (g.get(ValueLayout.JAVA_INT_UNALIGNED, 0) & 0xFFFF_FFFFL) << 32
                | (g.get(ValueLayout.JAVA_SHORT_UNALIGNED, 4) & 0xFFFFL) << 16 | (g.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6) & 0xFFFFL);
        long low = 0;
        for (int i = 0; i < 8; i++) {
            low = low << 8 | (g.get(ValueLayout.JAVA_BYTE, 8 + i) & 0xFF);
        }
        if (!WinsockExtensions.WSAID_CONNECTEX.equals(new UUID(high, low))) {
            return -WSAEINVAL();
        }
        out.reinterpret(Long.BYTES).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, connectEx.address());
        return Long.BYTES;
    }

    private int connectEx(long s, MemorySegment name, int nameLen, MemorySegment sendBuffer, int sendLength, MemorySegment bytesSent,
                          MemorySegment ov) {
        BaseSocket sock = null;
        try {
            sock = provider.sockets.acquire(s);
            if (sock == null) {
                return fail(WSAENOTSOCK());
            }
            if (ov.address() == 0 || (ov.address() & 7) != 0 || !sock.overlapped || !sock.isStream() || !sock.bound) {
                return fail(WSAEINVAL());
            }
            if (sock.connected || sock.listening) {
                return fail(sock.connected ? WSAEISCONN() : WSAEINVAL());
            }
            if (sendLength != 0) {
                return fail(WSAEOPNOTSUPP());
            }
            MemorySegment addr = CallScratch.current().address;
            int len = SockAddrs.toLinux(name, nameLen, sock.af, addr);
            if (len < 0) {
                return fail(-len);
            }
            int r = Libc.connect(sock.fd, addr, len);
            if (r < 0) {
                return fail(WsaErrors.fromErrno(-r));
            }
            sock.connected = true;
            if (bytesSent.address() != 0) {
                bytesSent.reinterpret(4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0);
            }
            provider.io().completeNow(sock, ov.address(), 0, 0, 0, 0);
            return TRUE;
        } catch (Throwable t) {
            UpcallFaults.report("ConnectEx", t, MemorySegment.NULL);
            return fail(WSAENETDOWN());
        } finally {
            BaseSocket.release(sock);
        }
    }

    private int fail(int code) {
        try {
            MethodHandle h = setLastError;
            if (h == null) {
                h = Linker.nativeLinker().downcallHandle(provider.kernel.procAddress("ws2_32.dll", "WSASetLastError"),
                        FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
                setLastError = h;
            }
            h.invokeExact(code);
        } catch (Throwable t) {
            UpcallFaults.report("WSASetLastError", t, MemorySegment.NULL);
        }
        return FALSE;
    }
}
