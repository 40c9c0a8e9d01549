package org.jwsp.provider;

import org.jwsp.bindings.CallerMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jwsp.bindings.windows.ws2spi_h;

/**
 * Writes a WSA code through a caller's {@code lpErrno} (bounded to one INT) and returns
 * SOCKET_ERROR: the single exit of every refused call. A null {@code lpErrno} cannot be
 * written; the call still returns SOCKET_ERROR (documented in CONTRACT.md). Expected
 * refusals log at DEBUG; a Throwable caught in an upcall logs once at ERROR.
 */
final class Errno {

    private static final Logger LOG = LogManager.getLogger(Errno.class);
    static final int SOCKET_ERROR = ws2spi_h.SOCKET_ERROR();
    static final long INVALID_SOCKET = ws2spi_h.INVALID_SOCKET();

    private Errno() {
    }

    static void set(MemorySegment lpErrno, int code) {
        if (lpErrno.address() != 0) {
            lpErrno.reinterpret(ValueLayout.JAVA_INT.byteSize()).set(ValueLayout.JAVA_INT, 0, code);
        }
    }

    /** {@link #set} for an lpErrno received as an address (the raw WSPSend entry). */
    static void set(long lpErrno, int code) {
        if (lpErrno != 0) {
            CallerMemory.putInt(lpErrno, code);
        }
    }

    static int fail(long lpErrno, WsaCondition condition) {
        set(lpErrno, condition.code());
        if (LOG.isDebugEnabled()) {
            LOG.debug("refused: {} ({})", condition, condition.code());
        }
        return SOCKET_ERROR;
    }

    static int fault(long lpErrno, String entry, Throwable t) {
        return fault(MemorySegment.ofAddress(lpErrno), entry, t);
    }

    static int fail(MemorySegment lpErrno, WsaCondition condition) {
        set(lpErrno, condition.code());
        if (LOG.isDebugEnabled()) {
            LOG.debug("refused: {} ({})", condition, condition.code());
        }
        return SOCKET_ERROR;
    }

    /** An upcall body caught {@code t}: log once, answer WSAENETDOWN. */
    static int fault(MemorySegment lpErrno, String entry, Throwable t) {
        LOG.error("{} failed inside jwsp; answering {}", entry, WsaCondition.PROVIDER_FAULT, t);
        try {
            set(lpErrno, WsaCondition.PROVIDER_FAULT.code());
        } catch (Throwable ignored) {
            // lpErrno itself is unusable: SOCKET_ERROR is all the caller gets
        }
        return SOCKET_ERROR;
    }

    static long faultSocket(MemorySegment lpErrno, String entry, Throwable t) {
        fault(lpErrno, entry, t);
        return INVALID_SOCKET;
    }
}
