package dev.vmbox.app.create;

import java.io.IOException;

/**
 * One step of {@code vmbox create} (the middleware of {@link CreateFlow}'s one loop): it does its work and, when a
 * later step (or itself, half-way) fails, removes what it made. Progress, timing, the deadline and the rollback are
 * the loop's; a step only does and undoes.
 */
interface CreateStep {
    /** The step's name, as progress shows it ("provision"). */
    String name();

    /** Does the step's work; returns the one line shown when it is done (or null). */
    String run(CreateRun run) throws IOException;

    /** The work of a step that makes nothing to undo. */
    @FunctionalInterface
    interface Work {
        String run(CreateRun run) throws IOException;
    }

    /** A step named {@code name} doing {@code work}, with nothing to undo. */
    static CreateStep of(String name, Work work) {
        return new CreateStep() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String run(CreateRun run) throws IOException {
                return work.run(run);
            }
        };
    }

    /** Whether {@link #run} made something (even half-way) that {@link #undo} removes. */
    default boolean madeSomething() {
        return false;
    }

    /** What {@link #undo} removes, for messages ("VM"). */
    default String undoes() {
        return "what step '" + name() + "' made";
    }

    /**
     * Removes what {@link #run} made, also after it failed half-way; called only when {@link #madeSomething()}. The
     * thread's interrupt flag is clear here, so commands and waits still work after Ctrl-C.
     */
    default void undo(CreateRun run) throws IOException {
    }

    /**
     * Whether this step's undo removes the instance folder with its record and keys: it is kept (and the instance
     * recorded as BROKEN) when something undone before could not be removed, so {@code vmbox delete} can finish.
     */
    default boolean ownsTheInstanceFolder() {
        return false;
    }
}
