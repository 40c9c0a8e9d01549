package org.jwsp.provider;

import static org.junit.jupiter.api.Assertions.*;
import static org.jwsp.bindings.windows.ws2spi_h.WSAENETDOWN;
import static org.jwsp.provider.SendFixture.SOCKET_ERROR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.jwsp.bindings.windows.WSATHREADID;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, defect 6: a send the lower provider completed at once, whose completion routine
 * WPUQueueApc refuses, must not return 0: the caller would wait for a routine that never runs.
 * The refusal is real: the WSATHREADID names a handle that is no thread (as a thread handle
 * closed meanwhile would), so the harness's WPUQueueApc answers WSAEINVAL. Through jwsp's
 * lpWSPSend pointer.
 */
class ApcRefusedTest {

    @Test
    void aRoutineThatCannotBeQueued_onAnImmediateCompletion_isNotASuccess() {
        try (SendFixture f = new SendFixture(); Arena a = Arena.ofConfined()) {
            long s = f.stream(true);
            MemorySegment tid = f.c.openCurrentThread(a);
            long notAThread = f.c.kernel.createEvent(true, false);
            try {
                WSATHREADID.ThreadHandle(tid, MemorySegment.ofAddress(notAThread));
                MemorySegment ov = f.overlapped(false);
                assertEquals(SOCKET_ERROR, f.sendWithRoutine(s, f.bufs(f.data("abcd")), 1, ov, tid),
                        "no routine will run, so no success");
                assertEquals(WSAENETDOWN(), f.errno());
                assertEquals(0, f.c.ws2.apcsQueued.get());
                assertEquals(4, SendFixture.result(ov)[1], "the OVERLAPPED still says what was sent");
            } finally {
                f.c.kernel.closeHandle(notAThread);
            }
        }
    }
}
