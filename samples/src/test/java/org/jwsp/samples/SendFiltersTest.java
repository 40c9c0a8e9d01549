package org.jwsp.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.jwsp.provider.filter.SendFilter;
import org.jwsp.provider.filter.SendFilters;
import org.jwsp.samples.filter.SocketMeter;

/** The filter API's own door, {@link SendFilters}, through a program's real WSASends over the host. */
class SendFiltersTest {

    @Test
    void aFilterInstalledWhileJwspRunsSeesTheNextSendsAndItsVerdictsHold() throws Exception {
        try (EchoServer echo = EchoServer.start(); JwspOnHost jwsp = JwspOnHost.install(SendFilter.PASS_THROUGH);
             EchoConnection c = new EchoConnection(jwsp.winsock(), echo.port())) {
            SocketMeter meter = new SocketMeter();
            meter.watch(c.socket());
            SendFilters.install(meter);
            SendTally t = new SendTally();
            WinsockSends.blocking(jwsp.winsock(), c, 5, new int[] {100}, 0, t);
            assertEquals(5, meter.read(c.socket()).sends(), "the installed filter saw every send");
            SendFilters.install(send -> SendFilters.refuse(SendFilters.WSAEACCES));
            WinsockSends.blocking(jwsp.winsock(), c, 3, new int[] {100}, SendFilters.WSAEACCES, t);
            assertEquals(3, t.refused, "the new filter's refusals reach the caller as WSAEACCES");
            assertEquals(5, meter.read(c.socket()).sends(), "the replaced filter sees no more sends");
            c.awaitEcho(WinsockSends.WAIT_MILLIS);
            assertEquals(500, c.received());
        }
    }

    @Test
    void verdictsAndReleasesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> SendFilters.refuse(0));
        assertThrows(IllegalArgumentException.class, () -> SendFilters.refuse(SendFilters.DELAY));
        assertTrue(SendFilters.isRefusal(SendFilters.refuse(SendFilters.WSAENETUNREACH)));
        assertFalse(SendFilters.isRefusal(SendFilters.PASS));
        assertFalse(SendFilters.release(0x1234_5678L), "no held send has that ticket");
        assertThrows(NullPointerException.class, () -> SendFilters.install(null));
    }
}
