package org.jwsp.windows.install;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.UUID;

import org.jwsp.bindings.windows.GUID;

/**
 * A Winsock provider GUID ({@code WSAPROTOCOL_INFOW.ProviderId}), read from and written to native
 * {@code GUID} structs through the generated layout.
 *
 * <p>{@code GUID} is {@code {DWORD Data1; WORD Data2; WORD Data3; BYTE Data4[8];}} with the first
 * three fields little-endian in memory; its text form is the registry's
 * {@code {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}}, which is what {@link UUID} holds when
 * {@code Data1..3} make the high 64 bits and {@code Data4} the low 64 bits in order. Immutable.
 */
public record ProviderId(UUID uuid) {

    /** The hidden layered entry of jwsp (ChainLen 0): the catalog id every jwsp chain starts with. */
    public static final ProviderId JWSP_LAYERED = new ProviderId(org.jwsp.provider.ProviderSettings.LAYERED_PROVIDER_ID);
    /** Every jwsp protocol chain entry (ChainLen 2: jwsp, then one base provider). */
    public static final ProviderId JWSP_CHAINS = parse("{6A77B5C2-3D2E-4F70-9C4B-1E5A0B7D2F11}");

    /** Parses {@code {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}} (braces optional). */
    public static ProviderId parse(String text) {
        String bare = text.startsWith("{") && text.endsWith("}") ? text.substring(1, text.length() - 1) : text;
        return new ProviderId(UUID.fromString(bare));
    }

    /** Reads the GUID at {@code guid} (a {@code GUID}-sized segment, e.g. {@code WSAPROTOCOL_INFOW.ProviderId(entry)}). */
    public static ProviderId read(MemorySegment guid) {
        long high = (GUID.Data1(guid) & 0xFFFF_FFFFL) << 32
                | (GUID.Data2(guid) & 0xFFFFL) << 16
                | (GUID.Data3(guid) & 0xFFFFL);
        long low = 0;
        for (int i = 0; i < 8; i++) {
            low = low << 8 | (GUID.Data4(guid, i) & 0xFF);
        }
        return new ProviderId(new UUID(high, low));
    }

    /** Writes this GUID into {@code guid}. */
    public void write(MemorySegment guid) {
        long high = uuid.getMostSignificantBits();
        long low = uuid.getLeastSignificantBits();
        GUID.Data1(guid, (int) (high >>> 32));
        GUID.Data2(guid, (short) (high >>> 16));
        GUID.Data3(guid, (short) high);
        for (int i = 0; i < 8; i++) {
            GUID.Data4(guid, i, (byte) (low >>> (56 - 8 * i)));
        }
    }

    /** A fresh native {@code GUID} holding this id, owned by {@code arena}. */
    public MemorySegment allocate(Arena arena) {
        MemorySegment guid = GUID.allocate(arena);
        write(guid);
        return guid;
    }

    /** True for the two ids jwsp installs under. */
    public boolean isJwsp() {
        return equals(JWSP_LAYERED) || equals(JWSP_CHAINS);
    }

    @Override
    public String toString() {
        return "{" + uuid.toString().toUpperCase(Locale.ROOT) + "}";
    }
}
