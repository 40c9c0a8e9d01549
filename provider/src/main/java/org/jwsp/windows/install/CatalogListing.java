package org.jwsp.windows.install;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.stream.Collectors;

import org.jwsp.bindings.windows.WSAPROTOCOL_INFOW;
import org.jwsp.bindings.windows.ws2spi_h;

/**
 * Formats a catalog the way {@code netsh winsock show catalog} does: one block per entry, in
 * catalog order, each field on its own line with the label padded to one column:
 * <pre>
 * Winsock Catalog Provider Entry
 * ------------------------------------------------------
 * Entry Type:                         Base Service Provider
 * Description:                        MSAFD Tcpip [TCP/IP]
 * Provider ID:                        {E70F1AA0-AB8B-11CF-8CA3-00805F48A192}
 * Provider Path:                      %SystemRoot%\system32\mswsock.dll
 * Catalog Entry ID:                   1001
 * ...
 * Protocol Chain Length:              1
 * </pre>
 * Two lines netsh leaves out are added so one can see what jwsp is: chain entries have a
 * {@code Protocol Chain:} line ({@code 1025 : 1001}, top layer first), and an entry whose provider
 * has LSP categories an {@code LSP Categories:} line ({@code 0x00000021 (LSP_INSPECTOR |
 * LSP_OUTBOUND_MODIFY)}); {@code Provider Flags} is {@code dwProviderFlags}. Stateless; any thread.
 */
public final class CatalogListing {

    static final String TITLE = "Winsock Catalog Provider Entry";
    private static final String RULE = "-".repeat(54);
    private static final int LABEL_WIDTH = 36;

    /** The LSP_* categories of ws2spi.h, in bit order, and their names. */
    private static final long[] CATEGORY_BITS = {
        ws2spi_h.LSP_INSPECTOR(), ws2spi_h.LSP_REDIRECTOR(), ws2spi_h.LSP_PROXY(), ws2spi_h.LSP_FIREWALL(),
        ws2spi_h.LSP_INBOUND_MODIFY(), ws2spi_h.LSP_OUTBOUND_MODIFY(), ws2spi_h.LSP_CRYPTO_COMPRESS(),
        ws2spi_h.LSP_LOCAL_CACHE(), Integer.toUnsignedLong(ws2spi_h.LSP_SYSTEM())};
    private static final String[] CATEGORY_NAMES = {
        "LSP_INSPECTOR", "LSP_REDIRECTOR", "LSP_PROXY", "LSP_FIREWALL", "LSP_INBOUND_MODIFY", "LSP_OUTBOUND_MODIFY",
        "LSP_CRYPTO_COMPRESS", "LSP_LOCAL_CACHE", "LSP_SYSTEM"};

    private CatalogListing() {
    }

    /** The listing of {@code entries}; provider paths come from {@code source} ("(unknown)" when it has none). */
    public static String format(MemorySegment[] entries, CatalogSource source) {
        StringBuilder out = new StringBuilder();
        for (MemorySegment entry : entries) {
            out.append('\n').append(TITLE).append('\n').append(RULE).append('\n');
            line(out, "Entry Type", entryType(ProtocolInfo.chainLength(entry)));
            line(out, "Description", ProtocolInfo.name(entry));
            line(out, "Provider ID", ProtocolInfo.providerId(entry).toString());
            String path = source.providerPath(entry);
            line(out, "Provider Path", path == null ? "(unknown)" : path);
            line(out, "Catalog Entry ID", Integer.toUnsignedString(ProtocolInfo.catalogId(entry)));
            line(out, "Version", Integer.toString(WSAPROTOCOL_INFOW.iVersion(entry)));
            line(out, "Address Family", Integer.toString(WSAPROTOCOL_INFOW.iAddressFamily(entry)));
            line(out, "Max Address Length", Integer.toString(WSAPROTOCOL_INFOW.iMaxSockAddr(entry)));
            line(out, "Min Address Length", Integer.toString(WSAPROTOCOL_INFOW.iMinSockAddr(entry)));
            line(out, "Socket Type", Integer.toString(WSAPROTOCOL_INFOW.iSocketType(entry)));
            line(out, "Protocol", Integer.toString(WSAPROTOCOL_INFOW.iProtocol(entry)));
            line(out, "Service Flags", String.format(Locale.ROOT, "0x%x", WSAPROTOCOL_INFOW.dwServiceFlags1(entry)));
            line(out, "Provider Flags", String.format(Locale.ROOT, "0x%x", WSAPROTOCOL_INFOW.dwProviderFlags(entry)));
            line(out, "Protocol Chain Length", Integer.toString(ProtocolInfo.chainLength(entry)));
            int[] chain = ProtocolInfo.chain(entry);
            if (chain.length > 1) {
                line(out, "Protocol Chain", Arrays.stream(chain).mapToObj(Integer::toUnsignedString)
                        .collect(Collectors.joining(" : ")));
            }
            long categories = source.lspCategories(entry);
            if (categories > 0) {
                line(out, "LSP Categories", String.format(Locale.ROOT, "0x%08x (%s)", categories, categoryNames(categories)));
            }
        }
        return out.toString();
    }

