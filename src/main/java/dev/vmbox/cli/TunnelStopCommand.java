package dev.vmbox.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the tunnel agent.")
final class TunnelStopCommand implements Callable<Integer> {
    @Mixin
    InstanceArgument instance;

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        boolean was = root.instanceTunnel().stop(instance.name());
        root.out().println(was ? "tunnel stopped" : "no tunnel was running");
        root.out().flush();
        return 0;
    }
}
