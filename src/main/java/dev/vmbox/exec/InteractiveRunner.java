package dev.vmbox.exec;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a program attached to vmbox's own terminal (stdin, stdout and stderr inherited), for
 * {@code vmbox ssh NAME}: an interactive shell.
 *
 * <p>This is the one documented exception to "every external process has a timeout": a person drives the
 * session and decides when it ends, so no deadline applies. The session still ends when the person
 * leaves, when the SSH server-alive checks find the guest gone, or when vmbox is interrupted (then the
 * child and its descendants are killed).
 */
public final class InteractiveRunner {
    private final Executables executables;

    public InteractiveRunner(Executables executables) {
        this.executables = executables;
    }

    /** Runs {@code argv} in the foreground and returns its exit code. */
    public int run(List<String> argv) {
        Command display = Command.of(Duration.ofDays(1), argv);
        Path program = executables.find(argv.get(0)).orElseThrow(() -> new ExecutableNotFoundException(display, null));
        List<String> resolved = new ArrayList<>(argv);
        resolved.set(0, program.toString());
        Process process;
        try {
            process = new ProcessBuilder(resolved).inheritIO().start();
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "could not start '" + argv.get(0) + "': " + e.getMessage(),
                    "check that the program is installed and executable", e);
        }
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            ZtExecCommandRunner.killTree(process);
            Thread.currentThread().interrupt();
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted: '" + argv.get(0) + "' was stopped", null, e);
        }
    }
}
