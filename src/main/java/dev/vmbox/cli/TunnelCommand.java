package dev.vmbox.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "tunnel", mixinStandardHelpOptions = true,
        description = "Manage the background agent that carries the API to the host's loopback.",
        subcommands = {TunnelStartCommand.class, TunnelStopCommand.class, TunnelStatusCommand.class, TunnelRunCommand.class})
final class TunnelCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
