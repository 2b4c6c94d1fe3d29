package dev.vmbox.exec;

import dev.vmbox.ExitCode;

/** The program is not installed (not on PATH, or the path does not exist or is not executable). */
public final class ExecutableNotFoundException extends CommandException {
    private static final long serialVersionUID = 1L;

    public ExecutableNotFoundException(Command command, Throwable cause) {
        super(ExitCode.UNAVAILABLE, command,
                "'" + command.program() + "' is not installed (not found on PATH)",
                Executables.installHint(command.program()), cause);
    }
}
