package org.jwsp.host.ws2;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.jwsp.host.ws2.NativeWs2.KERNEL32;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.CallerMemory;
import org.jwsp.bindings.windows.OVERLAPPED_ENTRY;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.host.kernel.LinuxKernelPort;
import org.jwsp.kernel.KernelException;
import org.jwsp.kernel.KernelPort;

/**
 * kernel32's calls a Winsock program makes, as native functions with the Windows names and
 * values ({@code procAddress("kernel32.dll", name)}), registered by {@link NativeWs2#install()}:
 * {@code CreateIoCompletionPort}, {@code GetQueuedCompletionStatus(Ex)},
 * {@code PostQueuedCompletionStatus}, {@code CloseHandle}, {@code SetFileCompletionNotificationModes},
 * {@code WaitForSingleObject}, {@code CreateThread}, {@code CancelIoEx} and {@code CreateFileW} (the kernel registers
 * {@code SleepEx}, {@code WaitForSingleObjectEx} and {@code GetCurrentThreadId} itself). Each is an
 * upcall stub over {@link LinuxKernelPort}; a failure's code goes where {@code GetLastError} (on
 * the host, {@code WSAGetLastError}) finds it.
 *
 * <p>Any thread may call, pthreads included. Every body catches {@link Throwable} and answers the
 * function's failure value: a bad handle or pointer gets the Windows code, never a crash.
 */
final class NativeKernel32 {

    private static final ThreadLocal<MemorySegment> ENTRY =
            ThreadLocal.withInitial(() -> OVERLAPPED_ENTRY.allocate(Arena.ofAuto()));

    private NativeKernel32() {
    }

