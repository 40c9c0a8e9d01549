package org.jwsp.samples;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The samples' two rules, held by the build (issue 9): a filter sample uses the filter API and
 * nothing else of jwsp, so it could run unchanged inside the provider on Windows; and of the
 * programs that drive the filters over the Linux host, exactly one class ({@link JwspOnHost})
 * touches the host or the provider beyond its filter API.
 */
class SamplesArchitectureTest {

    private static JavaClasses samples;

    @BeforeAll
    static void importSamples() {
        samples = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.jwsp.samples");
        assertTrue(samples.containPackage("org.jwsp.samples.filter"), "no filter samples were imported");
        assertTrue(samples.contain(JwspOnHost.class), "JwspOnHost was not imported");
    }

    @Test
    void filterSamplesUseOnlyTheFilterApiOfJwsp() {
        noClasses().that().resideInAPackage("org.jwsp.samples.filter..")
                .should().dependOnClassesThat(resideInAPackage("org.jwsp..")
                        .and(not(resideInAnyPackage("org.jwsp.provider.filter..", "org.jwsp.samples.filter.."))))
                .because("a filter sample must run unchanged inside jwsp on Windows")
                .check(samples);
    }

    @Test
    void onlyJwspOnHostTouchesTheHostOrTheProvidersInternals() {
        noClasses().that().resideInAPackage("org.jwsp.samples..")
                .and().doNotHaveFullyQualifiedName(JwspOnHost.class.getName())
                .should().dependOnClassesThat(resideInAPackage("org.jwsp.host..")
                        .or(resideInAPackage("org.jwsp.provider..").and(not(resideInAPackage("org.jwsp.provider.filter..")))))
                .because("the programs are written against Winsock; JwspOnHost alone knows it is the Linux host")
                .check(samples);
    }
}
