package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.WSPData;
import org.jwsp.bindings.windows.WSPPROC_TABLE;
import org.jwsp.bindings.windows.ws2spi_h;
import org.jwsp.testkit.FakeWs2;
import org.jwsp.testkit.JwspClient;
import org.jwsp.testkit.PeerReader;
import org.junit.jupiter.api.Test;

/**
 * WSPStartup and WSPCleanup, called through jwsp's native pointer over the test harness
 * (its catalog and fake lower provider; HostIntegrationTest starts jwsp through the real host's catalog).
 */
class WspStartupTest {

    @Test
    void version22IsServed_wspDataFilled_thirtyEntries_nextProviderOfTheChainStarted() {
        try (JwspClient c = JwspClient.unstarted(s -> s)) {
            assertEquals(0, c.startup((short) 0x0202, FakeWs2.JWSP_TCP));
            assertEquals(0x0202, WSPData.wVersion(c.wspData));
            assertEquals(0x0202, WSPData.wHighVersion(c.wspData));
            assertNotEquals(0, WSPData.szDescription(c.wspData, 0));
            long entries = WSPPROC_TABLE.layout().byteSize() / 8;
            assertEquals(30, entries);
            for (int i = 0; i < entries; i++) {
                assertNotEquals(0L, c.procTable.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, i), "entry " + i);
            }
            assertEquals(1, c.lower.startups.get(), "the next provider of the chain is started once");
            assertTrue(LayeredProvider.started());
        }
    }

    @Test
    void versionBelow22_isRefusedWithWSAVERNOTSUPPORTED() {
        try (JwspClient c = JwspClient.unstarted(s -> s)) {
            assertEquals(ws2spi_h.WSAVERNOTSUPPORTED(), c.startup((short) 0x0101, FakeWs2.JWSP_TCP));
            assertEquals(ws2spi_h.WSAVERNOTSUPPORTED(), c.startup((short) 0x0002, FakeWs2.JWSP_TCP));
            assertFalse(LayeredProvider.started());
            assertEquals(0, c.lower.startups.get());
        }
    }

    @Test
    void chainWithoutANextProvider_isRefusedWithWSAEPROVIDERFAILEDINIT() {
        try (JwspClient c = JwspClient.unstarted(s -> s)) {
            assertEquals(ws2spi_h.WSAEPROVIDERFAILEDINIT(), c.startup((short) 0x0202, FakeWs2.JWSP_LAYER));
            assertFalse(LayeredProvider.started());
        }
    }

    @Test
    void cleanupReleasesEverythingStartupMade() {
        int fds = PeerReader.openFds();
        try (JwspClient c = JwspClient.unstarted(s -> s)) {
            int handles = c.kernel.openHandles();
            assertEquals(0, c.startup((short) 0x0202, FakeWs2.JWSP_TCP));
            assertEquals(0, c.startup((short) 0x0202, FakeWs2.JWSP_UDP), "a second entry of jwsp shares the runtime");
            long s = c.streamSocket(true);
            assertNotEquals(ws2spi_h.INVALID_SOCKET(), s);
            assertEquals(0, c.cleanup());
            assertTrue(LayeredProvider.started(), "one WSPCleanup per WSPStartup");
            assertEquals(0, c.cleanup());
            assertFalse(LayeredProvider.started());
            assertEquals(1, c.lower.cleanups.get());
            assertEquals(0, c.lower.openSockets(), "the socket the client left open was closed");
            assertEquals(0, c.ws2.openSocketHandles());
            assertEquals(handles, c.kernel.openHandles(), "the completion port is closed");
            assertEquals(ws2spi_h.SOCKET_ERROR(), c.cleanup(), "cleanup without startup");
            assertEquals(ws2spi_h.WSANOTINITIALISED(), c.errno());
        }
        assertEquals(fds, PeerReader.openFds());
    }

    @Test
    void nullArgumentsToStartup_failInitWithoutCrashing() {
        try (JwspClient c = JwspClient.unstarted(s -> s)) {
            assertEquals(ws2spi_h.WSAEPROVIDERFAILEDINIT(), org.jwsp.bindings.windows.LPWSPSTARTUP.invoke(LayeredProvider.startupStub(),
                    (short) 0x0202, MemorySegment.NULL, MemorySegment.NULL, c.ws2.upcallTable(), MemorySegment.NULL));
        }
    }
}
