package dev.vmbox.provider.lima;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandTimeoutException;
import dev.vmbox.provider.ProviderLogException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns a failed {@code limactl} run into the one-line vmbox error that says what happened and what to do. Lima's
 * output is read whole ({@link LimaLog}); the exit code follows what Lima reported (a Broken instance is a failure,
 * not a timeout), and hints name files that exist, under the LIMA_HOME Lima uses.
 */
final class LimaErrors {
    /** How many lines of the host agent's log vmbox keeps in its own log when a start fails. */
    static final int LOG_TAIL = 60;

    private LimaErrors() {
    }

    /**
     * @param e        what the runner threw
     * @param action   what vmbox was doing, e.g. "create", "stop"
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
                    + "' in time and was stopped", "see `limactl list " + limaName + "`; give it more time with --timeout", t);
        }
        if (!(e instanceof CommandFailedException f)) {
            return e;
        }
        String msg = LimaLog.failure(LimaLog.parse(f.result().stderr()));
        String lower = msg.toLowerCase(Locale.ROOT);
        String shown = msg.isEmpty() ? "exit code " + f.exitCodeOfCommand() : msg;
        if (lower.contains("already exists")) {
            return new VmboxException(ExitCode.IN_USE, "a Lima instance '" + limaName + "' already exists",
                    "choose another name; vmbox leaves Lima's instance alone", e);
        }
        if (lower.contains("too long") && lower.contains("unix_path_max")) {
            return new VmboxException(ExitCode.BAD_INPUT, "Lima refused the instance name: " + shown,
                    "use a shorter instance name, or a shorter LIMA_HOME", e);
        }
        if (lower.contains("does not exist") || lower.contains("no such file") || lower.contains("unmatched instance")
                || lower.contains("not found")) {
            return new VmboxException(ExitCode.NOT_FOUND, "Lima has no instance '" + limaName + "' (" + shown + ")",
                    "`vmbox list` shows your instances", e);
        }
        if (name == null) {
            return new VmboxException(ExitCode.FAILED, "limactl " + action + " failed: " + shown,
                    "run `limactl " + action + "` by hand; check LIMA_HOME (~/.lima) and its permissions", e);
        }
        return new VmboxException(ExitCode.FAILED, "limactl " + action + " failed for '" + name + "': " + shown,
                "run `limactl " + action + " " + limaName + "` by hand to see more", e);
    }

    /**
     * A failed {@code limactl start}, told by what Lima reported: its own output, the instance's status afterwards and
     * its host agent's log ({@code <dir>/ha.stderr.log}, where the real cause is: the requirement it waited for and
     * the guest's last answer).
     *
     * @param e       what the runner threw
     * @param name    the vmbox instance name
     * @param after   the instance as Lima lists it after the failure; empty when Lima no longer lists it
     * @param haLog   the host agent's log, as read before anything removes it; empty when there is none
     * @param removed whether vmbox is about to remove the instance (a create's rollback): then the log's path is not
     *                named as a place to look, its last lines go to vmbox's create log instead
     */
    static VmboxException startFailed(VmboxException e, String name, String limaName, Optional<LimaInstance> after,
                                      Optional<String> haLog, boolean removed) {
        List<LimaLog.Entry> out = e instanceof CommandFailedException f ? LimaLog.parse(f.result().stderr()) : List.of();
        String said = LimaLog.failure(out);
        String lower = said.toLowerCase(Locale.ROOT);
        Optional<String> cause = haLog.flatMap(l -> LimaLog.cause(LimaLog.parse(l)));
        boolean broken = after.map(i -> "Broken".equals(i.status())).orElse(false);
        Optional<String> logFile = after.map(LimaInstance::dir).filter(d -> !d.isBlank()).map(d -> d + "/ha.stderr.log")
                .filter(p -> haLog.isPresent());
        String where = removed ? "the last lines of Lima's host agent log are in vmbox's create log"
                : logFile.map(p -> "Lima's host agent log: " + p).orElse("`limactl list " + limaName + "` shows what Lima knows");

        ExitCode code;
        String what;
        String hint;
        if (broken) {
            code = ExitCode.FAILED;
            List<String> errors = after.get().errors();
            what = "Lima reports '" + limaName + "' as Broken after starting it" + (errors.isEmpty() ? ""
                    : " (" + String.join("; ", errors) + ")") + cause.map(c -> ": " + c).orElse(said.isEmpty() ? "" : ": " + said);
            hint = where + "; `limactl stop --force " + limaName + "` resets it";
        } else if (e instanceof CommandTimeoutException) {
            code = ExitCode.TIMEOUT;
            what = "Lima did not finish starting '" + name + "' in time and was stopped" + cause.map(c -> ": " + c).orElse("");
            hint = where + "; a first start downloads the image and can be slow: give it more time with --timeout";
        } else if (lower.startsWith("did not receive an event with the")) {
            code = ExitCode.TIMEOUT;
            what = "Lima gave up waiting for '" + name + "' to be ready (" + said + ")" + cause.map(c -> ": " + c).orElse("");
            hint = where + "; a first start downloads the image and can be slow: give it more time with --timeout";
        } else if (lower.startsWith("degraded")) {
            code = ExitCode.FAILED;
            what = "'" + name + "' booted but a readiness check failed inside it: " + failedRequirement(out).orElse(said);
            hint = where + "; inside the guest, /var/log/cloud-init.log tells what vmbox's provisioning did";
        } else if (lower.startsWith("exiting")) {
            code = ExitCode.FAILED;
            what = "Lima's host agent for '" + name + "' gave up while starting it" + cause.map(c -> ": " + c)
                    .orElse(": " + said);
            hint = where;
        } else {
            code = ExitCode.FAILED;
            what = "limactl start failed for '" + name + "': " + (said.isEmpty() ? "no message" : said)
                    + cause.map(c -> " (" + c + ")").orElse("");
            hint = where;
        }
        if (haLog.isPresent() && logFile.isPresent()) {
            return new ProviderLogException(code, what, hint, e, logFile.get(), LimaLog.tail(haLog.get(), LOG_TAIL));
        }
        return new VmboxException(code, what, hint, e);
    }

    /** The readiness requirement Lima reports as failed ("failed to satisfy the … requirement …"), whole. */
    private static Optional<String> failedRequirement(List<LimaLog.Entry> out) {
        for (int i = out.size() - 1; i >= 0; i--) {
            String m = out.get(i).msg();
            int at = m.indexOf("failed to satisfy the ");
            if (at >= 0 && out.get(i).level().equals("error")) {
                String s = m.substring(at);
                return Optional.of(s.endsWith("]") ? s.substring(0, s.length() - 1) : s);
            }
        }
        return Optional.empty();
    }
}
