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

    @Override
    public Integer call() {
        VmboxCommand root = VmboxCommand.of(spec);
        TunnelAgent.runForeground(home != null ? home : root.home().root(), root.executables(), service);
        return 0;
    }
}
