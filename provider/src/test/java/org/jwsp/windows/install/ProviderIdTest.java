package org.jwsp.windows.install;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** GUIDs in native memory are laid out as Windows stores them (Data1..3 little-endian, Data4 in order). */
class ProviderIdTest {

    @Test
    void aGuidIsStoredWithItsFirstThreeFieldsLittleEndian() {
        ProviderId msafd = ProviderId.parse("{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment guid = msafd.allocate(arena);
            assertArrayEquals(HexFormat.of().parseHex("A01A0FE78BABCF118CA300805F48A192"),
                    guid.toArray(ValueLayout.JAVA_BYTE));
            assertEquals(msafd, ProviderId.read(guid));
        }
    }

    @Test
    void theTextFormIsTheRegistrysBracedUppercaseForm() {
        assertEquals("{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}",
                ProviderId.parse("e70f1aa0-ab8b-11cf-8ca3-00805f48a192").toString());
    }

    @Test
    void jwspHasTwoDistinctIdsAndKnowsThem() {
        assertNotEquals(ProviderId.JWSP_LAYERED, ProviderId.JWSP_CHAINS);
        assertEquals(true, ProviderId.JWSP_LAYERED.isJwsp());
        assertEquals(true, ProviderId.JWSP_CHAINS.isJwsp());
        assertEquals(false, WindowsCatalogFixture.MSAFD_IPV4.isJwsp());
    }
}
