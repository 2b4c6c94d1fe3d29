package dev.vmbox.exec;

import dev.vmbox.ExitCode;

/** The program did not finish within its timeout; it and all its descendants were killed. */
public final class CommandTimeoutException extends CommandException {
    private static final long serialVersionUID = 1L;

    public CommandTimeoutException(Command command, String partialStderr) {
        super(ExitCode.TIMEOUT, command,
                "'" + command.program() + "' did not finish within " + human(command.timeout()) + " and was stopped"
                        + (partialStderr == null || partialStderr.isBlank() ? "" : " (last output: "
                        + dev.vmbox.log.Redactor.redact(partialStderr, command.secrets()) + ")"),
                "run with --debug to see the full command; a provider that is this slow may be overloaded or hung",
                null);
    }

    static String human(java.time.Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms % 60_000 == 0) {
            return (ms / 60_000) + " min";
        }
        return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
