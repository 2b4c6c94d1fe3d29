package dev.vmbox.provider.libvirt;

import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.wait.Deadline;
import java.time.Duration;

/**
 * How libvirt's commands ({@code virsh}, {@code qemu-img}, {@code cloud-localds}) are run: straight, bounded by a
 * {@link Deadline} (start, stop, delete, inspect), or as the planned commands of a create step ({@code ctx::run}).
 * Failures become one-line errors through {@link LibvirtErrors}.
 */
@FunctionalInterface
interface LibvirtExec {
    CommandResult run(Command command);

    /** Runs each command with its own timeout, at most what is left of {@code deadline}. */
    static LibvirtExec within(CommandRunner runner, Deadline deadline, String what) {
        return c -> {
            Duration left = deadline.remaining(what);
            return runner.run(c.withTimeout(c.timeout().compareTo(left) <= 0 ? c.timeout() : left));
        };
    }

    /** Runs {@code command}; a failure is translated into what a person can act on. */
    default CommandResult run(Command command, String action, String uri) {
        try {
            return run(command);
        } catch (CommandFailedException e) {
            throw LibvirtErrors.translate(e, action, uri);
        }
    }

    /** Runs {@code command}; the failures listed as harmless (e.g. "not running" for a stop) are not errors. */
    default void runAllowing(Command command, String action, String uri, LibvirtOutput.Failure... harmless) {
        try {
            run(command);
        } catch (CommandFailedException e) {
            LibvirtOutput.Failure f = LibvirtOutput.classify(e.result().stderr());
            for (LibvirtOutput.Failure h : harmless) {
                if (f == h) {
                    return;
                }
            }
            throw LibvirtErrors.translate(e, action, uri);
        }
    }
}
