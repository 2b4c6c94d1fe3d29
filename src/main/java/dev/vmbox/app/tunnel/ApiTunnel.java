package dev.vmbox.app.tunnel;

import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.ssh.SshTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The model API's tunnel of one instance, for every command that brings it up or down (create, start,
 * {@code tunnel start|stop|status}): what it carries ({@link #settings}), the command that runs the user's
 * agent ({@link #agentCommand}), and start-and-check, stop and status on the instance's tunnel folder.
 */
public final class ApiTunnel {
    /** How long the agent may take to stop a tunnel. */
    public static final Duration STOP_WAIT = Duration.ofSeconds(10);
    /** How long a starting tunnel may take until the runtime answers through it. */
    public static final Duration READY_WAIT = Duration.ofSeconds(60);

    private final TunnelControl control;
    private final List<String> agentCommandPrefix;

    /**
     * @param agentCommandPrefix the command line that runs the agent, without its VMBOX_HOME (e.g.
     *                           {@code java -cp vmbox.jar dev.vmbox.cli.Main tunnel run})
     */
    public ApiTunnel(TunnelControl control, List<String> agentCommandPrefix) {
        this.control = control;
        this.agentCommandPrefix = List.copyOf(agentCommandPrefix);
    }

    /**
     * The tunnel of instance {@code name} for an API published on {@code bind}:{@code port} of this host, to
     * {@code remotePort} on the guest's loopback where {@code runtime} listens. A loopback address is used as it
     * is; any other address only as an exposure (the settings then carry the warning). The address must be an IP
     * literal ({@link ApiAddress#parseLiteral}); whether an exposed one belongs to this host was checked where the
     * user named it. The API key is added when the tunnel starts ({@link TunnelControl#start}).
     */
    public static TunnelSettings settings(String name, SshTarget target, String bind, int port, int remotePort,
                                          RuntimeKind runtime) {
        TunnelSettings ts = TunnelSettings.loopback(name, target, port, remotePort, runtime, null);
        return ApiAddress.parseLiteral(bind).isLoopbackAddress() ? ts.withBind(bind) : ts.withExpose(bind);
    }

    /** The command that runs the agent serving the tunnel in {@code stateDir}: the prefix plus its VMBOX_HOME. */
    public static List<String> agentCommand(List<String> prefix, Path stateDir) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(new TunnelFiles(stateDir).home().toString());
        return cmd;
    }

    /** (Re)starts the tunnel and waits until the runtime answers through it; see {@link TunnelControl#start}. */
    public TunnelStatus start(Path stateDir, TunnelSettings settings, Duration readyTimeout) {
        return control.start(stateDir, settings, agentCommand(agentCommandPrefix, stateDir), readyTimeout);
    }

    /** Stops the tunnel; false when none was running. */
    public boolean stop(Path stateDir) {
        return control.stop(stateDir, STOP_WAIT);
    }

    public TunnelStatus status(Path stateDir) {
        return control.status(stateDir);
    }

    public TunnelControl control() {
        return control;
    }

    public List<String> agentCommandPrefix() {
        return agentCommandPrefix;
    }

    /** {@code http://HOST:PORT} of an API published on {@code bind}. */
    public static String url(String bind, int port) {
        return "http://" + ApiAddress.hostForUrl(bind) + ":" + port;
    }
}
