package dev.vmbox.cli;

import dev.vmbox.spec.ApiAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "start", mixinStandardHelpOptions = true, description = "Start (or restart) the tunnel agent.")
final class TunnelStartCommand implements Callable<Integer> {
    @Mixin
    InstanceArgument instance;
    @Option(names = "--port", paramLabel = "PORT", description = "Publish the API on this host port from now on.")
    Integer port;
    @Option(names = "--expose", paramLabel = "ADDR", description = "Publish the API on this host address instead of "
            + "127.0.0.1 (anyone who reaches it can use the model).")
    String expose;

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        if (port != null || expose != null) {
            root.instanceTunnel().moveApi(instance.name(), port, expose);
        }
        String endpoint = root.instanceTunnel().start(instance.name());
        if (expose != null && !ApiAddress.parseLiteral(expose).isLoopbackAddress()) {
            root.err().println("warning: the model API is published on " + expose + ", beyond this host's loopback: "
                    + "anyone who can reach that address can use the model, without authentication");
        }
        root.out().println("tunnel up: " + endpoint);
        root.out().flush();
        return 0;
    }
}
