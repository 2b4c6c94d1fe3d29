package dev.vmbox.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.provider.Availability;
import dev.vmbox.provider.libvirt.LibvirtProbe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * What the end-to-end tests need: libvirt answering at qemu:///system, the tools, and the test image
 * (built once by scripts/build-test-image into a cache outside the repository). On a person's machine a
 * missing prerequisite skips the test with a loud message; with CI=true or VMBOX_E2E=1 (the end-to-end tests
 * were asked for) it fails the run.
 */
public final class E2ePrerequisites {
    public static final String URI = "qemu:///system";

    private E2ePrerequisites() {
    }

    /** Checks everything and returns the folder of the built test image. */
    public static Path check(String test, CommandRunner runner, List<String> tools) {
        checkLibvirt(test, runner, tools);
        return built(test, runner, "scripts/build-test-image", "image",
                dir -> ResolvedImage.fromFolder("vmbox-debian-12", dir).isPresent());
    }

    /**
     * Checks everything and returns the folder of the llama.cpp runtime image, built once by
     * scripts/build-runtime-test-image with the packaged CLI (so after {@code mvn package}) into a vmbox home outside
     * the repository, kept while its recipe does not change.
     */
    public static Path runtimeImage(String test, CommandRunner runner, List<String> tools) {
        checkLibvirt(test, runner, tools);
        return built(test, runner, "scripts/build-runtime-test-image", "runtime image",
                dir -> dev.vmbox.image.RuntimeImage.in("vmbox-llama-cpp-testing", dir).isPresent());
    }

    /** Runs the build {@code script} (which prints the image folder last) and checks that folder holds the image. */
    private static Path built(String test, CommandRunner runner, String script, String what,
                              java.util.function.Predicate<Path> holdsImage) {
        Path path = repo().resolve(script);
        CommandResult built;
        try {
            built = runner.run(Command.of(Duration.ofMinutes(30), "sh", path.toString()));
        } catch (RuntimeException e) {
            missing(test, "the test " + what + " could not be built by " + path + ": " + e.getMessage());
            throw e;
        }
        String[] lines = built.stdout().strip().split("\\R");
        Path dir = Path.of(lines[lines.length - 1]);
        if (!holdsImage.test(dir)) {
            missing(test, script + " printed " + dir + ", which holds no " + what);
        }
        return dir;
    }

    /** Checks the tools and a usable libvirtd at {@link #URI}, for tests that need no VM image. */
    public static void checkLibvirt(String test, CommandRunner runner, List<String> tools) {
        Executables exe = Executables.fromEnvironment(System.getenv());
        for (String tool : tools) {
            if (exe.find(tool).isEmpty()) {
                missing(test, tool + " is not installed: " + Executables.installHint(tool));
            }
        }
        Availability a = new LibvirtProbe(runner, URI).probe();
        if (!a.usable()) {
            missing(test, "libvirt is not usable at " + URI + ": " + a.detail() + " (start it with scripts/ci-start-libvirtd)");
        }
    }

    /** The repository root (Maven passes it; the working folder otherwise). */
    public static Path repo() {
        return Path.of(System.getProperty("vmbox.repo", ".")).toAbsolutePath().normalize();
    }

    public static void missing(String test, String what) {
        String message = "\n*** " + test + " SKIPPED: " + what + " ***\n";
        System.err.println(message);
        if (strict(System.getenv())) {
            fail("CI=true or VMBOX_E2E=1, and a prerequisite is missing: " + what);
        }
        Assumptions.abort(message);
    }

    /** Whether the end-to-end tests were asked for (as scripts/test decides), so a missing prerequisite fails. */
    static boolean strict(java.util.Map<String, String> env) {
        return "true".equalsIgnoreCase(env.get("CI")) || "1".equals(env.get("VMBOX_E2E"));
    }
}
