package org.cnf4j.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.GeneralCodingRules;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package layers of docs/DESIGN.md, bottom up: each package may import only its own layer and those below it,
 * and no packages form a cycle. A new package must be added here (the test fails for a package in no layer).
 */
class LayeringTest {
    /** Bottom up; a layer is a package with its sub-packages (engine holds engine.cpu and engine.cuda). */
    static final List<String> LAYERS = List.of(
            "backend",     // off-heap matrices, BLAS, dtype
            "format",      // file formats: npy, CSV/npy matrices
            "data",        // data sources: toy generators, files, MAF sets, preprocessing
            "model",       // Phi, its exact derivatives and adjoints, host arithmetic both engines share
            "ode",         // OT-Flow dynamics, Runge-Kutta tableaux
            "engine",      // FlowEngine, EngineOptions, Engines; engine.cpu, engine.cuda
            "baseline",    // Gaussian and Gaussian mixture densities
            "eval",        // flows as users see them, MMD, timing
            "train",       // Adam, the OT-Flow trainer, the JKO loop, checkpoints
            "plot",        // charts and the training log reader
            "run",         // run directories, recipes, the training-run service
            "api",         // the public Java API
            "experiments", // the papers' comparisons
            "cli");        // the command line

    static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("org.cnf4j");
    }

    static int layer(JavaClass c) {
        String p = c.getPackageName();
        if (!p.startsWith("org.cnf4j.")) return -1;
        String top = p.substring("org.cnf4j.".length()).split("\\.")[0];
        return LAYERS.indexOf(top);
    }

    @Test
    void everyPackageIsInALayer() {
        classes().that().resideInAPackage("org.cnf4j..").should(new ArchCondition<JavaClass>("belong to a layer of LayeringTest.LAYERS") {
            @Override public void check(JavaClass c, ConditionEvents events) {
                if (layer(c) < 0) events.add(SimpleConditionEvent.violated(c, c.getPackageName() + " is in no layer"));
            }
        }).check(classes);
    }

    @Test
    void packagesImportOnlyTheirLayerAndThoseBelow() {
        classes().that().resideInAPackage("org.cnf4j..").should(new ArchCondition<JavaClass>("depend only on their own or lower layers") {
            @Override public void check(JavaClass c, ConditionEvents events) {
                int mine = layer(c);
                for (Dependency d : c.getDirectDependenciesFromSelf()) {
                    JavaClass t = d.getTargetClass();
                    if (!t.getPackageName().startsWith("org.cnf4j.")) continue;
                    if (layer(t) > mine) {
                        events.add(SimpleConditionEvent.violated(d, c.getPackageName() + " (layer " + LAYERS.get(mine) + ") uses "
                                + t.getName() + " of the higher layer " + LAYERS.get(layer(t)) + ": " + d.getDescription()));
                    }
                }
            }
        }).check(classes);
    }

    @Test
    void noPackageCycles() {
        // Engines is the factory that knows both implementations; every other class of engine is below them.
        slices().matching("org.cnf4j.(**)").should().beFreeOfCycles()
                .ignoreDependency(describe("the engine factory", (JavaClass c) -> c.getName().equals("org.cnf4j.engine.Engines")),
                        describe("an engine implementation", (JavaClass c) -> c.getPackageName().startsWith("org.cnf4j.engine.")))
                .check(classes);
    }

    @Test
    void theTwoEnginesDoNotKnowEachOther() {
        noClasses().that().resideInAPackage("org.cnf4j.engine.cpu..").should().dependOnClassesThat().resideInAPackage("org.cnf4j.engine.cuda..")
                .check(classes);
        noClasses().that().resideInAPackage("org.cnf4j.engine.cuda..").should().dependOnClassesThat().resideInAPackage("org.cnf4j.engine.cpu..")
                .check(classes);
    }

    @Test
    void nothingBelowTheCommandLineAndTheExperimentsPrintsOrExits() {
        noClasses().that().resideInAPackage("org.cnf4j..").and().resideOutsideOfPackages("org.cnf4j.cli..", "org.cnf4j.experiments..")
                .should(GeneralCodingRules.ACCESS_STANDARD_STREAMS).orShould().callMethod(System.class, "exit", int.class)
                .check(classes);
    }

    @Test
    void onlyTheCommandLineUsesTheCommandLineLibraries() {
        // picocli and snakeyaml are optional dependencies of the artifact: a library user does not have them
        noClasses().that().resideInAPackage("org.cnf4j..").and().resideOutsideOfPackage("org.cnf4j.cli..")
                .should().dependOnClassesThat().resideInAnyPackage("picocli..", "org.yaml..").check(classes);
    }

    @Test
    void onlyTheVectorOutputUsesTheSvgAndPdfLibraries() {
        // Batik and PDFBox are optional dependencies of the artifact too: loaded only for an SVG or PDF figure
        noClasses().that().resideInAPackage("org.cnf4j..").and().doNotHaveFullyQualifiedName("org.cnf4j.plot.VectorOutput")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.batik..", "org.apache.pdfbox..", "de.rototor..").check(classes);
    }

    @Test
    void theGpuVerificationHarnessIsNotInTheProductionClasses() {
        for (String name : List.of("GpuChecks", "GpuCheckCases", "GpuReference", "LockstepDev", "JavaDev", "JavaKernels")) {
            noClasses().should().haveSimpleName(name).check(classes);
        }
    }
}
