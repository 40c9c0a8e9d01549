package org.jwsp.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.jwsp.bindings.LayoutTable.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layout proof itself: a deliberately wrong expected value fails, and names its struct and field. */
class CompilerCheckTest {

    @TempDir
    Path work;

    @Test
    void aWrongWindowsOffsetSizeOrConstantIsReportedByName() throws Exception {
        LayoutProofTest.requireCompiler(CompilerCheck.WINDOWS_CC, "gcc-mingw-w64-x86-64");
        List<LayoutFact> facts = corrupt(LayoutProofTest.all(Target.WINDOWS));
        List<String> reported = CompilerCheck.windows(facts, work).stream().map(Object::toString).toList();
        assertEquals(List.of(
                "struct _WSABUF: offsetof buf: Java 9, C differs (static assertion failed)",
                "struct _WSPPROC_TABLE: sizeof: Java 248, C differs (static assertion failed)",
                "constant: WSA_IO_PENDING: Java 998, C differs (static assertion failed)"), reported);
    }

    @Test
    void aWrongLinuxOffsetSizeOrConstantIsReportedWithTheCompilersValue() throws Exception {
        LayoutProofTest.requireCompiler(CompilerCheck.LINUX_CC, "gcc");
        List<LayoutFact> facts = new ArrayList<>(LayoutProofTest.all(Target.LINUX));
        replace(facts, f -> f.subject().equals("struct msghdr") && f.what().equals("offsetof msg_iov"), 1);
        replace(facts, f -> f.subject().equals("struct io_uring_sqe") && f.what().equals("sizeof"), 8);
        replace(facts, f -> f.what().equals("IORING_OP_SENDMSG"), 1);
        List<String> reported = CompilerCheck.linux(facts, work).stream().map(Object::toString).toList();
        assertEquals(List.of(
                "struct io_uring_sqe: sizeof: Java 72, C 64",
                "struct msghdr: offsetof msg_iov: Java 17, C 16",
                "constant: IORING_OP_SENDMSG: Java 10, C 9"), reported);
    }

    private static List<LayoutFact> corrupt(List<LayoutFact> all) {
        List<LayoutFact> facts = new ArrayList<>(all);
        replace(facts, f -> f.subject().equals("struct _WSABUF") && f.what().equals("offsetof buf"), 1);
        replace(facts, f -> f.subject().equals("struct _WSPPROC_TABLE") && f.what().equals("sizeof"), 8);
        replace(facts, f -> f.what().equals("WSA_IO_PENDING"), 1);
        return facts;
    }

    /** Adds {@code delta} to the Java side of the one fact that matches. */
    private static void replace(List<LayoutFact> facts, Predicate<LayoutFact> which, long delta) {
        List<Integer> hits = new ArrayList<>();
        for (int i = 0; i < facts.size(); i++) {
            if (which.test(facts.get(i))) {
                hits.add(i);
            }
        }
        assertEquals(1, hits.size(), "exactly one fact to corrupt");
        LayoutFact f = facts.get(hits.getFirst());
        facts.set(hits.getFirst(), new LayoutFact(f.subject(), f.what(), f.cExpr(), f.javaValue() + delta, f.javaIsInt()));
    }
}
