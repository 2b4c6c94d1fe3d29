package dev.vmbox.exec;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.log.EventLog;
import dev.vmbox.log.Redactor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.zeroturnaround.exec.ProcessExecutor;
import org.zeroturnaround.exec.ProcessResult;
import org.zeroturnaround.exec.StartedProcess;

/**
 * Runs commands as real processes through zt-exec. The only class in vmbox that imports zt-exec.
 *
 * <p>On timeout the whole process tree is killed (descendants first, collected before the parent
 * dies so they cannot escape by being re-parented). Output is captured with bounded memory.
 */
public record ZtExecCommandRunner(EventLog log, Executables executables) implements CommandRunner {
    static final int STDOUT_HEAD = 32 * 1024 * 1024;
    static final int STDERR_HEAD = 256 * 1024;
    static final int TAIL = 64 * 1024;


    @Override
    public CommandResult run(Command command) {
        String program = command.program();
        java.nio.file.Path resolved = executables.find(program)
                .orElseThrow(() -> new ExecutableNotFoundException(command, null));
        List<String> argv = new java.util.ArrayList<>(command.argv());
        argv.set(0, resolved.toString());

        BoundedCapture out = new BoundedCapture(STDOUT_HEAD, TAIL);
        BoundedCapture err = new BoundedCapture(STDERR_HEAD, TAIL);
        ProcessExecutor executor = new ProcessExecutor()
                .command(argv)
                .environment(command.env())
                .redirectOutput(out)
                .redirectError(err)
                .exitValueAny();
        // no destroyOnExit(): on Ctrl-C a create's rollback runs its commands during shutdown, and
        // zt-exec's exit hook would kill them; every command is waited for or killed by its timeout instead
        if (command.workDir() != null) {
            executor.directory(command.workDir().toFile());
        }
        executor.redirectInput(new ByteArrayInputStream(command.stdin() == null ? new byte[0] : command.stdin()));

        log.debug("run: " + command.display() + "  (timeout " + CommandTimeoutException.human(command.timeout()) + ")");
        long started = System.nanoTime();
        StartedProcess started0;
        try {
            started0 = executor.start();
        } catch (IOException e) {
            if (isNotFound(e)) {
                throw new ExecutableNotFoundException(command, e);
            }
            throw new VmboxException(ExitCode.FAILED, "could not start '" + program + "': " + e.getMessage(),
                    "check that the program is installed and executable", e);
        }
        Process process = started0.getProcess();
        try {
            ProcessResult pr = started0.getFuture().get(command.timeout().toMillis(), TimeUnit.MILLISECONDS);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            CommandResult result = new CommandResult(command, pr.getExitValue(), out.text(), err.text(), elapsed,
                    out.truncated() || err.truncated());
            log.debug("exit " + result.exitCode() + " after " + elapsed.toMillis() + " ms: " + program
                    + debugTail(result));
            if (!result.ok()) {
                throw new CommandFailedException(result);
            }
            return result;
        } catch (TimeoutException e) {
            killTree(process);
            log.debug("timeout after " + command.timeout().toMillis() + " ms, killed: " + command.display());
            throw new CommandTimeoutException(command, CommandResult.tail(err.text(), 2));
        } catch (InterruptedException e) {
            // The exception is the signal (exit 130). The thread's flag is deliberately left clear so that the
            // caller's cleanup (a create's rollback after Ctrl-C) can still run the commands that undo its work.
            killTree(process);
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted while running '" + program + "'", null, e);
        } catch (ExecutionException e) {
            killTree(process);
            throw new VmboxException(ExitCode.FAILED, "could not run '" + program + "': " + e.getCause(),
                    "run with --debug for details", e.getCause());
        }
    }

    private String debugTail(CommandResult r) {
        if (!log.debugEnabled()) {
            return "";
        }
        String tail = Redactor.redact(r.stderrTail(5), r.command().secrets());
        return tail.isEmpty() ? "" : " stderr: " + tail;
    }

    /** Kills descendants first (collected while the parent still lives), then the process itself. */
    static void killTree(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();
        for (ProcessHandle h : descendants) {
            h.destroyForcibly();
        }
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            for (ProcessHandle h : descendants) {
                h.onExit().get(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException ignored) {
            // best effort: the kernel reaps them
        }
    }

    private static boolean isNotFound(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("error=2,") || m.contains("No such file") || m.contains("error=13,");
    }
}
