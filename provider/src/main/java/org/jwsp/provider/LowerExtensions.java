package org.jwsp.provider;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.UUID;

import org.jwsp.bindings.WinsockExtensions;
import org.jwsp.bindings.windows.LPWSPIOCTL;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.kernel.KernelPort;

/**
 * What jwsp's extension functions ({@link ExtensionFunctions}, {@link MessageFunctions},
 * {@link TransmitFunctions}, {@link PacketFunctions}) need of the world below and beside them: the lower provider's own
 * function for each GUID (asked once per lower provider with {@code SIO_GET_EXTENSION_FUNCTION_POINTER}
 * on a lower socket, then kept in {@link LowerProvider#extensionFunctions} by index, so a call
 * finds it with an array read: no key, no map, no allocation), and ws2_32's
 * {@code WSASetLastError}/{@code WSAGetLastError}, through which extension functions report (found
 * once through the kernel door). Plus the GUID layout. Any thread.
 */
final class LowerExtensions {

    static final int CONNECT_EX = 0;
    static final int ACCEPT_EX = 1;
    static final int DISCONNECT_EX = 2;
    static final int SEND_MSG = 3;
    static final int RECV_MSG = 4;
    static final int TRANSMIT_FILE = 5;
    static final int TRANSMIT_PACKETS = 6;
    static final int COUNT = 7;
    /** The GUID of each index above. */
    private static final List<UUID> GUIDS = List.of(WinsockExtensions.WSAID_CONNECTEX, WinsockExtensions.WSAID_ACCEPTEX,
            WinsockExtensions.WSAID_DISCONNECTEX, WinsockExtensions.WSAID_WSASENDMSG, WinsockExtensions.WSAID_WSARECVMSG,
            WinsockExtensions.WSAID_TRANSMITFILE, WinsockExtensions.WSAID_TRANSMITPACKETS);
    private static final int GUID_SIZE = 16;

    private final KernelPort kernel;
    private volatile LastError lastError;

    LowerExtensions(KernelPort kernel) {
        this.kernel = kernel;
    }

    /** The lower provider's function number {@code which} (an index above); null with {@code sc.errno} set. */
    MemorySegment function(SocketContext c, int which, ThreadScratch sc) {
        MemorySegment[] known = c.lower.extensionFunctions;
        MemorySegment fn = known[which];
        if (fn != null) {
            return fn;
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment in = call.allocate(GUID_SIZE, 8);
            writeGuid(GUIDS.get(which), in);
            MemorySegment out = call.allocate(ValueLayout.ADDRESS);
            int rc = LPWSPIOCTL.invoke(WSPPROC_TABLE.lpWSPIoctl(c.lower.table), c.lowerHandle, ws2spi_h.SIO_GET_EXTENSION_FUNCTION_POINTER(),
                    in, GUID_SIZE, out, Long.BYTES, sc.bytes, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, sc.errno);
            if (rc != 0) {
                return null;
            }
            fn = out.get(ValueLayout.ADDRESS, 0);
            known[which] = fn;
            return fn;
        }
    }

    LastError lastError() {
        LastError e = lastError;
        if (e == null) {
            e = new LastError(kernel.procAddress("ws2_32.dll", "WSASetLastError"), kernel.procAddress("ws2_32.dll", "WSAGetLastError"));
            lastError = e;
        }
        return e;
    }

    /** A GUID as Windows lays it out: Data1..3 little-endian, Data4 bytes in order. */
    static UUID guid(MemorySegment g) {
        long high = (g.get(ValueLayout.JAVA_INT_UNALIGNED, 0) & 0xFFFF_FFFFL) << 32
                | (g.get(ValueLayout.JAVA_SHORT_UNALIGNED, 4) & 0xFFFFL) << 16
                | (g.get(ValueLayout.JAVA_SHORT_UNALIGNED, 6) & 0xFFFFL);
        long low = 0;
        for (int i = 0; i < 8; i++) {
            low = low << 8 | (g.get(ValueLayout.JAVA_BYTE, 8 + i) & 0xFF);
        }
        return new UUID(high, low);
    }

    /** Writes {@code id} as a Windows GUID into {@code g} (16 bytes). */
    static void writeGuid(UUID id, MemorySegment g) {
        long high = id.getMostSignificantBits();
        long low = id.getLeastSignificantBits();
        g.set(ValueLayout.JAVA_INT_UNALIGNED, 0, (int) (high >>> 32));
        g.set(ValueLayout.JAVA_SHORT_UNALIGNED, 4, (short) (high >>> 16));
        g.set(ValueLayout.JAVA_SHORT_UNALIGNED, 6, (short) high);
        for (int i = 0; i < 8; i++) {
            g.set(ValueLayout.JAVA_BYTE, 8 + i, (byte) (low >>> (56 - 8 * i)));
        }
    }

    /** ws2_32's WSASetLastError and WSAGetLastError (the thread's last error, as extension functions report it). */
    static final class LastError {
        private final MethodHandle set;
        private final MethodHandle get;

        LastError(MemorySegment set, MemorySegment get) {
            if (set.address() == 0 || get.address() == 0) {
                throw new IllegalStateException("ws2_32 exports no WSASetLastError/WSAGetLastError");
            }
            this.set = Linker.nativeLinker().downcallHandle(set, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
            this.get = Linker.nativeLinker().downcallHandle(get, FunctionDescriptor.of(ValueLayout.JAVA_INT));
        }

        void set(int code) throws Throwable {
            set.invokeExact(code);
        }

        int get() throws Throwable {
            return (int) get.invokeExact();
        }
    }
}
