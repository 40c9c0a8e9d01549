package org.jwsp.provider;

import static org.jwsp.bindings.windows.ws2spi_h.AF_INET;
import static org.jwsp.bindings.windows.ws2spi_h.WSA_FLAG_OVERLAPPED;

import org.junit.jupiter.api.Test;
import org.jwsp.host.base.CloseAbortsTest;
import org.jwsp.testkit.Pair;

/**
 * Close aborts what it cuts, through jwsp over the real host: an overlapped send that
 * closesocket cuts short ends with {@code WSA_OPERATION_ABORTED} and the count the peer actually
 * receives (the base provider's checks, {@link CloseAbortsTest}, run on a jwsp socket).
 */
class HostCloseAbortsTest {

    @Test
    void aSendCutShortByCloseThroughJwspEndsAbortedWithTheCountTheWireCarried() throws Exception {
        OverTheHost.run((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                CloseAbortsTest.assertCutSendAborts(ws2, p, arena);
            }
        });
    }

    @Test
    void aReceiveCutByCloseThroughJwspEndsAborted() throws Exception {
        OverTheHost.run((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                CloseAbortsTest.assertCutReceiveAborts(ws2, p, arena);
            }
        });
    }

    @Test
    void aSendTheLowerRingMovedInPartThroughJwspEndsAbortedWithThatPart() throws Exception {
        OverTheHost.run((ws2, installed, arena) -> {
            try (Pair p = Pair.tcp(ws2, AF_INET(), WSA_FLAG_OVERLAPPED(), arena)) {
                CloseAbortsTest.assertRingCutSendAborts(ws2, p, arena);
            }
        });
    }
}
