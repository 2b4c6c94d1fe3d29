package dev.vmbox.provider;

import dev.vmbox.exec.Command;
import java.util.Objects;

/**
 * One external command of a {@link CreatePlan}, fixed when the plan is made: the same {@link Command} object is
 * printed by a dry run and run (and logged) by {@link CreatePlanRunner}. A command with a {@code when} runs only
 * under that condition, found out by the steps before it (e.g. "when the host has no pool 'vmbox'"); one with a
 * {@code stdin} gets that input when it runs: the input is described, never shown (it may hold the guest's keys).
 *
 * @param command the argv, environment additions and timeout (capped by the create's deadline when it runs)
 * @param when    null when it always runs, else the condition in words
 * @param stdin   null when nothing goes to its standard input, else what does, in words
 */
public record PlannedCommand(Command command, String when, String stdin) {
    public PlannedCommand {
        Objects.requireNonNull(command, "command");
    }

    public static PlannedCommand always(Command command) {
        return new PlannedCommand(command, null, null);
    }

    public static PlannedCommand when(String condition, Command command) {
        return new PlannedCommand(command, Objects.requireNonNull(condition, "condition"), null);
    }

    /** The same command with {@code what} (in words) on its standard input when it runs. */
    public PlannedCommand withStdin(String what) {
        return new PlannedCommand(command, when, Objects.requireNonNull(what, "what"));
    }

    public boolean conditional() {
        return when != null;
    }

    /** Whether {@code other} is this command: same argv and environment (its timeout may be capped). */
    boolean sameAs(Command other) {
        return command.argv().equals(other.argv()) && command.env().equals(other.env());
    }
}
