package org.jwsp.host.catalog;

import java.lang.foreign.MemorySegment;
import java.util.UUID;

import org.jwsp.bindings.windows.GUID;

/**
 * {@link UUID} &lt;-&gt; Windows {@code GUID} ({@code Data1} 32 bits, {@code Data2}/{@code Data3}
 * 16 bits in native order, {@code Data4} the last 8 bytes in textual order). Static.
 */
public final class Guids {

    private Guids() {
    }

    public static void write(UUID id, MemorySegment guid) {
        long msb = id.getMostSignificantBits();
        long lsb = id.getLeastSignificantBits();
        GUID.Data1(guid, (int) (msb >>> 32));
        GUID.Data2(guid, (short) (msb >>> 16));
        GUID.Data3(guid, (short) msb);
        for (int i = 0; i < 8; i++) {
            GUID.Data4(guid, i, (byte) (lsb >>> (56 - 8 * i)));
        }
    }

    public static UUID read(MemorySegment guid) {
        long msb = ((long) GUID.Data1(guid) << 32) | ((GUID.Data2(guid) & 0xFFFFL) << 16) | (GUID.Data3(guid) & 0xFFFFL);
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            lsb = (lsb << 8) | (GUID.Data4(guid, i) & 0xFF);
        }
        return new UUID(msb, lsb);
    }
}
