package dev.vmbox.provider.multipass;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandTimeoutException;
import java.util.Locale;

/**
 * Turns a failed {@code multipass} run into one clear vmbox error. Multipass's exit codes
 * ({@code return_codes.h}): 1 command line error, 2 command failed ({@code "<cmd> failed: <why>"} on
 * stderr), 3 daemon not answering, 4 retry, 5 client-side timeout.
 */
final class MultipassErrors {
    static final int COMMAND_LINE_ERROR = 1;
    static final int DAEMON_FAIL = 3;
    static final int TIMEOUT = 5;

    private MultipassErrors() {
    }

    static VmboxException classify(VmboxException e, String action, String name, String mpName) {
        if (e instanceof CommandTimeoutException t) {
            if (name == null) {
                return new VmboxException(ExitCode.TIMEOUT, "multipass " + action + " did not answer in time and was stopped",
                        "restart the Multipass daemon (sudo snap restart multipass) and retry", t);
            }
            return new VmboxException(ExitCode.TIMEOUT, "multipass did not finish '" + action + "' of '" + name
                    + "' in time and was stopped", "see `multipass info " + mpName + "`; give it more time with --timeout", t);
        }
        if (!(e instanceof CommandFailedException f)) {
            return e;
        }
        CommandResult r = f.result();
        String why = message(r);
        String lower = why.toLowerCase(Locale.ROOT);
        if (r.exitCode() == DAEMON_FAIL || lower.contains("cannot connect to the multipass socket")) {
            return new VmboxException(ExitCode.UNAVAILABLE, "the Multipass daemon (multipassd) is not answering",
                    "start it: sudo snap start multipass (Linux), or open the Multipass app (macOS/Windows); then retry", e);
        }
        if (r.exitCode() == TIMEOUT || lower.contains("timed out")) {
            return new VmboxException(ExitCode.TIMEOUT, "Multipass gave up waiting to " + action + " '" + name + "': " + why,
                    "a first launch downloads the image and can be slow: give it more time with --timeout", e);
        }
        if (lower.contains("already exists")) {
            return new VmboxException(ExitCode.IN_USE, "a Multipass instance '" + mpName + "' already exists",
                    "choose another name, or remove it with `multipass delete --purge " + mpName + "` if it is a leftover", e);
        }
        if (lower.contains("does not exist") || lower.contains("is deleted")) {
            return new VmboxException(ExitCode.NOT_FOUND, "Multipass has no instance '" + mpName + "' (" + why + ")",
                    "`vmbox list` shows your instances", e);
        }
        if (r.exitCode() == COMMAND_LINE_ERROR) {
            return new VmboxException(ExitCode.FAILED, "multipass refused vmbox's " + action + " command line: " + why,
                    "vmbox needs Multipass 1.14 or newer: update it (sudo snap refresh multipass)", e);
        }
        if (name == null) {
            return new VmboxException(ExitCode.FAILED, "multipass " + action + " failed: " + why,
                    "run `multipass " + action + "` by hand; `multipass version` shows whether the daemon answers", e);
        }
        return new VmboxException(ExitCode.FAILED, "multipass " + action + " failed for '" + name + "': " + why,
                "run with --debug to see the command; `multipass info " + mpName + "` shows the instance", e);
    }

    /** The last stderr line without the {@code "<cmd> failed: "} prefix; else the exit code. */
    static String message(CommandResult r) {
        String tail = r.stderrTail(2);
        if (tail.isEmpty()) {
            return "exit code " + r.exitCode();
        }
        int i = tail.indexOf(" failed: ");
        return i >= 0 && i < 20 ? tail.substring(i + " failed: ".length()) : tail;
    }
}
