package dev.vmbox.provider.lima;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandTimeoutException;
import java.util.Locale;

/** Turns a failed {@code limactl} run into the one-line vmbox error that says what to do. */
final class LimaErrors {
    private LimaErrors() {
    }

    /**
     * @param e        what the runner threw
     * @param action   what vmbox was doing, e.g. "create", "start"
     * @param name     the vmbox instance name; null when the command concerns all instances (list)
     * @param limaName Lima's name for it; null with name
     */
    static VmboxException classify(VmboxException e, String action, String name, String limaName) {
        if (e instanceof CommandTimeoutException t) {
            if (name == null) {
                return new VmboxException(ExitCode.TIMEOUT, "limactl " + action + " did not answer in time and was stopped",
                        "run `limactl " + action + "` by hand to see what it waits for", t);
            }
            return new VmboxException(ExitCode.TIMEOUT, "Lima did not finish '" + action + "' of '" + name
                    + "' in time and was stopped", "see `limactl list " + limaName + "` and ~/.lima/" + limaName
                    + "/ha.stderr.log; give it more time with --timeout", t);
        }
        if (!(e instanceof CommandFailedException f)) {
            return e;
        }
        String msg = LimaOutput.errorMessage(f.result().stderr());
        String lower = msg.toLowerCase(Locale.ROOT);
        String shown = msg.isEmpty() ? "exit code " + f.exitCodeOfCommand() : msg;
        if (lower.contains("already exists")) {
            return new VmboxException(ExitCode.IN_USE, "a Lima instance '" + limaName + "' already exists",
                    "choose another name, or remove it with `limactl delete --force " + limaName + "` if it is a leftover", e);
        }
        if (lower.contains("does not exist") || lower.contains("no such file") || lower.contains("unmatched instance")
                || lower.contains("not found")) {
            return new VmboxException(ExitCode.NOT_FOUND, "Lima has no instance '" + limaName + "' (" + shown + ")",
                    "`vmbox list` shows your instances", e);
        }
        if (lower.contains("timeout") || lower.contains("timed out") || lower.contains("deadline exceeded")
                || lower.contains("did not receive an event")) {
            return new VmboxException(ExitCode.TIMEOUT, "Lima gave up waiting to " + action + " '" + name + "': " + shown,
                    "see ~/.lima/" + limaName + "/ha.stderr.log; a first start downloads the image and can be slow", e);
        }
        if (lower.contains("degraded:true") || (lower.contains("degraded") && !lower.contains("degraded:false"))) {
            return new VmboxException(ExitCode.FAILED, "'" + name + "' booted but a provisioning step failed inside it: "
                    + shown, "see ~/.lima/" + limaName + "/serial*.log and /var/log/cloud-init.log in the guest", e);
        }
        if (name == null) {
            return new VmboxException(ExitCode.FAILED, "limactl " + action + " failed: " + shown,
                    "run `limactl " + action + "` by hand; check LIMA_HOME (~/.lima) and its permissions", e);
        }
        return new VmboxException(ExitCode.FAILED, "limactl " + action + " failed for '" + name + "': " + shown,
                "run with --debug to see the command; see ~/.lima/" + limaName + "/ha.stderr.log", e);
    }
}
