package org.jwsp.host.ws2;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.CallerMemory;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.host.upcall.Ws2Exports;
import org.jwsp.kernel.KernelPort;

/**
 * ws2_32's client side, as native functions with the Windows names and values, found by
 * {@code procAddress("ws2_32.dll", name)}; {@link #install()} also registers kernel32's
 * ({@link NativeKernel32}). So a C program written the way Windows programs are written runs over
 * the host (through jwsp when it is installed in the {@link Catalog}, else on the base provider
 * alone). Each export is an upcall stub over {@link Ws2} (one process-wide instance between the
 * first {@code WSAStartup} and the last {@code WSACleanup}) or over {@link LinuxKernelPort}.
 *
 * <p>Exported: {@code WSAStartup}, {@code WSACleanup}, {@code WSASocketW}, {@code socket},
 * {@code bind}, {@code listen}, {@code accept}, {@code connect}, {@code WSASend}, {@code WSARecv},
 * {@code WSASendTo}, {@code WSARecvFrom}, {@code WSAIoctl}, {@code ioctlsocket},
 * {@code setsockopt}, {@code getsockopt}, {@code getsockname}, {@code getpeername},
 * {@code shutdown}, {@code closesocket}, {@code WSAGetLastError}, {@code WSASetLastError} (registered by
 * {@link Ws2Exports}, whose per-thread error every host path shares),
 * {@code WSAGetOverlappedResult}, {@code WSACreateEvent}, {@code WSASetEvent},
 * {@code WSAResetEvent}, {@code WSACloseEvent}, {@code WSAWaitForMultipleEvents} (up to
 * {@code WSA_MAXIMUM_WAIT_EVENTS}; fWaitAll on manual-reset events, which every WSA event is).
 *
 * <p>Installed once ({@link #install()}); the stubs live for the process (global arena). Any
 * thread may call, pthreads included. Every body catches {@link Throwable} and answers the
 * function's failure value; a bad handle or pointer gets the Windows code, never a crash.
 */
public final class NativeWs2 {

