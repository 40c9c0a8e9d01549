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
