package org.jwsp.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The samples' send loops on the base provider alone, with no jwsp in the catalog: a sender must
 * be correct against Winsock itself, not only through jwsp. Written against the old loops, which
 * cleared an OVERLAPPED with the generated {@code OVERLAPPED.asSlice(array, i)} (element i to
 * the end of the array) and so wiped OVERLAPPEDs still in flight, these stalled after a few sends
 * ("no completion packet within 5000 ms", "no completion routine ran"); through jwsp the bug hid.
 */
class SendLoopsOnBaseTest {

    private EchoServer echo;
    private JwspOnHost base;
    private Winsock ws2;

    @BeforeEach
    void start() throws Exception {
        echo = EchoServer.start();
        base = JwspOnHost.baseProviderOnly();
        ws2 = base.winsock();
    }

    @AfterEach
    void stop() throws Exception {
        base.close();
        echo.close();
    }

    @Test
    void completionPortWindowSendsEveryByteOnTheBaseAlone() throws Exception {
        try (EchoConnection c = new EchoConnection(ws2, echo.port())) {
            assertFalse(ws2.throughJwsp(c.socket()), "the base provider serves this socket");
            SendTally t = new SendTally();
            WinsockSends.throughCompletionPort(ws2, c, 400, 2, 512, 16, t);
            c.awaitEcho(WinsockSends.WAIT_MILLIS);
            assertEquals(400, t.byPort);
            assertEquals(400L * 1024, c.received());
        }
    }

    @Test
    void completionRoutineWindowSendsEveryByteOnTheBaseAlone() throws Exception {
        try (EchoConnection c = new EchoConnection(ws2, echo.port())) {
            SendTally t = new SendTally();
            WinsockSends.withCompletionRoutine(ws2, c, 400, 512, 16, t);
            c.awaitEcho(WinsockSends.WAIT_MILLIS);
            assertEquals(400, t.byRoutine);
            assertEquals(400L * 512, c.received());
        }
    }

    @Test
    void eventAndBlockingSendsWorkOnTheBaseAlone() throws Exception {
        try (EchoConnection c = new EchoConnection(ws2, echo.port())) {
            SendTally t = new SendTally();
            WinsockSends.withEvent(ws2, c, 50, 4096, t);
            WinsockSends.blocking(ws2, c, 50, new int[] {100, 9000}, 0, t);
            c.awaitEcho(WinsockSends.WAIT_MILLIS);
            assertEquals(50, t.byEvent);
            assertEquals(50, t.blocking);
            assertEquals(c.planned(), c.received());
        }
    }

    @Test
    void zeroCopyGatherLoopSendsTheWholeRegionOnTheBaseAlone() throws Exception {
        SampleRun run = SampleRun.of(out -> ZeroCopyGatherSend.run(out, ws2, echo));
        assertEquals(0, run.exitCode(), run.output());
        assertEquals(ZeroCopyGatherSend.REGION, SampleRun.numbers(run.line("echoed and verified "))[0]);
    }
}