    static void register(LinuxKernelPort k) {
        NativeWs2.export(k, NativeKernel32.class, KERNEL32, "CreateIoCompletionPort", "createIoCompletionPort",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT));
        NativeWs2.export(k, NativeKernel32.class, KERNEL32, "GetQueuedCompletionStatus", "getQueuedCompletionStatus",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
        NativeWs2.export(k, NativeKernel32.class, KERNEL32, "PostQueuedCompletionStatus", "postQueuedCompletionStatus",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS));
        NativeWs2.export(k, NativeKernel32.class, KERNEL32, "CloseHandle", "closeHandle", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        NativeWs2.export(k, NativeKernel32.class, KERNEL32, "SetFileCompletionNotificationModes", "setFileCompletionNotificationModes",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_BYTE));
        NativeWs2.export(k, NativeKernel32.class, KERNEL32, "GetQueuedCompletionStatusEx", "getQueuedCompletionStatusEx",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        NativeWs2.export(k, NativeKernel32.class, KERNEL32, "WaitForSingleObject", "waitForSingleObject", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
        NativeWs2.export(k, NativeKernel32.class, KERNEL32, "CreateThread", "createThread",
                FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        NativeWs2.export(k, NativeKernel32.class, KERNEL32, "CancelIoEx", "cancelIoEx",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
        NativeWs2.export(k, NativeKernel32.class, KERNEL32, "CreateFileW", "createFileW",
                FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG));
    }

    /**
     * {@code HANDLE CreateThread(LPSECURITY_ATTRIBUTES, SIZE_T dwStackSize, LPTHREAD_START_ROUTINE,
     * LPVOID, DWORD dwCreationFlags, LPDWORD lpThreadId)}: a native thread running
     * {@code start(parameter)}, its id at {@code lpThreadId} (if not NULL); the handle is signalled
     * once the thread has ended, {@code CloseHandle} lets it go. The security attributes and the
     * stack size (a hint on Windows too) are not used: the thread gets Linux's default stack.
     * {@code CREATE_SUSPENDED} is refused with {@code ERROR_NOT_SUPPORTED} (no {@code ResumeThread}
     * here), a NULL start routine or another unknown flag with {@code ERROR_INVALID_PARAMETER};
     * NULL then, as on Windows.
     */
    private static long createThread(MemorySegment security, long stackSize, MemorySegment start, MemorySegment parameter,
                                     int flags, MemorySegment threadId) {
        try {
            if ((flags & ws2spi_h.CREATE_SUSPENDED()) != 0) {
                NativeWs2.setLastError(ws2spi_h.ERROR_NOT_SUPPORTED());
                return 0;
            }
            if (start.address() == 0 || (flags & ~ws2spi_h.STACK_SIZE_PARAM_IS_A_RESERVATION()) != 0) {
                NativeWs2.setLastError(ws2spi_h.ERROR_INVALID_PARAMETER());
                return 0;
            }
            LinuxKernelPort k = LinuxKernelPort.instance();
            long handle = k.createThread(start, parameter);
            if (handle == 0) {
                NativeWs2.setLastError(ws2spi_h.WSA_NOT_ENOUGH_MEMORY() /* = ERROR_NOT_ENOUGH_MEMORY */);
                return 0;
            }
            if (threadId.address() != 0) {
                CallerMemory.putInt(threadId.address(), k.threadIdOf(handle));
            }
            return handle;
        } catch (Throwable t) {
            return NativeWs2.fault("CreateThread", t, 0L);
        }
    }

    /** The longest path {@code CreateFileW} reads (Windows' own limit for "\\\\?\\" paths). */
    private static final int MAX_WIDE_PATH = 32_767;

    /**
     * {@code HANDLE CreateFileW(LPCWSTR, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES, DWORD
     * disposition, DWORD flags, HANDLE template)}, as much of it as a program needs to hand a file
     * to {@code TransmitFile}: an existing regular file opened for reading ({@code GENERIC_READ},
     * {@code OPEN_EXISTING}, no template; the sharing mode, security attributes and flags are
     * accepted and not used). The name is a host path in UTF-16. Anything else is
     * {@code ERROR_NOT_SUPPORTED}; no such file {@code ERROR_FILE_NOT_FOUND}; a NULL name or one
     * without its terminator within 32767 characters {@code ERROR_INVALID_PARAMETER}. Failure is
     * {@code INVALID_HANDLE_VALUE}, as on Windows.
     */
    private static long createFileW(MemorySegment name, int access, int share, MemorySegment security, int disposition, int flags,
                                    long template) {
        try {
            if (access != ws2spi_h.GENERIC_READ() || disposition != ws2spi_h.OPEN_EXISTING() || template != 0) {
                NativeWs2.setLastError(ws2spi_h.ERROR_NOT_SUPPORTED());
                return -1;
            }
            String path = name.address() == 0 || !CallerMemory.inUserSpace(name.address(), 2, 2) ? null : wide(name.address());
            if (path == null) {
                NativeWs2.setLastError(ws2spi_h.ERROR_INVALID_PARAMETER());
                return -1;
            }
            return LinuxKernelPort.instance().createFile(path);
        } catch (KernelException e) {
            NativeWs2.setLastError(e.code());
            return -1;
        } catch (Throwable t) {
            NativeWs2.setLastError(ws2spi_h.ERROR_INVALID_PARAMETER());
            return NativeWs2.fault("CreateFileW", t, -1L);
        }
    }

    /** A NUL-terminated UTF-16 string at {@code address}, or null when it has no terminator within {@link #MAX_WIDE_PATH}. */
    private static String wide(long address) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < MAX_WIDE_PATH; i++) {
            char c = (char) CallerMemory.getUnsignedShort(address + 2L * i);
            if (c == 0) {
                return b.toString();
            }
            b.append(c);
        }
        return null;
    }

    /**
     * {@code BOOL CancelIoEx(HANDLE hFile, LPOVERLAPPED lpOverlapped)}: TRUE when the socket's
     * pending overlapped operation of {@code lpOverlapped} (all of them for NULL), whichever thread
     * issued it, is being cancelled: it completes with {@code ERROR_OPERATION_ABORTED} (995, which
     * is {@code WSA_OPERATION_ABORTED}) through its port, event or routine. FALSE with
     * {@code ERROR_NOT_FOUND} when nothing of it is pending, {@code ERROR_INVALID_HANDLE} for a
     * handle that is not a socket.
     */
    private static int cancelIoEx(long handle, MemorySegment overlapped) {
        try {
            int error = LinuxKernelPort.instance().cancelIo(handle, overlapped.address());
            if (error != 0) {
                NativeWs2.setLastError(error);
                return 0;
            }
            return 1;
        } catch (Throwable t) {
            return NativeWs2.fault("CancelIoEx", t, 0);
        }
    }

