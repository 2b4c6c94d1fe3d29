package dev.vmbox;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture of DESIGN.md, checked on the compiled classes: layers from {@code cli} down to the base
 * packages, no package cycle at any depth, and each outside library confined to its one package.
 */
class ArchitectureTest {
    private static final String[] ADAPTERS = {"dev.vmbox.provider..", "dev.vmbox.cloudinit..", "dev.vmbox.ssh..",
        "dev.vmbox.runtime..", "dev.vmbox.model..", "dev.vmbox.image..", "dev.vmbox.download..", "dev.vmbox.security..",
        "dev.vmbox.host.."};
    private static final String[] BASE = {"dev.vmbox.spec..", "dev.vmbox.store..", "dev.vmbox.exec..", "dev.vmbox.wait..",
        "dev.vmbox.config..", "dev.vmbox.log.."};

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.vmbox");
    }

    @Test
    void layersOnlyLookDown() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("dev.vmbox.cli..")
                .layer("app").definedBy("dev.vmbox.app..")
                .layer("adapters").definedBy(ADAPTERS)
                .layer("base").definedBy(BASE)
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("app").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("adapters").mayOnlyBeAccessedByLayers("cli", "app")
                .whereLayer("base").mayOnlyBeAccessedByLayers("cli", "app", "adapters")
                .check(classes);
    }

    @Test
    void noCycleBetweenTopLevelPackages() {
        slices().matching("dev.vmbox.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void noCycleBetweenAnyTwoPackages() {
        slices().matching("dev.vmbox.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void appNeverReachesAProviderImplementation() {
        noClasses().that().resideInAPackage("dev.vmbox.app..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.vmbox.provider.libvirt..",
                        "dev.vmbox.provider.lima..", "dev.vmbox.provider.multipass..")
                .check(classes);
    }

    @Test
    void picocliOnlyInCli() {
        noClasses().that().resideOutsideOfPackage("dev.vmbox.cli..")
                .should().dependOnClassesThat().resideInAPackage("picocli..").check(classes);
    }

    @Test
    void jschOnlyInSsh() {
        noClasses().that().resideOutsideOfPackage("dev.vmbox.ssh..")
                .should().dependOnClassesThat().resideInAPackage("com.jcraft.jsch..").check(classes);
    }

    @Test
    void ztExecOnlyInExec() {
        noClasses().that().resideOutsideOfPackage("dev.vmbox.exec..")
                .should().dependOnClassesThat().resideInAPackage("org.zeroturnaround..").check(classes);
    }
}
