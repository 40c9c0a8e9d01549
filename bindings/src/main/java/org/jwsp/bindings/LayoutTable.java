package org.jwsp.bindings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Everything the generated bindings of one target assert about C: for every struct class, its
 * size, alignment and every named field's offset and size (nested and anonymous members
 * included); for every constant named in the target's jextract argument file, its value.
 *
 * <p>The layout proof compiles these facts against the real headers with the target's C
 * compiler; the demo prints them. Reads only class metadata and layouts: no native call.
 */
public final class LayoutTable {

    /** A bindings package and the header class that holds its constants. */
    public enum Target {
        WINDOWS("org.jwsp.bindings.windows", "ws2spi_h", "windows.args"),
        LINUX("org.jwsp.bindings.linux", "linux_h", "linux.args");

        final String pkg;
        final String headerClass;
        final String argsFile;

        Target(String pkg, String headerClass, String argsFile) {
            this.pkg = pkg;
            this.headerClass = headerClass;
            this.argsFile = argsFile;
        }

        /** The jextract argument file of this target, committed beside the generated code. */
        public String argsResource() {
            return "/org/jwsp/bindings/jextract/" + argsFile;
        }
    }

    private LayoutTable() {
    }

    /** The struct facts of every generated struct class of {@code target}, sorted by C name. */
    public static List<LayoutFact> structFacts(Target target) {
        List<LayoutFact> facts = new ArrayList<>();
        for (Class<?> c : generatedClasses(target)) {
            GroupLayout layout = layoutOf(c);
            if (layout == null) {
                continue;
            }
            // A typedef of a named struct extends the struct's class; one of an anonymous struct
            // (mswsock.h's WSAPOLLDATA) is its own class, its layout named "$anon$<line>:<col>".
            boolean typedef = layoutOf(c.getSuperclass()) != null || layout.name().orElse("").startsWith("$anon$");
            // A named union (winnt.h's _LARGE_INTEGER) is spelled "union", not "struct", in C.
            String cType = typedef ? c.getSimpleName()
                    : (layout instanceof java.lang.foreign.UnionLayout ? "union " : "struct ") + c.getSimpleName();
            facts.add(new LayoutFact(cType, "sizeof", "(long long)sizeof(" + cType + ")", layout.byteSize(), false));
            facts.add(new LayoutFact(cType, "_Alignof", "(long long)_Alignof(" + cType + ")",
                    layout.byteAlignment(), false));
            if (!typedef) {
                addMembers(facts, cType, layout, "", 0);
            }
        }
        return facts;
    }

    /** The value of every constant the target's argument file includes. */
    public static List<LayoutFact> constantFacts(Target target) {
        List<LayoutFact> facts = new ArrayList<>();
        Class<?> header = load(target.pkg + "." + target.headerClass);
        for (String name : includedConstants(target)) {
            Object value;
            try {
                value = header.getMethod(name).invoke(null);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("constant " + name + " is in " + target.argsFile
                        + " but not in the generated " + target.headerClass, e);
            }
            long v = value instanceof MemorySegment s ? s.address() : ((Number) value).longValue();
            boolean isInt = value instanceof Integer || value instanceof Short || value instanceof Byte;
            facts.add(new LayoutFact("constant", name, "(long long)(" + name + ")", v, isInt));
        }
        return facts;
    }

    /** Constant names from the {@code --include-constant} lines of the target's argument file. */
    public static List<String> includedConstants(Target target) {
        try (var in = LayoutTable.class.getResourceAsStream(target.argsResource())) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + target.argsResource());
            }
            String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return text.lines()
                    .map(String::strip)
                    .filter(l -> l.startsWith("--include-constant "))
                    .map(l -> l.substring("--include-constant ".length()).strip())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void addMembers(List<LayoutFact> facts, String cType, GroupLayout group, String prefix,
                                   long base) {
        long offset = 0;
        for (MemoryLayout m : group.memberLayouts()) {
            long at = base + (group instanceof StructLayout ? offset : 0);
            offset += m.byteSize();
            if (m instanceof PaddingLayout || m.name().isEmpty()) {
                continue;
            }
            String name = m.name().get();
            if (name.startsWith("$anon$")) {
                if (m instanceof GroupLayout g) {
                    addMembers(facts, cType, g, prefix, at);
                }
                continue;
            }
            String designator = prefix + name;
            facts.add(new LayoutFact(cType, "offsetof " + designator,
                    "(long long)offsetof(" + cType + ", " + designator + ")", at, false));
            boolean flexible = m instanceof SequenceLayout s && s.elementCount() == 0;
            if (!flexible) {
                facts.add(new LayoutFact(cType, "sizeof " + designator,
                        "(long long)sizeof(((" + cType + " *)0)->" + designator + ")", m.byteSize(), false));
            }
            if (m instanceof GroupLayout g) {
                addMembers(facts, cType, g, designator + ".", at);
            }
        }
    }

    private static GroupLayout layoutOf(Class<?> c) {
        if (c == null) {
            return null;
        }
        try {
            Method m = c.getMethod("layout");
            if (Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 0
                    && MemoryLayout.class.isAssignableFrom(m.getReturnType())
                    && m.invoke(null) instanceof GroupLayout g) {
                return g;
            }
        } catch (ReflectiveOperationException e) {
            return null;
        }
        return null;
    }

    /** Top-level classes of the target's package, found beside this class (directory or jar). */
    private static List<Class<?>> generatedClasses(Target target) {
        try {
            Path root = Path.of(LayoutTable.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(root)) {
                return classesIn(root, target);
            }
            try (FileSystem jar = FileSystems.newFileSystem(root)) {
                return classesIn(jar.getPath("/"), target);
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot list the classes of " + target.pkg, e);
        }
    }

    private static List<Class<?>> classesIn(Path root, Target target) throws IOException {
        try (Stream<Path> files = Files.list(root.resolve(target.pkg.replace('.', '/')))) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".class") && !n.contains("$"))
                    .sorted(Comparator.naturalOrder())
                    .<Class<?>>map(n -> load(target.pkg + "." + n.substring(0, n.length() - 6)))
                    .toList();
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, LayoutTable.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(name, e);
        }
    }
}
