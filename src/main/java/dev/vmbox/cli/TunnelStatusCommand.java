package dev.vmbox.cli;

import dev.vmbox.ExitCode;
import dev.vmbox.app.tunnel.TunnelStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the tunnel agent's state (exit 4 when it is not up).")
final class TunnelStatusCommand implements Callable<Integer> {
    @Mixin
    InstanceArgument instance;
    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        TunnelStatus st = root.instanceTunnel().status(instance.name());
        if (!json.printed(() -> st)) {
            root.out().println(st.describe());
            root.out().flush();
        }
        return st.up() ? 0 : ExitCode.NOT_FOUND.code();
    }
}
