package dev.vmbox.cloudinit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;

/**
 * Real programs for tests. A missing program skips the test with a loud message, except in CI
 * ({@code CI=true}), where it fails: CI must install everything the tests use.
 */
final class RealTools {
    static final Executables EXECUTABLES = new Executables(System.getenv().getOrDefault("PATH", "/usr/bin:/bin")
            + ":/usr/sbin:/sbin");
    static final CommandRunner RUNNER = new ZtExecCommandRunner(EventLog.NONE, EXECUTABLES);

    private RealTools() {
    }

    static void require(String program) {
        if (EXECUTABLES.find(program).isPresent()) {
            return;
        }
        String msg = "!!! '" + program + "' is not installed: " + Executables.installHint(program);
        if ("true".equals(System.getenv("CI"))) {
            fail(msg + " (CI=true: this test must run)");
        }
        System.err.println(msg + " -- SKIPPING");
        assumeTrue(false, msg);
    }

    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }
}
