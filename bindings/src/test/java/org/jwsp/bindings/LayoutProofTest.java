package org.jwsp.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jwsp.bindings.LayoutTable.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every struct size, alignment, field offset and field size, and every constant, of both
 * generated packages equals what the C compiler computes from the same headers.
 */
class LayoutProofTest {

    @TempDir
    Path work;

    @Test
    void windowsBindingsMatchMingwW64() throws Exception {
        requireCompiler(CompilerCheck.WINDOWS_CC, "gcc-mingw-w64-x86-64");
        List<LayoutFact> facts = all(Target.WINDOWS);
        List<CompilerCheck.Mismatch> mismatches = CompilerCheck.windows(facts, work);
        assertTrue(mismatches.isEmpty(), () -> "Windows bindings disagree with " + CompilerCheck.WINDOWS_CC
                + ":\n" + String.join("\n", mismatches.stream().map(Object::toString).toList()));
    }

    /** The GUIDs jextract cannot generate ({@link WinsockExtensions}) against mswsock.h's macros. */
    @Test
    void extensionFunctionGuidsMatchMingwW64() throws Exception {
        requireCompiler(CompilerCheck.WINDOWS_CC, "gcc-mingw-w64-x86-64");
        List<String> macros = WinsockExtensions.GUIDS.stream().map(WinsockExtensions.NamedGuid::macro).toList();
        List<String> expansions = CompilerCheck.windowsExpansions(macros, work);
        for (int i = 0; i < macros.size(); i++) {
            assertEquals(guidInitialiser(WinsockExtensions.GUIDS.get(i).value()), expansions.get(i).toLowerCase(), macros.get(i));
        }
    }

    /** {@code {0xb5367df1,0xcbac,0x11cf,{0x95,...}}}, as mswsock.h spells a GUID. */
    private static String guidInitialiser(java.util.UUID id) {
        long hi = id.getMostSignificantBits();
        long lo = id.getLeastSignificantBits();
        StringBuilder b = new StringBuilder(String.format("{0x%08x,0x%04x,0x%04x,{", hi >>> 32, (hi >>> 16) & 0xFFFF, hi & 0xFFFF));
        for (int i = 0; i < 8; i++) {
            b.append(String.format("0x%02x", (lo >>> (56 - 8 * i)) & 0xFF)).append(i < 7 ? "," : "}}");
        }
        return b.toString();
    }

    @Test
    void linuxBindingsMatchGcc() throws Exception {
        requireCompiler(CompilerCheck.LINUX_CC, "gcc");
        List<LayoutFact> facts = all(Target.LINUX);
        List<CompilerCheck.Mismatch> mismatches = CompilerCheck.linux(facts, work);
        assertTrue(mismatches.isEmpty(), () -> "Linux bindings disagree with gcc:\n"
                + String.join("\n", mismatches.stream().map(Object::toString).toList()));
    }

    @Test
    void theProofCoversEveryProcTableAndUpcallTableEntry() {
        List<LayoutFact> facts = LayoutTable.structFacts(Target.WINDOWS);
        assertEquals(30, count(facts, "struct _WSPPROC_TABLE", "offsetof lpWSP"));
        assertEquals(15, count(facts, "struct _WSPUPCALLTABLE", "offsetof lpWPU"));
        assertTrue(LayoutTable.includedConstants(Target.WINDOWS).contains("WSAEOPNOTSUPP"));
        assertTrue(count(LayoutTable.structFacts(Target.LINUX), "struct io_uring_sqe", "offsetof ") > 20);
    }

    /** Issue 11: the host's option translation and completion modes read only proven values. */
    @Test
    void theProofCoversEverySocketOptionTheHostTranslates() {
        assertTrue(LayoutTable.includedConstants(Target.WINDOWS).containsAll(List.of("SO_LINGER", "SO_DONTLINGER",
                "SO_KEEPALIVE", "SO_BROADCAST", "SO_REUSEADDR", "SO_EXCLUSIVEADDRUSE", "SO_SNDBUF", "SO_RCVBUF",
                "SO_SNDTIMEO", "SO_RCVTIMEO", "SO_ERROR", "SO_TYPE", "SO_ACCEPTCONN", "SO_MAX_MSG_SIZE", "SO_OOBINLINE",
                "SO_UPDATE_ACCEPT_CONTEXT", "SO_UPDATE_CONNECT_CONTEXT", "TCP_NODELAY", "IPPROTO_IP", "IP_TTL",
                "IPPROTO_IPV6", "IPV6_V6ONLY", "FILE_SKIP_COMPLETION_PORT_ON_SUCCESS", "FILE_SKIP_SET_EVENT_ON_HANDLE")));
        assertTrue(LayoutTable.includedConstants(Target.LINUX).containsAll(List.of("SO_LINGER", "SO_KEEPALIVE",
                "SO_BROADCAST", "SO_REUSEADDR", "SO_SNDBUF", "SO_RCVBUF", "SO_SNDTIMEO", "SO_RCVTIMEO", "SO_ERROR",
                "SO_ACCEPTCONN", "SO_OOBINLINE", "TCP_NODELAY", "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT",
                "IPPROTO_IP", "IP_TTL", "IPPROTO_IPV6", "IPV6_V6ONLY")));
        assertEquals(2, count(LayoutTable.structFacts(Target.WINDOWS), "struct linger", "offsetof "));
        assertEquals(2, count(LayoutTable.structFacts(Target.LINUX), "struct linger", "offsetof "));
        assertEquals(2, count(LayoutTable.structFacts(Target.LINUX), "struct timeval", "offsetof "));
    }

    static List<LayoutFact> all(Target target) {
        List<LayoutFact> facts = new ArrayList<>(LayoutTable.structFacts(target));
        facts.addAll(LayoutTable.constantFacts(target));
        return facts;
    }

    private static long count(List<LayoutFact> facts, String subject, String whatPrefix) {
        return facts.stream().filter(f -> f.subject().equals(subject) && f.what().startsWith(whatPrefix)).count();
    }

    static void requireCompiler(String cc, String debianPackage) {
        assertTrue(CompilerCheck.installed(cc), () -> cc + " is not installed: apt-get install " + debianPackage
                + " (the README's test command installs it when run as root)");
    }
}
