package dev.vmbox.provider;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One step of a {@link CreatePlan}: a name, what it does in words, the commands it may run (each fixed when the
 * plan is made), the work itself, and what undoes it. Steps are made with {@link #named}:
 *
 * <pre>{@code
 * PlanStep.named("disk", "the VM's disk: a qcow2 overlay on the base image")
 *         .runs(qemuImgCreate)
 *         .does(ctx -> { ctx.run(qemuImgCreate); ctx.made(); })
 *         .undoneBy("the disk", "rm DIR/disk.qcow2", ctx -> Files.deleteIfExists(overlay));
 * }</pre>
 */
public final class PlanStep {
    /** The work of a step; it runs its commands through {@link StepContext#run}. */
    @FunctionalInterface
    public interface Action {
        void run(StepContext ctx) throws IOException;
    }

    private final String name;
    private final String description;
    private final List<PlannedCommand> commands;
    private final List<PlannedCommand> undoCommands;
    private final Action action;
    private final Action undo;
    private final String undoes;
    private final String manualUndo;

    private PlanStep(String name, String description, List<PlannedCommand> commands, List<PlannedCommand> undoCommands,
                     Action action, Action undo, String undoes, String manualUndo) {
        this.name = Objects.requireNonNull(name, "name");
        this.description = Objects.requireNonNull(description, "description");
        this.commands = List.copyOf(commands);
        this.undoCommands = List.copyOf(undoCommands);
        this.action = action;
        this.undo = undo;
        this.undoes = undoes;
        this.manualUndo = manualUndo;
    }

    /** A step that does nothing yet: add its commands, its work and its undo. */
    public static PlanStep named(String name, String description) {
        return new PlanStep(name, description, List.of(), List.of(), ctx -> { }, null, null, null);
    }

    /** Adds commands the step always runs, in order. */
    public PlanStep runs(dev.vmbox.exec.Command... always) {
        List<PlannedCommand> all = new ArrayList<>(commands);
        for (dev.vmbox.exec.Command c : always) {
            all.add(PlannedCommand.always(c));
        }
        return new PlanStep(name, description, all, undoCommands, action, undo, undoes, manualUndo);
    }

    /** Adds planned commands (conditional ones, or ones fed on stdin), in order. */
    public PlanStep runs(PlannedCommand... planned) {
        List<PlannedCommand> all = new ArrayList<>(commands);
        all.addAll(List.of(planned));
        return new PlanStep(name, description, all, undoCommands, action, undo, undoes, manualUndo);
    }

    public PlanStep does(Action work) {
        return new PlanStep(name, description, commands, undoCommands, Objects.requireNonNull(work, "work"), undo, undoes,
                manualUndo);
    }

    /**
     * What removes the step's work when a later step (or this one, after {@link StepContext#made}) fails.
     *
     * @param what     what it removes, for messages ("the half-made instance")
     * @param byHand   how to remove it by hand when the undo fails
     * @param undoWork the undo; it runs {@code with} through {@link StepContext#run}
     * @param with     the commands the undo may run
     */
    public PlanStep undoneBy(String what, String byHand, Action undoWork, PlannedCommand... with) {
        return new PlanStep(name, description, commands, List.of(with), action, Objects.requireNonNull(undoWork, "undo"),
                Objects.requireNonNull(what, "what"), byHand);
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    public List<PlannedCommand> commands() {
        return commands;
    }

    public List<PlannedCommand> undoCommands() {
        return undoCommands;
    }

    Action action() {
        return action;
    }

    /** The undo, or null when the step makes nothing to remove. */
    Action undo() {
        return undo;
    }

    /** What the undo removes, in words; null without an undo. */
    public String undoes() {
        return undoes;
    }

    /** How to remove it by hand when the undo fails; may be null. */
    public String manualUndo() {
        return manualUndo;
    }
}
