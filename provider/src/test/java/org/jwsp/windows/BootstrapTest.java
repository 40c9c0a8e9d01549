package org.jwsp.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import org.jwsp.bindings.windows.LPWSPSTARTUP;
import org.jwsp.bindings.windows.WSPData;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.bindings.windows.WSPUPCALLTABLE;
import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.ws2spi_h;
import org.junit.jupiter.api.Test;

/**
 * Bootstrap, the Java end of jwsp.dll: the address it hands out is a callable WSPStartup, and
 * every way the provider can be missing or broken gives 0 and a reason, never an exception.
 * (The JNI path from jwsp.dll is proven under Wine by BootstrapDllWineTest, with a stand-in JVM.)
 */
class BootstrapTest {

    private static final String HERE = BootstrapTest.class.getName();

    /** A provider whose startupStub() is a real WSPStartup-shaped upcall stub. */
    public static final class Working {
        static final AtomicInteger CALLS = new AtomicInteger();
        static final MemorySegment STUB = LPWSPSTARTUP.allocate((version, data, info, upcalls, procs) -> {
            CALLS.incrementAndGet();
            return version == (short) 0x0202 ? 0 : ws2spi_h.WSAVERNOTSUPPORTED();
        }, Arena.global());

        public static MemorySegment startupStub() {
            return STUB;
        }
    }

    public static final class Throwing {
        public static MemorySegment startupStub() {
            throw new IllegalStateException("provider refused");
        }
    }

    public static final class NotStatic {
        public MemorySegment startupStub() {
            return MemorySegment.NULL;
        }
    }

    public static final class WrongType {
        public static long startupStub() {
            return 1;
        }
    }

    public static final class ReturnsNull {
        public static MemorySegment startupStub() {
            return MemorySegment.NULL;
        }
    }

    public static final class BrokenInit {
        static final Object BROKEN = breaks();

        static Object breaks() {
            throw new IllegalStateException("static init broke");
        }

        public static MemorySegment startupStub() {
            return MemorySegment.NULL;
        }
    }

    @Test
    void theAddressIsTheProvidersStubAndCallsLikeAWspStartup() {
        long address = Bootstrap.wspStartupAddress(HERE + "$Working", "startupStub");

        assertEquals(Working.STUB.address(), address);
        assertEquals("", Bootstrap.failureReason());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment function = MemorySegment.ofAddress(address);
            MemorySegment data = arena.allocate(WSPData.layout());
            MemorySegment info = arena.allocate(WSAPROTOCOL_INFOW.layout());
            MemorySegment upcalls = arena.allocate(WSPUPCALLTABLE.layout());
            MemorySegment procs = arena.allocate(WSPPROC_TABLE.layout());
            int before = Working.CALLS.get();

            assertEquals(0, LPWSPSTARTUP.invoke(function, (short) 0x0202, data, info, upcalls, procs));
            assertEquals(ws2spi_h.WSAVERNOTSUPPORTED(),
                    LPWSPSTARTUP.invoke(function, (short) 0x0101, data, info, upcalls, procs));
            assertEquals(before + 2, Working.CALLS.get());
        }
    }

    @Test
    void missingProviderClassGivesZeroAndNamesTheClass() {
        assertFailure("org.jwsp.provider.NoSuchProvider", "startupStub",
                "no org.jwsp.provider.NoSuchProvider on the class path");
    }

    @Test
    void missingMethodGivesZero() {
        assertFailure(HERE + "$Working", "noSuchStub", "no public static " + HERE + "$Working.noSuchStub()");
    }

    @Test
    void providerThatThrowsGivesZeroWithItsException() {
        assertFailure(HERE + "$Throwing", "startupStub", "java.lang.IllegalStateException: provider refused");
    }

    @Test
    void instanceMethodGivesZero() {
        assertFailure(HERE + "$NotStatic", "startupStub", "is not static");
    }

    @Test
    void wrongReturnTypeGivesZero() {
        assertFailure(HERE + "$WrongType", "startupStub", "returns long, not java.lang.foreign.MemorySegment");
    }

    @Test
    void nullStubGivesZero() {
        assertFailure(HERE + "$ReturnsNull", "startupStub", "returned a NULL stub");
    }

    @Test
    void brokenClassInitialiserGivesZero() {
        assertFailure(HERE + "$BrokenInit", "startupStub", "class initialiser: java.lang.IllegalStateException: static init broke");
    }

    @Test
    void theDllsEntryPointNeverThrowsAndExplainsA0() {
        // On a class path without the provider (this branch) it is 0 with a reason; with it, a stub.
        long address = Bootstrap.wspStartupAddress();

        if (address == 0) {
            assertTrue(Bootstrap.failureReason().contains(Bootstrap.PROVIDER_CLASS), Bootstrap.failureReason());
        } else {
            assertEquals("", Bootstrap.failureReason());
        }
    }

    @Test
    void aSuccessClearsTheEarlierReason() {
        assertEquals(0, Bootstrap.wspStartupAddress(HERE + "$Throwing", "startupStub"));
        assertTrue(Bootstrap.failureReason().contains("provider refused"), Bootstrap.failureReason());

        assertEquals(Working.STUB.address(), Bootstrap.wspStartupAddress(HERE + "$Working", "startupStub"));
        assertEquals("", Bootstrap.failureReason());
    }

    private static void assertFailure(String providerClass, String method, String expectedReason) {
        assertEquals(0, Bootstrap.wspStartupAddress(providerClass, method));
        assertTrue(Bootstrap.failureReason().contains(expectedReason),
                () -> "reason '" + Bootstrap.failureReason() + "' lacks '" + expectedReason + "'");
    }
}
