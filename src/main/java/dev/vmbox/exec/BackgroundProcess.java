package dev.vmbox.exec;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A long-lived child process that a supervisor watches (the tunnel agent's {@code ssh -N -L}). Unlike
 * {@link CommandRunner} there is no overall timeout: the process is meant to run until it exits by itself
 * or its owner {@link #stop stops} it, and the owner bounds every wait with {@link #waitFor(Duration)}.
 * Standard input is closed; standard output and error are appended to a log file so nothing can block on
 * a full pipe. The child is killed (with its descendants) if the JVM that started it exits.
 */
public final class BackgroundProcess implements AutoCloseable {
    private final Process process;
    private final List<String> argv;
    private volatile Thread hook;

    private BackgroundProcess(Process process, List<String> argv) {
        this.process = process;
        this.argv = argv;
    }

    /**
     * Starts {@code argv} with its output appended to {@code logFile}.
     *
     * @throws ExecutableNotFoundException when the program is not installed
     */
    public static BackgroundProcess start(List<String> argv, Map<String, String> env, Path logFile,
                                          Executables executables) {
        Objects.requireNonNull(logFile, "logFile");
        Command display = Command.of(Duration.ofDays(1), argv);
        Path program = executables.find(argv.get(0))
                .orElseThrow(() -> new ExecutableNotFoundException(display, null));
        List<String> resolved = new ArrayList<>(argv);
        resolved.set(0, program.toString());
        ProcessBuilder pb = new ProcessBuilder(resolved)
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        pb.environment().putAll(env == null ? Map.of() : env);
        try {
            Process p = pb.start();
            BackgroundProcess bp = new BackgroundProcess(p, List.copyOf(argv));
            bp.hook = new Thread(() -> bp.stop(Duration.ofSeconds(2)), "stop-child");
            Runtime.getRuntime().addShutdownHook(bp.hook);
            return bp;
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "could not start '" + argv.get(0) + "': " + e.getMessage(),
                    "check that the program is installed and executable", e);
        }
    }

    static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits at most {@code timeout}; returns the exit code, or null if it is still running. */
    public Integer waitFor(Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return process.exitValue();
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return process.isAlive() ? null : process.exitValue();
        }
    }

    /** Asks the process to end (SIGTERM), then kills it and its descendants after {@code grace}. */
    public void stop(Duration grace) {
        Thread h = hook;
        if (h != null && h != Thread.currentThread()) {
            hook = null;
            try {
                Runtime.getRuntime().removeShutdownHook(h);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to run; it stops the child itself
            }
        }
        if (!process.isAlive()) {
            return;
        }
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        if (waitFor(grace) == null) {
            ZtExecCommandRunner.killTree(process);
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    public List<String> argv() {
        return argv;
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(2));
    }
}
