package dev.vmbox.exec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Records commands instead of running them ({@code --dry-run}): each is printed, shell-quoted and
 * redacted, as "would run: ..." and answered with success and empty output.
 */
public final class DryRunCommandRunner implements CommandRunner {
    private final PrintWriter out;
    private final List<Command> recorded = new ArrayList<>();

    public DryRunCommandRunner(PrintWriter out) {
        this.out = out;
    }

    @Override
    public synchronized CommandResult run(Command command) {
        recorded.add(command);
        if (out != null) {
            out.println("would run: " + command.display());
            out.flush();
        }
        int code = command.okExitCodes().contains(0) ? 0 : command.okExitCodes().iterator().next();
        return new CommandResult(command, code, "", "", Duration.ZERO, false);
    }

    @Override
    public boolean dryRun() {
        return true;
    }

    public synchronized List<Command> recorded() {
        return List.copyOf(recorded);
    }
}
