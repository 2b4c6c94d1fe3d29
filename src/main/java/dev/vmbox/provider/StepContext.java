package dev.vmbox.provider;

import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.wait.Deadline;

/**
 * What a {@link PlanStep} gets while it runs (or is undone): the one way to run its commands, the create's
 * deadline and a line of progress.
 */
public interface StepContext {
    /**
     * Runs {@code command}, which must be one of this step's planned commands (same argv and environment): anything
     * else is a bug in vmbox and fails. The command is logged; its timeout is capped by the deadline (not while
     * undoing: cleanup runs even when the time is up).
     */
    CommandResult run(Command command);

    /** {@link #run(Command)} with {@code stdin} on the command's standard input (a planned command with a stdin). */
    CommandResult run(Command command, byte[] stdin);

    /** The create's deadline: what every wait inside the step is bounded by. */
    Deadline deadline();

    /** A transient detail of the step for the user ("uploading disk.qcow2 of debian-12 (512 MiB)"). */
    void progress(String detail);

    /**
     * Marks that this step has made something its undo removes: call it once the thing exists, or before a command
     * that may leave half of it behind when it fails. A step that never calls it is not undone.
     */
    void made();
}