    /**
     * {@code GetQueuedCompletionStatusEx}: up to {@code count} entries; FALSE on timeout
     * ({@code ws2spi_h.WAIT_TIMEOUT()}), when APCs ran in an alertable wait ({@code WAIT_IO_COMPLETION}), or for
     * a bad port or pointer.
     */
    private static int getQueuedCompletionStatusEx(long port, MemorySegment entries, int count, MemorySegment removed,
                                                   int millis, int alertable) {
        try {
            if (entries.address() == 0 || removed.address() == 0 || count <= 0) {
                NativeWs2.setLastError(ws2spi_h.ERROR_INVALID_PARAMETER());
                return 0;
            }
            MemorySegment array = entries.reinterpret(count * OVERLAPPED_ENTRY.sizeof());
            int n = LinuxKernelPort.instance().dequeue(port, array, millis, alertable != 0);
            CallerMemory.putInt(removed.address(), Math.max(n, 0));
            if (n > 0) {
                return 1;
            }
            NativeWs2.setLastError(n == KernelPort.DEQUEUE_TIMEOUT ? ws2spi_h.WAIT_TIMEOUT()
                    : n == KernelPort.DEQUEUE_IO_COMPLETION ? KernelPort.WAIT_IO_COMPLETION : ws2spi_h.WSA_INVALID_HANDLE());
            return 0;
        } catch (Throwable t) {
            return NativeWs2.fault("GetQueuedCompletionStatusEx", t, 0);
        }
    }

    private static int waitForSingleObject(long handle, int millis) {
        try {
            return LinuxKernelPort.instance().waitForSingleObject(handle, millis, false);
        } catch (Throwable t) {
            return NativeWs2.fault("WaitForSingleObject", t, KernelPort.WAIT_FAILED);
        }
    }

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
                    NativeWs2.invalidHandle();
                    return 0;
                }
            }
            return port;
        } catch (Throwable t) {
            return NativeWs2.fault("CreateIoCompletionPort", t, 0);
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
                NativeWs2.setLastError(n == KernelPort.DEQUEUE_TIMEOUT ? ws2spi_h.WAIT_TIMEOUT() : ws2spi_h.WSA_INVALID_HANDLE());
                return 0;
            }
            long overlapped = OVERLAPPED_ENTRY.lpOverlapped(e).address();
            CallerMemory.putInt(bytes.address(), OVERLAPPED_ENTRY.dwNumberOfBytesTransferred(e));
            CallerMemory.putLong(key.address(), OVERLAPPED_ENTRY.lpCompletionKey(e));
            CallerMemory.putLong(ov.address(), overlapped);
            int status = overlapped == 0 ? 0 : (int) CallerMemory.getLong(overlapped);
            if (status != 0) {
                NativeWs2.setLastError(status);
                return 0;
            }
            return 1;
        } catch (Throwable t) {
            return NativeWs2.fault("GetQueuedCompletionStatus", t, 0);
        }
    }

    private static int postQueuedCompletionStatus(long port, int bytes, long key, MemorySegment ov) {
        try {
            return LinuxKernelPort.instance().post(port, bytes, key, ov) ? 1 : NativeWs2.invalidHandle();
        } catch (Throwable t) {
            return NativeWs2.fault("PostQueuedCompletionStatus", t, 0);
        }
    }

    private static int closeHandle(long handle) {
        try {
            return LinuxKernelPort.instance().closeHandle(handle) ? 1 : NativeWs2.invalidHandle();
        } catch (Throwable t) {
            return NativeWs2.fault("CloseHandle", t, 0);
        }
    }

    private static int setFileCompletionNotificationModes(long handle, byte flags) {
        try {
            if (LinuxKernelPort.instance().setFileCompletionNotificationModes(handle, flags & 0xFF)) {
                return 1;
            }
            NativeWs2.setLastError(ws2spi_h.ERROR_INVALID_PARAMETER());
            return 0;
        } catch (Throwable t) {
            return NativeWs2.fault("SetFileCompletionNotificationModes", t, 0);
        }
    }
}
