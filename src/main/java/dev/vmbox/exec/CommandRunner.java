package dev.vmbox.exec;

/**
 * The only way vmbox runs another program. Implementations: {@link ZtExecCommandRunner} (real
 * processes), {@link DryRunCommandRunner} (records and prints, runs nothing).
 *
 * <p>{@link #run} returns normally only for an accepted exit code. It throws
 * {@link ExecutableNotFoundException} when the program is not installed, {@link CommandFailedException}
 * for any other exit code (with the stderr tail), and {@link CommandTimeoutException} after killing the
 * whole process tree when the command's timeout passes.
 */
public interface CommandRunner {
    CommandResult run(Command command);

    /** True when this runner only pretends (dry run): callers must not rely on output. */
    default boolean dryRun() {
        return false;
    }
}
