package org.jwsp.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jwsp.bindings.CapturedErrno;
import org.jwsp.host.LinuxHost;
import org.jwsp.provider.LayeredProvider;

/**
 * The boundaries of docs/ARCHITECTURE.md, held by the build: a change that crosses one fails here
 * naming the classes. The rules read the compiled main classes of every jwsp jar (not the tests).
 *
 * <pre>
 *   bindings  <-  provider (org.jwsp.provider, .filter | org.jwsp.kernel | org.jwsp.windows, .install)
 *   bindings  <-  host (org.jwsp.host..)  -- implements org.jwsp.kernel, uses nothing else of the provider jar
 *   testkit   -- may use everything; nothing uses it
 * </pre>
 */
class ArchitectureTest {

    private static JavaClasses jwsp;

    @BeforeAll
    static void importMainClasses() {
        jwsp = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.jwsp");
        // Each jar (or, in an IDE, classes folder) of the reactor must have been found on the class path.
        for (String p : List.of("org.jwsp.bindings", "org.jwsp.provider", "org.jwsp.kernel", "org.jwsp.windows",
                "org.jwsp.host", "org.jwsp.testkit")) {
            assertTrue(jwsp.containPackage(p), "no classes of " + p + " were imported");
        }
    }

    @Test
    void theProviderUsesNeitherTheHostNorTheWindowsPort() {
        check(noClasses().that().resideInAPackage("org.jwsp.provider..")
                .should().dependOnClassesThat().resideInAnyPackage("org.jwsp.host..", "org.jwsp.windows..",
                        "org.jwsp.testkit.."));
    }

    @Test
    void theKernelPortInterfaceStandsAlone() {
        check(noClasses().that().resideInAPackage("org.jwsp.kernel..")
                .should().dependOnClassesThat().resideInAnyPackage("org.jwsp.provider..", "org.jwsp.host..",
                        "org.jwsp.windows..", "org.jwsp.testkit..", "org.jwsp.bindings.."));
    }

    @Test
    void theHostUsesOnlyTheKernelPortInterfaceOfTheProviderJar() {
        check(noClasses().that().resideInAPackage("org.jwsp.host..")
                .should().dependOnClassesThat().resideInAnyPackage("org.jwsp.provider..", "org.jwsp.windows..",
                        "org.jwsp.testkit.."));
    }

    @Test
    void theWindowsPortNeverUsesTheHost() {
        check(noClasses().that().resideInAPackage("org.jwsp.windows..")
                .should().dependOnClassesThat().resideInAnyPackage("org.jwsp.host..", "org.jwsp.testkit.."));
    }

    @Test
    void theBindingsImportNothingOfJwsp() {
        check(noClasses().that().resideInAPackage("org.jwsp.bindings..")
                .should().dependOnClassesThat().resideInAnyPackage("org.jwsp.provider..", "org.jwsp.kernel..",
                        "org.jwsp.windows..", "org.jwsp.host..", "org.jwsp.testkit.."));
    }

    /**
     * The base provider (msafd's place) reaches ws2_32 only through the upcall table it is given in
     * {@code WSPStartup}, and the kernel only through the one port {@code BaseProvider} holds.
     */
    @Test
    void theBaseProviderKeepsToItsUpcallTableAndKernelPort() {
        check(noClasses().that().resideInAPackage("org.jwsp.host.base..")
                .should().dependOnClassesThat().haveFullyQualifiedName("org.jwsp.host.upcall.Ws2UpcallTable")
                .orShould().dependOnClassesThat().resideInAnyPackage("org.jwsp.host.catalog..", "org.jwsp.host.ws2.."));
        check(noClasses().that().resideInAPackage("org.jwsp.host.base..")
                .and().doNotHaveFullyQualifiedName("org.jwsp.host.base.BaseProvider")
                .should().callMethod("org.jwsp.host.kernel.LinuxKernelPort", "instance"));
    }

    /** One name, one thing: no simple class name is used twice among the provider, the host and the harness. */
    @Test
    void noSimpleClassNameIsSharedBetweenProviderHostAndHarness() {
        Map<String, Set<String>> byName = new TreeMap<>();
        for (JavaClass c : jwsp) {
            String p = c.getPackageName();
            if (c.isTopLevelClass() && !p.startsWith("org.jwsp.bindings") && !c.getSimpleName().equals("package-info")) {
                byName.computeIfAbsent(c.getSimpleName(), n -> new TreeSet<>()).add(c.getName());
            }
        }
        Map<String, Set<String>> shared = byName.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertEquals(Map.of(), shared, "simple class names used more than once");
    }

    /** The jar a Windows user installs is built from the provider module: it must hold nothing of the host. */
    @Test
    void theProviderModuleHoldsNoHostAndNoHarness() throws IOException, URISyntaxException {
        Path providerClasses = Path.of(LayeredProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path hostClasses = Path.of(LinuxHost.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path bindingsClasses = Path.of(CapturedErrno.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(!providerClasses.equals(hostClasses), "provider and host come from one place: " + providerClasses);
        assertEquals(Set.of("org/jwsp/kernel", "org/jwsp/provider", "org/jwsp/windows"),
                topPackages(providerClasses), "packages of " + providerClasses);
        assertEquals(Set.of("org/jwsp/host"), topPackages(hostClasses), "packages of " + hostClasses);
        assertEquals(Set.of("org/jwsp/bindings"), topPackages(bindingsClasses), "packages of " + bindingsClasses);
    }

    /** {@code org/jwsp/x} for every class file under {@code root} (a folder or a jar). */
    private static Set<String> topPackages(Path root) throws IOException {
        if (Files.isDirectory(root)) {
            try (Stream<Path> files = Files.walk(root)) {
                return files.filter(f -> f.toString().endsWith(".class"))
                        .map(f -> root.relativize(f).toString().replace('\\', '/'))
                        .map(ArchitectureTest::top).collect(Collectors.toCollection(TreeSet::new));
            }
        }
        try (var jar = new java.util.jar.JarFile(root.toFile())) {
            return jar.stream().map(java.util.jar.JarEntry::getName).filter(n -> n.endsWith(".class"))
                    .map(ArchitectureTest::top).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static String top(String classFile) {
        String[] parts = classFile.split("/");
        return parts.length < 4 ? classFile : parts[0] + "/" + parts[1] + "/" + parts[2];
    }

    private static void check(ArchRule rule) {
        rule.check(jwsp);
    }
}
