package dev.vmbox.provider;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.wait.Deadline;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The one runner of a {@link CreatePlan}: {@link #describe} prints it (runs nothing), {@link #execute} runs its
 * steps in order, logging each command as {@code create plan: STEP: $ ARGV}; when a step fails, the steps that made
 * something are undone in reverse order (also after Ctrl-C: the interrupt is set aside while undoing, then restored)
 * and the step's error is thrown, naming what could not be removed and how to remove it by hand.
 */
public record CreatePlanRunner(CommandRunner runner, EventLog log) {
    /** What a dry run prints before each command, and the run logs before each command it runs. */
    public static final String PROMPT = "$ ";
    /** Separates a command from its annotation (condition, stdin) in {@link #describe}. */
    public static final String ANNOTATION = "   # ";
    /** The prefix of every line the run logs (debug). */
    public static final String LOG_PREFIX = "create plan: ";


    /** The plan as text, one line each: notes ({@code # ...}), steps, their commands ({@code $ ...}) and undos. */
    public static List<String> describe(CreatePlan plan) {
        List<String> out = new ArrayList<>();
        plan.notes().forEach(n -> out.add("# " + n));
        int i = 0;
        for (PlanStep s : plan.steps()) {
            out.add(++i + ". " + s.name() + ": " + s.description());
            for (PlannedCommand c : s.commands()) {
                out.add("     " + line(c));
            }
            for (PlannedCommand c : s.undoCommands()) {
                out.add("     undo: " + line(c));
            }
            if (s.undoes() != null && s.undoCommands().isEmpty()) {
                out.add("     undo: remove " + s.undoes());
            }
        }
        return out;
    }

    private static String line(PlannedCommand c) {
        List<String> notes = new ArrayList<>();
        if (c.when() != null) {
            notes.add("only " + c.when());
        }
        if (c.stdin() != null) {
            notes.add("stdin: " + c.stdin());
        }
        return PROMPT + c.command().display() + (notes.isEmpty() ? "" : ANNOTATION + String.join("; ", notes));
    }

    /** Runs the plan within {@code deadline}; on failure undoes what it made and throws the step's error. */
    public void execute(CreatePlan plan, Deadline deadline, Consumer<String> progress) {
        List<Run> started = new ArrayList<>();
        for (PlanStep s : plan.steps()) {
            Run run = new Run(s, deadline, progress, false);
            started.add(run);
            log.debug(LOG_PREFIX + "step " + s.name() + " (" + s.description() + ")");
            try {
                s.action().run(run);
            } catch (RuntimeException | IOException e) {
                throw undo(started, deadline, progress, asVmbox(e, s));
            }
        }
    }

    private VmboxException undo(List<Run> started, Deadline deadline, Consumer<String> progress, VmboxException cause) {
        boolean interrupted = Thread.interrupted();
        try {
            List<String> left = new ArrayList<>();
            String byHand = null;
            for (int i = started.size() - 1; i >= 0; i--) {
                Run done = started.get(i);
                PlanStep s = done.step;
                if (!done.made || s.undo() == null) {
                    continue;
                }
                log.debug(LOG_PREFIX + "undo " + s.name() + " (" + s.undoes() + ")");
                try {
                    s.undo().run(new Run(s, deadline, progress, true));
                } catch (RuntimeException | IOException e) {
                    left.add(s.undoes() + " (" + e.getMessage() + ")");
                    byHand = byHand != null ? byHand : s.manualUndo();
                    log.warn("could not remove " + s.undoes() + ": " + e.getMessage());
                }
            }
            if (left.isEmpty()) {
                return cause;
            }
            return new VmboxException(cause.exitCode(), cause.getMessage() + "; " + String.join(", ", left)
                    + " could not be removed", byHand != null ? byHand : cause.hint(), cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static VmboxException asVmbox(Exception e, PlanStep s) {
        if (e instanceof VmboxException v) {
            return v;
        }
        if (e instanceof IOException io) {
            return VmboxException.failed("cannot " + s.description() + ": " + io.getMessage(),
                    "check free space and permissions", io);
        }
        return new VmboxException(ExitCode.INTERNAL, "internal error in step '" + s.name() + "': " + e,
                "run again with --debug and report it", e);
    }

    /** One step while it runs (or is undone). */
    private final class Run implements StepContext {
        private final PlanStep step;
        private final Deadline deadline;
        private final Consumer<String> progress;
        private final boolean undoing;
        private boolean made;

        Run(PlanStep step, Deadline deadline, Consumer<String> progress, boolean undoing) {
            this.step = step;
            this.deadline = deadline;
            this.progress = progress;
            this.undoing = undoing;
        }

        @Override
        public CommandResult run(Command command) {
            return run(command, null);
        }

        @Override
        public CommandResult run(Command command, byte[] stdin) {
            List<PlannedCommand> allowed = undoing ? step.undoCommands() : step.commands();
            PlannedCommand planned = allowed.stream().filter(p -> p.sameAs(command)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("step '" + step.name() + "' runs a command that is not in"
                            + " its plan: " + command.display()));
            Command c = planned.command();
            if (!undoing) {
                Duration left = deadline.remaining("step '" + step.name() + "'");
                c = c.withTimeout(c.timeout().compareTo(left) <= 0 ? c.timeout() : left);
            }
            if (stdin != null) {
                c = c.withStdin(stdin);
            }
            log.debug(LOG_PREFIX + (undoing ? "undo " : "") + step.name() + ": " + PROMPT + c.display());
            return runner.run(c);
        }

        @Override
        public Deadline deadline() {
            return deadline;
        }

        @Override
        public void progress(String detail) {
            progress.accept(detail);
        }

        @Override
        public void made() {
            made = true;
        }
    }
}