    /**
     * One line per entry, in catalog order, under a header: catalog ID, the chain (top layer
     * first), the kind of entry, {@code dwServiceFlags1}, {@code dwProviderFlags}, the LSP
     * categories ({@code -} when none or unknown), the DLL path and the description. Columns are as
     * wide as their longest value.
     */
    public static String brief(MemorySegment[] entries, CatalogSource source) {
        java.util.List<String[]> rows = new java.util.ArrayList<>();
        rows.add(new String[] {"ID", "Chain", "Type", "Service", "Provider", "Categories", "Path", "Description"});
        for (MemorySegment entry : entries) {
            int[] chain = ProtocolInfo.chain(entry);
            String path = source.providerPath(entry);
            rows.add(new String[] {
                Integer.toUnsignedString(ProtocolInfo.catalogId(entry)),
                chain.length == 0 ? "-" : Arrays.stream(chain).mapToObj(Integer::toUnsignedString)
                        .collect(Collectors.joining(":")),
                switch (ProtocolInfo.chainLength(entry)) {
                    case 0 -> "layered";
                    case 1 -> "base";
                    default -> "chain";
                },
                String.format(Locale.ROOT, "0x%x", WSAPROTOCOL_INFOW.dwServiceFlags1(entry)),
                String.format(Locale.ROOT, "0x%x", WSAPROTOCOL_INFOW.dwProviderFlags(entry)),
                categories(source.lspCategories(entry)),
                path == null ? "(unknown)" : path,
                ProtocolInfo.name(entry)});
        }
        int[] width = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                out.append(c == row.length - 1 ? row[c] : row[c] + " ".repeat(width[c] - row[c].length() + 2));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** netsh's words for the three kinds of entry. */
    static String entryType(int chainLength) {
        return switch (chainLength) {
            case 0 -> "Layered Service Provider";
            case 1 -> "Base Service Provider";
            default -> "Layered Chain Entry";
        };
    }

    private static String categories(long categories) {
        return categories > 0 ? String.format(Locale.ROOT, "0x%08x", categories) : "-";
    }

    /** The names of the LSP_* bits set in {@code categories}, joined by " | " (unnamed bits in hex). */
    static String categoryNames(long categories) {
        StringJoiner names = new StringJoiner(" | ");
        long left = categories;
        for (int i = 0; i < CATEGORY_BITS.length; i++) {
            if ((categories & CATEGORY_BITS[i]) != 0) {
                names.add(CATEGORY_NAMES[i]);
                left &= ~CATEGORY_BITS[i];
            }
        }
        if (left != 0) {
            names.add(String.format(Locale.ROOT, "0x%x", left));
        }
        return names.toString();
    }

    private static void line(StringBuilder out, String label, String value) {
        String head = label + ":";
        out.append(head).append(" ".repeat(Math.max(1, LABEL_WIDTH - head.length()))).append(value).append('\n');
    }
}
