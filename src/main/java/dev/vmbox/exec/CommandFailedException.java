package dev.vmbox.exec;

import dev.vmbox.ExitCode;

/** The program ran and exited with a code its caller does not accept. */
public final class CommandFailedException extends CommandException {
    private static final long serialVersionUID = 1L;
    private final transient CommandResult result;

    public CommandFailedException(CommandResult result) {
        super(ExitCode.FAILED, result.command(), message(result), null, null);
        this.result = result;
    }

    private static String message(CommandResult r) {
        String tail = dev.vmbox.log.Redactor.redact(r.stderrTail(3), r.command().secrets());
        if (tail.isEmpty()) {
            tail = dev.vmbox.log.Redactor.redact(CommandResult.tail(r.stdout(), 2), r.command().secrets());
        }
        return "'" + r.command().program() + "' failed with exit code " + r.exitCode()
                + (tail.isEmpty() ? "" : ": " + tail);
    }

    public CommandResult result() {
        return result;
    }

    public int exitCodeOfCommand() {
        return result.exitCode();
    }
}
