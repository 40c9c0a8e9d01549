package org.jwsp.samples;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.jwsp.bindings.LayoutFact;
import org.jwsp.bindings.LayoutTable;
import org.jwsp.bindings.LayoutTable.Target;

/**
 * {@code bash samples/demo.sh --layouts}: the bindings' versions and the layout table of every
 * generated struct, as the test suite holds it against the C compilers.
 */
final class BindingLayouts {

    private BindingLayouts() {
    }

    static void print(PrintStream out) throws IOException {
        out.println("jwsp bindings, generated with:");
        try (InputStream in = LayoutTable.class.getResourceAsStream("/org/jwsp/bindings/jextract/generated-with.txt")) {
            String text = in == null ? "(unknown)" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            text.lines().forEach(l -> out.println("  " + l));
        }
        for (Target target : Target.values()) {
            List<LayoutFact> structs = LayoutTable.structFacts(target);
            List<LayoutFact> constants = LayoutTable.constantFacts(target);
            out.printf("%n%s: %d struct facts, %d constants (each checked against the C compiler by the tests)%n",
                    target, structs.size(), constants.size());
            out.printf("  %-28s %6s %6s%n", "type", "size", "align");
            for (LayoutFact f : structs) {
                if (f.what().equals("sizeof")) {
                    long align = structs.stream()
                            .filter(a -> a.subject().equals(f.subject()) && a.what().equals("_Alignof"))
                            .findFirst().orElseThrow().javaValue();
                    out.printf("  %-28s %6d %6d%n", f.subject(), f.javaValue(), align);
                }
            }
        }
    }
}
