package org.jwsp.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.jwsp.provider.LayeredProvider;

/**
 * What {@link JwspSendBenchmark} (and the overlapped benchmarks) measure works: each sender goes through the provider it names,
 * its sends complete with every byte, the sink receives exactly those bytes, and closing it
 * leaves no descriptor, no jwsp runtime and no catalog entry behind.
 */
class WinsockSenderTest {

    @ParameterizedTest(name = "jwsp={0} overlapped={1} spinning={2}")
    @CsvSource({"true,false,false", "false,false,false", "true,true,false", "false,true,false", "true,true,true"})
    void sendsEveryByteThroughTheProviderItNamesAndCleansUp(boolean jwsp, boolean overlapped, boolean spinning) throws Exception {
        new WinsockSender("warm-up", jwsp, overlapped, 64, 1, 64).close(); // the host's own port and threads start once per process
        long fds = openFds();
        WinsockSender sender = new WinsockSender("test", jwsp, overlapped, 64, 16, 64);
        assertEquals(jwsp, sender.throughJwsp());
        if (spinning) {
            sender.spinning(); // reaps by polling the port (SpinningReapBenchmark)
        }
        for (int i = 0; i < 3 * 64; i++) {
            if (overlapped) {
                sender.overlappedSend();
            } else {
                assertEquals(16 * 64, sender.blockingSend());
            }
        }
        sender.close(); // reaps what is in flight and throws unless the sink got exactly the completed bytes
        assertFalse(LayeredProvider.started());
        assertEquals(fds, openFds(), "open fds");
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
