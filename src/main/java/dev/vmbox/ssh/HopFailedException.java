package dev.vmbox.ssh;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;

/**
 * The host a guest is reached through refused or could not be reached (login refused, unknown host key,
 * forwarding forbidden, name not resolved): waiting longer does not help, so wait loops stop at once instead
 * of asking that host again and again (repeated failed logins can get the client banned there).
 */
public final class HopFailedException extends VmboxException {
    private static final long serialVersionUID = 1L;

    HopFailedException(ExitCode code, String message, String hint, Throwable cause) {
        super(code, message, hint, cause);
    }
}
