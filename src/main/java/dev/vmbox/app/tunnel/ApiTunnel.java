package dev.vmbox.app.tunnel;

import dev.vmbox.spec.ApiAddress;
import dev.vmbox.ssh.SshTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The model API's tunnel of one instance, for every command that brings it up or down (create, start,
 * {@code tunnel start|stop|status}): what it carries ({@link #settings}), the command that runs its detached
 * agent ({@link #agentCommand}), and start-and-check, stop and status on the instance's tunnel folder.
 */
public final class ApiTunnel {
    /** How long a running agent may take to stop before it is killed. */
    public static final Duration STOP_WAIT = Duration.ofSeconds(10);
    /** How long a starting tunnel may take to carry connections. */
    public static final Duration READY_WAIT = Duration.ofSeconds(60);

    private final TunnelControl control;
    private final List<String> agentCommandPrefix;

    /**
     * @param agentCommandPrefix the command line that runs an agent, without its state folder (e.g.
     *                           {@code java -cp vmbox.jar dev.vmbox.cli.Main tunnel run})
     */
    public ApiTunnel(TunnelControl control, List<String> agentCommandPrefix) {
        this.control = control;
        this.agentCommandPrefix = List.copyOf(agentCommandPrefix);
    }

    /**
     * The tunnel of instance {@code name} for an API published on {@code bind}:{@code port} of this host, to
     * {@code remotePort} on the guest's loopback. A loopback address is used as it is; any other address only
     * as an exposure (the settings then carry the warning). The address must be an IP literal
     * ({@link ApiAddress#parseLiteral}); whether an exposed one belongs to this host was checked where the user
     * named it.
     */
    public static TunnelSettings settings(String name, SshTarget target, String bind, int port, int remotePort) {
        TunnelSettings ts = TunnelSettings.loopback(name, target, port, remotePort);
        return ApiAddress.parseLiteral(bind).isLoopbackAddress()
                ? new TunnelSettings(name, target, bind, port, null, ts.remoteHost(), remotePort, false, ts.ssh(),
                ts.backoffMin(), ts.backoffMax())
                : ts.withExpose(bind);
    }

    /** The command that runs an instance's tunnel agent: the prefix plus the state folder. */
    public static List<String> agentCommand(List<String> prefix, Path stateDir) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(stateDir.toString());
        return cmd;
    }

    /**
     * (Re)starts the tunnel: stops an agent already running in {@code stateDir} (its settings may be stale),
     * launches one with {@code settings} and waits up to {@code readyTimeout} until it carries connections.
     * Throws the agent's own error (port in use, host-key mismatch...), or FAILED naming the log.
     */
    public TunnelStatus start(Path stateDir, TunnelSettings settings, Duration readyTimeout) {
        control.stop(stateDir, STOP_WAIT);
        return control.start(stateDir, settings, agentCommand(agentCommandPrefix, stateDir), readyTimeout);
    }

    /** Stops the agent; false when none was running. */
    public boolean stop(Path stateDir) {
        return control.stop(stateDir, STOP_WAIT);
    }

    public TunnelStatus status(Path stateDir) {
        return control.status(stateDir);
    }

    /** {@code http://HOST:PORT} of an API published on {@code bind}. */
    public static String url(String bind, int port) {
        return "http://" + ApiAddress.hostForUrl(bind) + ":" + port;
    }
}