    public static final String WS2_32 = "ws2_32.dll";
    public static final String KERNEL32 = "kernel32.dll";
    private static final Logger LOG = LogManager.getLogger(NativeWs2.class);
    private static final ThreadLocal<MemorySegment> RETURNED = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(JAVA_INT));

    private static boolean installed;
    private static Ws2 ws2;
    private static int startups;

    private NativeWs2() {
    }

    /** Registers every export (once per process). */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        LinuxKernelPort k = LinuxKernelPort.instance();
        ValueLayout sock = JAVA_LONG;
        export(k, WS2_32, "WSAStartup", "startup", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
        export(k, WS2_32, "WSACleanup", "cleanup", FunctionDescriptor.of(JAVA_INT));
        export(k, WS2_32, "WSASocketW", "wsaSocket",
                FunctionDescriptor.of(sock, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        export(k, WS2_32, "socket", "socket", FunctionDescriptor.of(sock, JAVA_INT, JAVA_INT, JAVA_INT));
        export(k, WS2_32, "bind", "bind", FunctionDescriptor.of(JAVA_INT, sock, ADDRESS, JAVA_INT));
        export(k, WS2_32, "listen", "listen", FunctionDescriptor.of(JAVA_INT, sock, JAVA_INT));
        export(k, WS2_32, "accept", "accept", FunctionDescriptor.of(sock, sock, ADDRESS, ADDRESS));
        export(k, WS2_32, "connect", "connect", FunctionDescriptor.of(JAVA_INT, sock, ADDRESS, JAVA_INT));
        export(k, WS2_32, "WSASend", "send",
                FunctionDescriptor.of(JAVA_INT, sock, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        export(k, WS2_32, "WSARecv", "recv",
                FunctionDescriptor.of(JAVA_INT, sock, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        export(k, WS2_32, "setsockopt", "setsockopt", FunctionDescriptor.of(JAVA_INT, sock, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        export(k, WS2_32, "getsockopt", "getsockopt", FunctionDescriptor.of(JAVA_INT, sock, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        export(k, WS2_32, "getsockname", "getsockname", FunctionDescriptor.of(JAVA_INT, sock, ADDRESS, ADDRESS));
        export(k, WS2_32, "shutdown", "shutdown", FunctionDescriptor.of(JAVA_INT, sock, JAVA_INT));
        export(k, WS2_32, "closesocket", "closesocket", FunctionDescriptor.of(JAVA_INT, sock));
        Ws2Exports.register(); // WSAGetLastError, WSASetLastError: the host's one per-thread error
        export(k, WS2_32, "WSAGetOverlappedResult", "getOverlappedResult",
                FunctionDescriptor.of(JAVA_INT, sock, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        export(k, WS2_32, "WSACreateEvent", "createEvent", FunctionDescriptor.of(JAVA_LONG));
        export(k, WS2_32, "WSASetEvent", "setEvent", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        export(k, WS2_32, "WSAResetEvent", "resetEvent", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        export(k, WS2_32, "WSACloseEvent", "closeEvent", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        export(k, WS2_32, "WSAWaitForMultipleEvents", "waitForEvents",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
        export(k, WS2_32, "WSASendTo", "sendTo",
                FunctionDescriptor.of(JAVA_INT, sock, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        export(k, WS2_32, "WSARecvFrom", "recvFrom",
                FunctionDescriptor.of(JAVA_INT, sock, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        export(k, WS2_32, "WSAIoctl", "wsaIoctl",
                FunctionDescriptor.of(JAVA_INT, sock, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        export(k, WS2_32, "ioctlsocket", "ioctlsocket", FunctionDescriptor.of(JAVA_INT, sock, JAVA_INT, ADDRESS));
        export(k, WS2_32, "getpeername", "getpeername", FunctionDescriptor.of(JAVA_INT, sock, ADDRESS, ADDRESS));
        NativeKernel32.register(k);
        installed = true;
    }

    private static int sendTo(long s, MemorySegment buffers, int count, MemorySegment sent, int flags, MemorySegment to,
                              int toLength, MemorySegment ov, MemorySegment routine) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.sendTo(s, buffers, count, sent, flags, to, toLength, ov, routine);
        } catch (Throwable t) {
            return fault("WSASendTo", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    private static int recvFrom(long s, MemorySegment buffers, int count, MemorySegment received, MemorySegment flags,
                                MemorySegment from, MemorySegment fromLength, MemorySegment ov, MemorySegment routine) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.recvFrom(s, buffers, count, received, flags, from, fromLength, ov, routine);
        } catch (Throwable t) {
            return fault("WSARecvFrom", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    private static int wsaIoctl(long s, int code, MemorySegment in, int inLength, MemorySegment out, int outLength,
                                MemorySegment returned, MemorySegment ov, MemorySegment routine) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.ioctl(s, code, in, inLength, out, outLength, returned, ov, routine);
        } catch (Throwable t) {
            return fault("WSAIoctl", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    /** {@code ioctlsocket(s, cmd, u_long *argp)}: {@code WSAIoctl} with {@code argp} as the 4-byte input. */
    private static int ioctlsocket(long s, int command, MemorySegment argp) {
        try {
            Ws2 w = ws2();
            if (w == null) {
                return ws2spi_h.SOCKET_ERROR();
            }
            if (argp.address() == 0) {
                w.setLastError(ws2spi_h.WSAEFAULT());
                return ws2spi_h.SOCKET_ERROR();
            }
            MemorySegment returned = RETURNED.get();
            return w.ioctl(s, command, argp, 4, MemorySegment.NULL, 0, returned, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            return fault("ioctlsocket", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    private static int getpeername(long s, MemorySegment name, MemorySegment length) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.getpeername(s, name, length);
        } catch (Throwable t) {
            return fault("getpeername", t, ws2spi_h.SOCKET_ERROR());
        }
    }



    private static void export(LinuxKernelPort k, String module, String name, String method, FunctionDescriptor d) {
        export(k, NativeWs2.class, module, name, method, d);
    }

    /** Registers {@code owner.method} (static, private) as {@code module}'s export {@code name}. */
    static void export(LinuxKernelPort k, Class<?> owner, String module, String name, String method, FunctionDescriptor d) {
        try {
            MethodType type = d.toMethodType();
            var handle = MethodHandles.privateLookupIn(owner, MethodHandles.lookup()).findStatic(owner, method, type);
            k.registerExport(module, name, Linker.nativeLinker().upcallStub(handle, d, Arena.global()));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(name, e);
        }
    }

    private static synchronized Ws2 ws2() {
        return ws2;
    }

    // ---- ws2_32 -----------------------------------------------------------------------------

    private static int startup(short version, MemorySegment data) {
        try {
            if (data.address() == 0) {
                return ws2spi_h.WSAEFAULT();
            }
            synchronized (NativeWs2.class) {
                if (ws2 == null) {
                    ws2 = Ws2.startup(Catalog.system());
                }
                startups++;
            }
            CallerMemory.putInt(data.address(), 0x0202_0202); // WSADATA.wVersion and wHighVersion: 2.2
            return 0;
        } catch (Throwable t) {
            return fault("WSAStartup", t, ws2spi_h.WSASYSNOTREADY());
        }
    }

    private static int cleanup() {
        try {
            Ws2 closing = null;
            synchronized (NativeWs2.class) {
                if (startups == 0) {
                    return ws2spi_h.SOCKET_ERROR(); // WSANOTINITIALISED
                }
                if (--startups == 0) {
                    closing = ws2;
                    ws2 = null;
                }
            }
            if (closing != null) {
                closing.close();
            }
            return 0;
        } catch (Throwable t) {
            return fault("WSACleanup", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    private static long wsaSocket(int af, int type, int protocol, MemorySegment info, int group, int flags) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.INVALID_SOCKET() : w.socket(af, type, protocol, flags);
        } catch (Throwable t) {
            return fault("WSASocketW", t, ws2spi_h.INVALID_SOCKET());
        }
    }

    /** {@code socket}: as on Windows, the socket is overlapped-capable. */
    private static long socket(int af, int type, int protocol) {
        return wsaSocket(af, type, protocol, MemorySegment.NULL, 0, ws2spi_h.WSA_FLAG_OVERLAPPED());
    }

    private static int bind(long s, MemorySegment name, int length) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.bind(s, name, length);
        } catch (Throwable t) {
            return fault("bind", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    private static int listen(long s, int backlog) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.listen(s, backlog);
        } catch (Throwable t) {
            return fault("listen", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    private static long accept(long s, MemorySegment addr, MemorySegment length) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.INVALID_SOCKET() : w.accept(s, addr, length);
        } catch (Throwable t) {
            return fault("accept", t, ws2spi_h.INVALID_SOCKET());
        }
    }

    private static int connect(long s, MemorySegment name, int length) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.connect(s, name, length);
        } catch (Throwable t) {
            return fault("connect", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    private static int send(long s, MemorySegment buffers, int count, MemorySegment sent, int flags, MemorySegment ov,
                            MemorySegment routine) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.send(s, buffers, count, sent, flags, ov, routine);
        } catch (Throwable t) {
            return fault("WSASend", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    private static int recv(long s, MemorySegment buffers, int count, MemorySegment received, MemorySegment flags,
                            MemorySegment ov, MemorySegment routine) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.recv(s, buffers, count, received, flags, ov, routine);
        } catch (Throwable t) {
            return fault("WSARecv", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    private static int setsockopt(long s, int level, int name, MemorySegment value, int length) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.setsockopt(s, level, name, value, length);
        } catch (Throwable t) {
            return fault("setsockopt", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    private static int getsockopt(long s, int level, int name, MemorySegment value, MemorySegment length) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.getsockopt(s, level, name, value, length);
        } catch (Throwable t) {
            return fault("getsockopt", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    private static int getsockname(long s, MemorySegment name, MemorySegment length) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.getsockname(s, name, length);
        } catch (Throwable t) {
            return fault("getsockname", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    private static int shutdown(long s, int how) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.shutdown(s, how);
        } catch (Throwable t) {
            return fault("shutdown", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    private static int closesocket(long s) {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.SOCKET_ERROR() : w.closesocket(s);
        } catch (Throwable t) {
            return fault("closesocket", t, ws2spi_h.SOCKET_ERROR());
        }
    }

    static void setLastError(int code) {
        Ws2Exports.setLastError(code);
    }

    private static int getOverlappedResult(long s, MemorySegment ov, MemorySegment bytes, int wait, MemorySegment flags) {
        try {
            Ws2 w = ws2();
            return w != null && w.getOverlappedResult(s, ov, bytes, wait != 0, flags) ? 1 : 0;
        } catch (Throwable t) {
            return fault("WSAGetOverlappedResult", t, 0);
        }
    }

    private static long createEvent() {
        try {
            return LinuxKernelPort.instance().createEvent(true, false);
        } catch (Throwable t) {
            return fault("WSACreateEvent", t, 0);
        }
    }

    private static int setEvent(long event) {
        try {
            return LinuxKernelPort.instance().setEvent(event) ? 1 : invalidHandle();
        } catch (Throwable t) {
            return fault("WSASetEvent", t, 0);
        }
    }

    private static int resetEvent(long event) {
        try {
            return LinuxKernelPort.instance().resetEvent(event) ? 1 : invalidHandle();
        } catch (Throwable t) {
            return fault("WSAResetEvent", t, 0);
        }
    }

    private static int closeEvent(long event) {
        try {
            return LinuxKernelPort.instance().closeHandle(event) ? 1 : invalidHandle();
        } catch (Throwable t) {
            return fault("WSACloseEvent", t, 0);
        }
    }

    private static int waitForEvents(int count, MemorySegment events, int all, int millis, int alertable) {
        try {
            if (count < 1 || count > ws2spi_h.WSA_MAXIMUM_WAIT_EVENTS() || events.address() == 0) {
                setLastError(ws2spi_h.WSA_INVALID_PARAMETER());
                return KernelPort.WAIT_FAILED;
            }
            int r = LinuxKernelPort.instance().waitForMultiple(events.address(), count, all != 0, millis, alertable != 0);
            if (r == KernelPort.WAIT_FAILED) {
                invalidHandle();
            }
            return r;
        } catch (Throwable t) {
            return fault("WSAWaitForMultipleEvents", t, KernelPort.WAIT_FAILED);
        }
    }

    /** {@code WSA_INVALID_HANDLE} as the thread's last error; FALSE. */
    static int invalidHandle() {
        setLastError(ws2spi_h.WSA_INVALID_HANDLE());
        return 0;
    }







    static int fault(String export, Throwable t, int answer) {
        LOG.error("{} failed inside the host", export, t);
        return answer;
    }

    static long fault(String export, Throwable t, long answer) {
        LOG.error("{} failed inside the host", export, t);
        return answer;
    }
}
