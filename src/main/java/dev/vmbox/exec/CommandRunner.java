package dev.vmbox.exec;

/**
 * The only way vmbox runs another program: {@link ZtExecCommandRunner} runs real processes (tests give
 * their own fakes; {@code --dry-run} runs no runner at all, it prints the provider's create plan).
 *
 * <p>{@link #run} returns normally only for an accepted exit code. It throws
 * {@link ExecutableNotFoundException} when the program is not installed, {@link CommandFailedException}
 * for any other exit code (with the stderr tail), and {@link CommandTimeoutException} after killing the
 * whole process tree when the command's timeout passes.
 */
public interface CommandRunner {
    CommandResult run(Command command);
}
