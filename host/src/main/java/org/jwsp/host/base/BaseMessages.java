package org.jwsp.host.base;

import static org.jwsp.bindings.windows.ws2spi_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;

import org.jwsp.bindings.windows.WSABUF;
import org.jwsp.bindings.windows.WSAMSG;
import org.jwsp.bindings.windows.WSASENDMSG;
import org.jwsp.host.upcall.UpcallFaults;

/**
 * The base provider's {@code WSASendMsg} and {@code WSARecvMsg} (handed out by
 * {@link BaseExtensions}) and its {@code SIO_EXT_SENDMSG} (ws2_32's {@code WSASendMsg} export
 * reaches the provider this way, with a {@code WSASENDMSG}): {@code WSPSendTo}/{@code WSPRecvFrom}
 * over the message's buffers and name ({@code WSARecvMsg}'s flags in and out through
 * {@code dwFlags}), overlapped or not as those are. Control data and completion routines are not
 * offered ({@code WSAEOPNOTSUPP}: no caller of the tests needs them, and a routine called without
 * ws2_32 comes with no {@code WSATHREADID}). The functions return 0 or {@code SOCKET_ERROR} with
 * the error set. Caller's thread; the stubs live for the process.
 */
final class BaseMessages {

    /** {@code INT WSASendMsg(SOCKET, LPWSAMSG, DWORD, LPDWORD, LPWSAOVERLAPPED, LPWSAOVERLAPPED_COMPLETION_ROUTINE)}. */
    private static final FunctionDescriptor SEND_MSG = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
    /** {@code INT WSARecvMsg(SOCKET, LPWSAMSG, LPDWORD, LPWSAOVERLAPPED, LPWSAOVERLAPPED_COMPLETION_ROUTINE)}. */
    private static final FunctionDescriptor RECV_MSG = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS);

    private final BaseProvider provider;
    private final BaseExtensions extensions;
    final MemorySegment sendMsg;
    final MemorySegment recvMsg;

    BaseMessages(BaseProvider provider, BaseExtensions extensions) {
        this.provider = provider;
        this.extensions = extensions;
        try {
            this.sendMsg = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findVirtual(BaseMessages.class,
                    "sendMsg", SEND_MSG.toMethodType()).bindTo(this), SEND_MSG, Arena.global());
            this.recvMsg = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findVirtual(BaseMessages.class,
                    "recvMsg", RECV_MSG.toMethodType()).bindTo(this), RECV_MSG, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code SIO_EXT_SENDMSG}: 0, or -(WSA error) ({@code -WSA_IO_PENDING} for a send under way). */
    int extSendMsg(long s, MemorySegment in, int inLength) {
        if (in.address() == 0 || inLength < WSASENDMSG.sizeof()) {
            return -WSAEFAULT();
        }
        MemorySegment a = in.reinterpret(WSASENDMSG.sizeof());
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(ValueLayout.JAVA_INT);
            int code = send(s, WSASENDMSG.lpMsg(a), WSASENDMSG.dwFlags(a), WSASENDMSG.lpNumberOfBytesSent(a),
                    WSASENDMSG.lpOverlapped(a), WSASENDMSG.lpCompletionRoutine(a), errno);
            return -code;
        }
    }

    private int sendMsg(long s, MemorySegment msg, int flags, MemorySegment sent, MemorySegment ov, MemorySegment routine) {
        try (Arena call = Arena.ofConfined()) {
            int code = send(s, msg, flags, sent, ov, routine, call.allocate(ValueLayout.JAVA_INT));
            return code == 0 ? 0 : failSocket(code);
        } catch (Throwable t) {
            UpcallFaults.report("WSASendMsg", t, MemorySegment.NULL);
            return failSocket(WSAENETDOWN());
        }
    }

    /** 0 or the WSAE code. */
    private int send(long s, MemorySegment msg, int flags, MemorySegment sent, MemorySegment ov, MemorySegment routine,
                     MemorySegment errno) {
        int refused = refused(msg, routine);
        if (refused != 0) {
            return refused;
        }
        MemorySegment m = msg.reinterpret(WSAMSG.sizeof());
        MemorySegment name = WSAMSG.name(m);
        int rc = provider.transferCalls.sendTo(s, WSAMSG.lpBuffers(m), WSAMSG.dwBufferCount(m), sent, flags, name,
                name.address() == 0 ? 0 : WSAMSG.namelen(m), ov, MemorySegment.NULL, MemorySegment.NULL, errno);
        return rc == 0 ? 0 : errno.get(ValueLayout.JAVA_INT, 0);
    }

    private int recvMsg(long s, MemorySegment msg, MemorySegment received, MemorySegment ov, MemorySegment routine) {
        try (Arena call = Arena.ofConfined()) {
            int refused = refused(msg, routine);
            if (refused != 0) {
                return failSocket(refused);
            }
            MemorySegment m = msg.reinterpret(WSAMSG.sizeof());
            MemorySegment errno = call.allocate(ValueLayout.JAVA_INT);
            MemorySegment name = WSAMSG.name(m);
            MemorySegment flags = m.asSlice(WSAMSG.dwFlags$offset(), 4);
            MemorySegment nameLength = name.address() == 0 ? MemorySegment.NULL : m.asSlice(WSAMSG.namelen$offset(), 4);
            int rc = provider.transferCalls.recvFrom(s, WSAMSG.lpBuffers(m), WSAMSG.dwBufferCount(m), received, flags, name,
                    nameLength, ov, MemorySegment.NULL, MemorySegment.NULL, errno);
            return rc == 0 ? 0 : failSocket(errno.get(ValueLayout.JAVA_INT, 0));
        } catch (Throwable t) {
            UpcallFaults.report("WSARecvMsg", t, MemorySegment.NULL);
            return failSocket(WSAENETDOWN());
        }
    }

    /** No WSAMSG (or none jwsp may touch: NULL, misaligned, outside user space): {@code WSAEFAULT}; control data or a routine: {@code WSAEOPNOTSUPP}; else 0. */
    private static int refused(MemorySegment msg, MemorySegment routine) {
        if (!org.jwsp.bindings.CallerMemory.inUserSpace(msg.address(), WSAMSG.sizeof(), 8)) {
            return WSAEFAULT(); // decided before the WSAMSG is touched
        }
        MemorySegment m = msg.reinterpret(WSAMSG.sizeof());
        return WSABUF.len(WSAMSG.Control(m)) != 0 || routine.address() != 0 ? WSAEOPNOTSUPP() : 0;
    }

    private int failSocket(int code) {
        extensions.fail(code);
        return SOCKET_ERROR();
    }
}
