package org.jwsp.host.upcall;

import java.lang.foreign.MemorySegment;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What every upcall body of the host does with a {@link Throwable} it did not expect: log it
 * once (with the entry's name) and turn it into the Winsock code of {@link WsaErrors#fromThrowable},
 * written to {@code lpErrno}. Never throws, so nothing escapes into native code (an exception
 * escaping an FFM upcall would terminate the JVM).
 */
public final class UpcallFaults {

    private static final Logger LOG = LogManager.getLogger(UpcallFaults.class);

    private UpcallFaults() {
    }

    /** Logs, maps, writes {@code lpErrno}; returns the code. */
    public static int report(String entry, Throwable fault, MemorySegment lpErrno) {
        return report(entry, fault, lpErrno == null ? 0L : lpErrno.address());
    }

    /** {@link #report(String, Throwable, MemorySegment)} for an entry that takes {@code lpErrno} as an address. */
    public static int report(String entry, Throwable fault, long lpErrno) {
        int code = WsaErrors.fromThrowable(fault);
        try {
            LOG.error("{} failed inside the host, answered with WSA error {}", entry, code, fault);
        } catch (Throwable ignored) {
            // logging must not be the thing that kills the process
        }
        try {
            WsaErrors.set(lpErrno, code);
        } catch (Throwable ignored) {
            // lpErrno itself is not writable: nothing more to tell the caller
        }
        return code;
    }
}
