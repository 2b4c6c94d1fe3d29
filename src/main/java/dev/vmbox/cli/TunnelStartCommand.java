package dev.vmbox.cli;

import dev.vmbox.spec.ApiAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "start", mixinStandardHelpOptions = true, description = "Start (or restart) the instance's tunnel "
        + "in the user's tunnel agent (the agent starts if it is not running).")
final class TunnelStartCommand implements Callable<Integer> {
    @Mixin
    InstanceArgument instance;
    @Option(names = "--port", paramLabel = "PORT", description = "Publish the API on this host port from now on.")
    Integer port;
    @Option(names = "--expose", paramLabel = "ADDR", description = "Publish the API on this host address instead of "
            + "127.0.0.1 (anyone who reaches it and has the API key can use the model).")
    String expose;
    @Option(names = "--socket", description = "Publish the API as a Unix socket (0600, in the instance's 0700 tunnel "
            + "folder) instead of TCP, from now on; --port or --expose go back to TCP.")
    boolean socket;
    @Option(names = "--api-key", negatable = true, description = "Require the instance's API key (the default; "
            + "--no-api-key turns it off, for clients that cannot send it: any local user can then use the model).")
    Boolean apiKey;

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        if (port != null || expose != null) {
            root.instanceTunnel().moveApi(instance.name(), port, expose);
        }
        Boolean useSocket = socket ? Boolean.TRUE : port != null || expose != null ? Boolean.FALSE : null;
        if (useSocket != null || apiKey != null) {
            root.instanceTunnel().configure(instance.name(), useSocket, apiKey == null ? null : !apiKey);
        }
        String endpoint = root.instanceTunnel().start(instance.name());
        if (expose != null && !ApiAddress.parseLiteral(expose).isLoopbackAddress()) {
            root.err().println("warning: the model API is published on " + expose + ", beyond this host's loopback: "
                    + "anyone who can reach that address and has the API key can use the model");
        }
        if (Boolean.FALSE.equals(apiKey)) {
            root.err().println("warning: the API key is off: any program of any user on this host can use the model "
                    + "(web pages are still refused); turn it back on with: vmbox tunnel start " + instance.name() + " --api-key");
        }
        root.out().println(endpoint.startsWith("/")
                ? "tunnel up: unix socket " + endpoint + " (e.g. curl --unix-socket " + endpoint + " http://localhost/)"
                : "tunnel up: " + endpoint);
        root.out().println("API key: vmbox api-key " + instance.name());
        root.out().flush();
        return 0;
    }
}
