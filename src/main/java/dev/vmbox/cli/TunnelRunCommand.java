package dev.vmbox.cli;

import dev.vmbox.app.tunnel.TunnelAgent;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The user's tunnel agent, in the foreground: what {@code tunnel start} launches detached and what the autostart
 * service runs ({@code --service}).
 */
@Command(name = "run", hidden = true, description = "Run the tunnel agent of VMBOX_HOME in the foreground.")
final class TunnelRunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--service", description = "Run as a service: serve autostart tunnels, stay when none is wanted.")
    boolean service;
    @Parameters(paramLabel = "VMBOX_HOME", arity = "0..1", description = "Default: this VMBOX_HOME.")
    Path home;

    /**
     * {@code tunnel run [--service] HOME}, as vmbox itself launches the agent, without building the CLI's command
     * tree: the agent stays resident, and picocli's model of every command would cost it about 7 MB for its whole
     * life. Any other form (help, no HOME) returns null and goes through picocli as usual.
     */
    static Integer runWithoutCommandTree(String[] args) {
        if (args.length < 3 || args.length > 4 || !args[0].equals("tunnel") || !args[1].equals("run")) {
            return null;
        }
        boolean service = args.length == 4 && args[2].equals("--service");
        String home = args[args.length - 1];
        if (args.length == 4 && !service || home.startsWith("-")) {
            return null;
        }
        try {
            TunnelAgent.runForeground(Path.of(home), dev.vmbox.exec.Executables.fromEnvironment(CliEnvironment.system().env()),
                    service);
            return 0;
        } catch (dev.vmbox.VmboxException e) {
            System.err.println("vmbox: " + e.getMessage());
            if (e.hint() != null) {
                System.err.println("hint: " + e.hint());
            }
            return e.exitCode().code();
        }
    }

    @Override
    public Integer call() {
        VmboxCommand root = VmboxCommand.of(spec);
        TunnelAgent.runForeground(home != null ? home : root.home().root(), root.executables(), service);
        return 0;
    }
}
