package dev.vmbox.exec;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;

/** Base of the errors {@link CommandRunner} throws; each keeps the (redacted) command it concerns. */
public abstract class CommandException extends VmboxException {
    private static final long serialVersionUID = 1L;
    private final transient Command command;

    protected CommandException(ExitCode code, Command command, String message, String hint, Throwable cause) {
        super(code, message, hint, cause);
        this.command = command;
    }

    public Command command() {
        return command;
    }
}
