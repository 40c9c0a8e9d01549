package org.jwsp.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jwsp.windows.install.ProviderId;
import org.junit.jupiter.api.Test;

/**
 * The provider GUIDs the C side writes as GUID initializers — jwsp.dll finding its own layered
 * entry in a chain to pass calls on, jwsp-admin.exe uninstalling and categorizing, the Wine
 * test's stand-in catalog — are the ones the Java installer installs under
 * ({@link ProviderId#JWSP_LAYERED}, {@link ProviderId#JWSP_CHAINS}). A mismatch would make the
 * bootstrap unable to fail open and the tool unable to find jwsp; the Wine tests, which use the
 * C constants on both sides, could not see it.
 */
class NativeProviderIdTest {

    private static final Pattern GUID = Pattern.compile("static const GUID (\\w+) = \\{0x(\\w{8}), 0x(\\w{4}), 0x(\\w{4}), "
            + "\\{0x(\\w\\w), 0x(\\w\\w), 0x(\\w\\w), 0x(\\w\\w), 0x(\\w\\w), 0x(\\w\\w), 0x(\\w\\w), 0x(\\w\\w)}};");

    @Test
    void theCSideNamesJwspsGuidsAsTheInstallerDoes() throws Exception {
        Map<String, String> bootstrap = guids("src/main/c/bootstrap/jwsp_next.c");
        Map<String, String> admin = guids("src/main/c/admin/jwsp_admin.c");
        Map<String, String> fake = guids("src/test/c/bootstrap/fake_ws2_32.c");

        assertEquals(ProviderId.JWSP_LAYERED.toString(), bootstrap.get("JWSP_LAYERED_GUID"));
        assertEquals(ProviderId.JWSP_LAYERED.toString(), admin.get("JWSP_LAYERED"));
        assertEquals(ProviderId.JWSP_CHAINS.toString(), admin.get("JWSP_CHAINS"));
        assertEquals(ProviderId.JWSP_LAYERED.toString(), fake.get("JWSP_LAYERED"));
        assertEquals(ProviderId.JWSP_CHAINS.toString(), fake.get("JWSP_CHAINS"));
    }

    private static Map<String, String> guids(String file) throws Exception {
        Matcher m = GUID.matcher(Files.readString(Path.of(file)));
        Map<String, String> found = new LinkedHashMap<>();
        while (m.find()) {
            String text = "{" + m.group(2) + "-" + m.group(3) + "-" + m.group(4) + "-" + m.group(5) + m.group(6) + "-"
                    + String.join("", List.of(m.group(7), m.group(8), m.group(9), m.group(10), m.group(11), m.group(12)))
                    + "}";
            found.put(m.group(1), text.toUpperCase(Locale.ROOT));
        }
        return found;
    }
}
