package dev.vmbox.exec;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A child process used as a byte stream (the {@code ssh -W} hop to a remote libvirt host): its standard
 * input and output are the stream, its standard error is kept (bounded) for the error message. It has no
 * timeout of its own; its owner closes it, which kills it and its descendants, and a watchdog kills it when
 * the owner does not {@link #settled() settle} it within the time it gave.
 */
public final class StreamProcess implements AutoCloseable {
    private final Process process;
    private final BoundedCapture stderr = new BoundedCapture(4096, 4096);
    private final Thread stderrPump;
    private volatile boolean settled;

    private StreamProcess(Process process) {
        this.process = process;
        this.stderrPump = new Thread(() -> {
            try (InputStream in = process.getErrorStream()) {
                in.transferTo(stderr);
            } catch (IOException ignored) {
                // the process ended
            }
        }, "stream-process-stderr");
        stderrPump.setDaemon(true);
        stderrPump.start();
    }

    /**
     * Starts {@code argv}; it is killed unless {@link #settled()} is called within {@code settleWithin}.
     *
     * @throws ExecutableNotFoundException when the program is not installed
     */
    public static StreamProcess start(List<String> argv, Executables executables, Duration settleWithin) {
        Command display = Command.of(settleWithin, argv);
        java.nio.file.Path program = executables.find(argv.get(0))
                .orElseThrow(() -> new ExecutableNotFoundException(display, null));
        List<String> resolved = new ArrayList<>(argv);
        resolved.set(0, program.toString());
        Process p;
        try {
            p = new ProcessBuilder(resolved).start();
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "could not start '" + argv.get(0) + "': " + e.getMessage(),
                    "check that the program is installed and executable", e);
        }
        StreamProcess sp = new StreamProcess(p);
        Thread watchdog = new Thread(() -> {
            try {
                if (!p.waitFor(settleWithin.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) && !sp.settled) {
                    ZtExecCommandRunner.killTree(p);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "stream-process-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        return sp;
    }

    public InputStream stdout() {
        return process.getInputStream();
    }

    public OutputStream stdin() {
        return process.getOutputStream();
    }

    /** The owner has what it waited for: the watchdog leaves the process alone from now on. */
    public void settled() {
        settled = true;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits at most {@code timeout} for the process to end; true when it has. */
    public boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** What the process wrote to standard error so far (the last lines matter: why ssh gave up). */
    public String stderr() {
        if (!process.isAlive()) {
            try {
                stderrPump.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return stderr.text().strip();
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            ZtExecCommandRunner.killTree(process);
        }
    }
}
