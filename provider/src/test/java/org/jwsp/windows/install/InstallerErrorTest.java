package org.jwsp.windows.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The installer's one error table: distinct exit codes, the catalog-code mapping, and the documented copy. */
class InstallerErrorTest {

    /** The module runs its tests from provider/, the docs live beside it. */
    private static final Path DOCS = Path.of("..", "docs", "WINDOWS.md");

    @Test
    void everyErrorHasItsOwnNonZeroExitCode() {
        Set<Integer> codes = new HashSet<>();
        for (InstallerError e : InstallerError.values()) {
            assertTrue(e.exitCode() > 1 && codes.add(e.exitCode()), e + " " + e.exitCode());
        }
    }

    @Test
    void accessRefusalsAreNotElevatedAndEveryOtherCatalogCodeIsCatalogRefused() {
        assertEquals(InstallerError.NOT_ELEVATED, InstallerError.of(new CatalogException("x", 10013))); // WSAEACCES
        assertEquals(InstallerError.NOT_ELEVATED, InstallerError.of(new CatalogException("x", 5))); // ERROR_ACCESS_DENIED
        assertEquals(InstallerError.CATALOG_REFUSED, InstallerError.of(new CatalogException("x", 11003))); // WSANO_RECOVERY
        assertEquals(InstallerError.CATALOG_REFUSED, InstallerError.of(new CatalogException("x", 10022))); // WSAEINVAL
        assertEquals(InstallerError.CATALOG_REFUSED, InstallerError.of(new CatalogException("x", "no call", null)));
    }

    @Test
    void docsWindowsMdListsExactlyTheseCodes() throws IOException {
        String docs = Files.readString(DOCS);
        Matcher row = Pattern.compile("(?m)^\\| (\\d+) \\| `([A-Z_]+)` \\|").matcher(docs);
        Set<String> documented = new HashSet<>();
        while (row.find()) {
            documented.add(row.group(1) + " " + row.group(2));
        }
        Set<String> actual = new HashSet<>();
        Arrays.stream(InstallerError.values()).forEach(e -> actual.add(e.exitCode() + " " + e.name()));
        assertEquals(actual, documented);
    }
}
