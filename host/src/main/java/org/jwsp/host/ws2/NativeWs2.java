package org.jwsp.host.ws2;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
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
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.host.catalog.Catalog;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.kernel.KernelException;
import org.jwsp.kernel.KernelPort;

/**
 * ws2_32's client side and the kernel32 calls a Winsock program makes, as native functions with
 * the Windows names and values, found by {@code procAddress("ws2_32.dll" | "kernel32.dll", name)}:
 * so a C program written the way Windows programs are written runs over the host (through jwsp
 * when it is installed in the {@link Catalog}, else on the base provider alone). Each export is an
 * upcall stub over {@link Ws2} (one process-wide instance between the first {@code WSAStartup} and
 * the last {@code WSACleanup}) or over {@link LinuxKernelPort}.
 *
 * <p>Exported: {@code WSAStartup}, {@code WSACleanup}, {@code WSASocketW}, {@code socket},
 * {@code bind}, {@code listen}, {@code accept}, {@code connect}, {@code WSASend}, {@code WSARecv},
 * {@code setsockopt}, {@code getsockopt}, {@code getsockname}, {@code shutdown}, {@code closesocket},
 * {@code WSAGetLastError}, {@code WSASetLastError}, {@code WSAGetOverlappedResult},
 * {@code WSACreateEvent}, {@code WSASetEvent}, {@code WSAResetEvent}, {@code WSACloseEvent},
 * {@code WSAWaitForMultipleEvents} (one event; more answer {@code WSA_WAIT_FAILED} with
 * {@code WSA_INVALID_PARAMETER}); kernel32: {@code CreateIoCompletionPort},
 * {@code GetQueuedCompletionStatus}, {@code PostQueuedCompletionStatus}, {@code CloseHandle},
 * {@code SetFileCompletionNotificationModes} (beside {@code SleepEx}, {@code WaitForSingleObjectEx},
 * {@code GetCurrentThreadId}, which the kernel registers itself). Not yet: {@code WSASendTo},
 * {@code WSARecvFrom}, {@code WSAIoctl}, {@code ioctlsocket}, {@code getpeername}, {@code GetQueuedCompletionStatusEx}, {@code CreateThread},
 * {@code WaitForSingleObject}, {@code CancelIoEx}.
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
    private static final ThreadLocal<MemorySegment> ENTRY =
            ThreadLocal.withInitial(() -> OVERLAPPED_ENTRY.allocate(Arena.ofAuto()));
    private static final int WAIT_TIMEOUT = 258;
    private static final int ERROR_INVALID_PARAMETER = 87;

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
        export(k, WS2_32, "WSAGetLastError", "getLastError", FunctionDescriptor.of(JAVA_INT));
        export(k, WS2_32, "WSASetLastError", "setLastError", FunctionDescriptor.ofVoid(JAVA_INT));
        export(k, WS2_32, "WSAGetOverlappedResult", "getOverlappedResult",
                FunctionDescriptor.of(JAVA_INT, sock, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        export(k, WS2_32, "WSACreateEvent", "createEvent", FunctionDescriptor.of(JAVA_LONG));
        export(k, WS2_32, "WSASetEvent", "setEvent", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        export(k, WS2_32, "WSAResetEvent", "resetEvent", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        export(k, WS2_32, "WSACloseEvent", "closeEvent", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        export(k, WS2_32, "WSAWaitForMultipleEvents", "waitForEvents",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
        export(k, KERNEL32, "CreateIoCompletionPort", "createIoCompletionPort",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT));
        export(k, KERNEL32, "GetQueuedCompletionStatus", "getQueuedCompletionStatus",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
        export(k, KERNEL32, "PostQueuedCompletionStatus", "postQueuedCompletionStatus",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS));
        export(k, KERNEL32, "CloseHandle", "closeHandle", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        export(k, KERNEL32, "SetFileCompletionNotificationModes", "setFileCompletionNotificationModes",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_BYTE));
        export(k, WS2_32, "WSASendTo", "sendTo",
                FunctionDescriptor.of(JAVA_INT, sock, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        export(k, WS2_32, "WSARecvFrom", "recvFrom",
                FunctionDescriptor.of(JAVA_INT, sock, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        export(k, WS2_32, "WSAIoctl", "wsaIoctl",
                FunctionDescriptor.of(JAVA_INT, sock, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        export(k, WS2_32, "ioctlsocket", "ioctlsocket", FunctionDescriptor.of(JAVA_INT, sock, JAVA_INT, ADDRESS));
        export(k, WS2_32, "getpeername", "getpeername", FunctionDescriptor.of(JAVA_INT, sock, ADDRESS, ADDRESS));
        export(k, KERNEL32, "GetQueuedCompletionStatusEx", "getQueuedCompletionStatusEx",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        export(k, KERNEL32, "WaitForSingleObject", "waitForSingleObject", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
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

    /**
     * {@code GetQueuedCompletionStatusEx}: up to {@code count} entries; FALSE on timeout
     * ({@code WAIT_TIMEOUT}), when APCs ran in an alertable wait ({@code WAIT_IO_COMPLETION}), or for
     * a bad port or pointer.
     */
    private static int getQueuedCompletionStatusEx(long port, MemorySegment entries, int count, MemorySegment removed,
                                                   int millis, int alertable) {
        try {
            if (entries.address() == 0 || removed.address() == 0 || count <= 0) {
                setLastError(ERROR_INVALID_PARAMETER);
                return 0;
            }
            MemorySegment array = entries.reinterpret(count * OVERLAPPED_ENTRY.sizeof());
            int n = LinuxKernelPort.instance().dequeue(port, array, millis, alertable != 0);
            CallerMemory.putInt(removed.address(), Math.max(n, 0));
            if (n > 0) {
                return 1;
            }
            setLastError(n == KernelPort.DEQUEUE_TIMEOUT ? WAIT_TIMEOUT
                    : n == KernelPort.DEQUEUE_IO_COMPLETION ? KernelPort.WAIT_IO_COMPLETION : ws2spi_h.WSA_INVALID_HANDLE());
            return 0;
        } catch (Throwable t) {
            return fault("GetQueuedCompletionStatusEx", t, 0);
        }
    }

    private static int waitForSingleObject(long handle, int millis) {
        try {
            return LinuxKernelPort.instance().waitForSingleObject(handle, millis, false);
        } catch (Throwable t) {
            return fault("WaitForSingleObject", t, KernelPort.WAIT_FAILED);
        }
    }

    private static void export(LinuxKernelPort k, String module, String name, String method, FunctionDescriptor d) {
        try {
            MethodType type = d.toMethodType();
            var handle = MethodHandles.lookup().findStatic(NativeWs2.class, method, type);
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

    private static int getLastError() {
        try {
            Ws2 w = ws2();
            return w == null ? ws2spi_h.WSANOTINITIALISED() : w.lastError();
        } catch (Throwable t) {
            return fault("WSAGetLastError", t, ws2spi_h.WSANOTINITIALISED());
        }
    }

    private static void setLastError(int code) {
        try {
            Ws2 w = ws2();
            if (w != null) {
                w.setLastError(code);
            }
        } catch (Throwable t) {
            fault("WSASetLastError", t, 0);
        }
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
            if (count != 1 || events.address() == 0) {
                setLastError(ws2spi_h.WSA_INVALID_PARAMETER());
                return KernelPort.WAIT_FAILED;
            }
            long event = CallerMemory.getLong(events.address());
            int r = LinuxKernelPort.instance().waitForSingleObject(event, millis, alertable != 0);
            if (r == KernelPort.WAIT_FAILED) {
                invalidHandle();
            }
            return r;
        } catch (Throwable t) {
            return fault("WSAWaitForMultipleEvents", t, KernelPort.WAIT_FAILED);
        }
    }

    /** {@code WSA_INVALID_HANDLE} as the thread's last error; FALSE. */
    private static int invalidHandle() {
        setLastError(ws2spi_h.WSA_INVALID_HANDLE());
        return 0;
    }

    // ---- kernel32 ---------------------------------------------------------------------------

    /**
     * {@code CreateIoCompletionPort}: with {@code INVALID_HANDLE_VALUE} a new port; else associates
     * {@code file} with {@code existing} (or a new port when it is 0) and returns the port; 0 on failure.
     */
    private static long createIoCompletionPort(long file, long existing, long key, int threads) {
        try {
            LinuxKernelPort k = LinuxKernelPort.instance();
            long port = existing != 0 ? existing : k.createCompletionPort(threads);
            if (file != -1) {
                try {
                    k.associate(port, file, key);
                } catch (KernelException e) {
                    if (existing == 0) {
                        k.closeHandle(port);
                    }
                    invalidHandle();
                    return 0;
                }
            }
            return port;
        } catch (Throwable t) {
            return fault("CreateIoCompletionPort", t, 0);
        }
    }

    /**
     * {@code GetQueuedCompletionStatus}: TRUE with a packet whose operation succeeded; FALSE with a
     * packet whose operation failed ({@code *lpOverlapped} set), or on timeout/a bad port
     * ({@code *lpOverlapped} NULL).
     */
    private static int getQueuedCompletionStatus(long port, MemorySegment bytes, MemorySegment key, MemorySegment ov, int millis) {
        try {
            if (bytes.address() == 0 || key.address() == 0 || ov.address() == 0) {
                return 0;
            }
            MemorySegment e = ENTRY.get();
            int n = LinuxKernelPort.instance().dequeue(port, e, millis, false);
            if (n <= 0) {
                CallerMemory.putLong(ov.address(), 0L);
                setLastError(n == KernelPort.DEQUEUE_TIMEOUT ? WAIT_TIMEOUT : ws2spi_h.WSA_INVALID_HANDLE());
                return 0;
            }
            long overlapped = OVERLAPPED_ENTRY.lpOverlapped(e).address();
            CallerMemory.putInt(bytes.address(), OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(e));
            CallerMemory.putLong(key.address(), OVERLAPPED_ENTRY.lpCompletionKey(e));
            CallerMemory.putLong(ov.address(), overlapped);
            int status = overlapped == 0 ? 0 : (int) CallerMemory.getLong(overlapped);
            if (status != 0) {
                setLastError(status);
                return 0;
            }
            return 1;
        } catch (Throwable t) {
            return fault("GetQueuedCompletionStatus", t, 0);
        }
    }

    private static int postQueuedCompletionStatus(long port, int bytes, long key, MemorySegment ov) {
        try {
            return LinuxKernelPort.instance().post(port, bytes, key, ov) ? 1 : invalidHandle();
        } catch (Throwable t) {
            return fault("PostQueuedCompletionStatus", t, 0);
        }
    }

    private static int closeHandle(long handle) {
        try {
            return LinuxKernelPort.instance().closeHandle(handle) ? 1 : invalidHandle();
        } catch (Throwable t) {
            return fault("CloseHandle", t, 0);
        }
    }

    private static int setFileCompletionNotificationModes(long handle, byte flags) {
        try {
            if (LinuxKernelPort.instance().setFileCompletionNotificationModes(handle, flags & 0xFF)) {
                return 1;
            }
            setLastError(ERROR_INVALID_PARAMETER);
            return 0;
        } catch (Throwable t) {
            return fault("SetFileCompletionNotificationModes", t, 0);
        }
    }

    private static int fault(String export, Throwable t, int answer) {
        LOG.error("{} failed inside the host", export, t);
        return answer;
    }

    private static long fault(String export, Throwable t, long answer) {
        LOG.error("{} failed inside the host", export, t);
        return answer;
    }
}
