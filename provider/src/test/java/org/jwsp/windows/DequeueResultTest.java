package org.jwsp.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jwsp.kernel.KernelPort;
import org.junit.jupiter.api.Test;

/**
 * The table that turns {@code GetQueuedCompletionStatusEx}'s BOOL, count and GetLastError, and
 * {@code WaitForSingleObjectEx}'s DWORD, into {@link KernelPort}'s results. Error values are
 * Windows' (winerror.h / winbase.h), written out so a wrong binding constant shows here.
 */
class DequeueResultTest {

    private static final int WAIT_TIMEOUT = 258;
    private static final int WAIT_IO_COMPLETION = 0xC0;
    private static final int ERROR_INVALID_HANDLE = 6;
    private static final int ERROR_ABANDONED_WAIT_0 = 735;

    @Test
    void aSuccessfulDequeueReturnsTheNumberOfEntriesRemoved() {
        assertEquals(1, WindowsKernelPort.dequeueResult(1, 1, 0));
        assertEquals(64, WindowsKernelPort.dequeueResult(1, 64, 0));
    }

    @Test
    void aTimeoutIsDequeueTimeout() {
        assertEquals(KernelPort.DEQUEUE_TIMEOUT, WindowsKernelPort.dequeueResult(0, 0, WAIT_TIMEOUT));
    }

    @Test
    void apcsRunDuringAnAlertableDequeueAreDequeueIoCompletion() {
        assertEquals(KernelPort.DEQUEUE_IO_COMPLETION, WindowsKernelPort.dequeueResult(0, 0, WAIT_IO_COMPLETION));
    }

    @Test
    void aPortClosedWhileWaitingOrNeverOpenIsDequeueClosed() {
        assertEquals(KernelPort.DEQUEUE_CLOSED, WindowsKernelPort.dequeueResult(0, 0, ERROR_ABANDONED_WAIT_0));
        assertEquals(KernelPort.DEQUEUE_CLOSED, WindowsKernelPort.dequeueResult(0, 0, ERROR_INVALID_HANDLE));
    }

    @Test
    void waitResultsPassUnchangedAndAnythingElseIsWaitFailed() {
        assertEquals(KernelPort.WAIT_OBJECT_0, WindowsKernelPort.waitResult(0));
        assertEquals(KernelPort.WAIT_TIMEOUT, WindowsKernelPort.waitResult(WAIT_TIMEOUT));
        assertEquals(KernelPort.WAIT_IO_COMPLETION, WindowsKernelPort.waitResult(WAIT_IO_COMPLETION));
        assertEquals(KernelPort.WAIT_FAILED, WindowsKernelPort.waitResult(0xFFFFFFFF));
        assertEquals(KernelPort.WAIT_FAILED, WindowsKernelPort.waitResult(0x80)); // WAIT_ABANDONED
    }
}
