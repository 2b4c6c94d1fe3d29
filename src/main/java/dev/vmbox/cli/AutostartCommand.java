package dev.vmbox.cli;

import dev.vmbox.app.tunnel.AgentService;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code vmbox autostart NAME on|off}: the instance's tunnel runs whenever the user's tunnel agent runs as a
 * service (a systemd user unit, a launchd agent), which vmbox writes and enables.
 */
@Command(name = "autostart", mixinStandardHelpOptions = true,
        description = {"Serve the instance's API when you log in (and, with lingering, when the host starts): the tunnel "
                + "agent runs as a user service (systemd on Linux, launchd on macOS) and waits for the VM and its pinned "
                + "host key.", "The VM is set to start with the host where the provider offers it (libvirt: virsh autostart; "
                + "Lima: start-at-login; Multipass restarts what was running)."})
final class AutostartCommand implements Callable<Integer> {
    enum Switch { on, off }

    @Mixin
    InstanceArgument instance;
    @Parameters(index = "1", paramLabel = "on|off", description = "on or off.")
    Switch value;

    @Override
    public Integer call() {
        VmboxCommand root = instance.root();
        boolean on = value == Switch.on;
        String vm = root.instanceTunnel().setVmAutostart(instance.name(), on);
        boolean anyLeft = root.instanceTunnel().setAutostart(instance.name(), on);
        root.out().println("autostart " + (on ? "on" : "off") + " for '" + instance.name() + "'");
        root.out().println("  VM: " + vm);
        serviceFollows(root, anyLeft);
        return 0;
    }

    /**
     * Installs the agent's user service while an instance wants autostart ({@code anyLeft}), else removes it and ends
     * its agent when no tunnel is wanted any more (a service stays when idle); prints what was done.
     */
    static void serviceFollows(VmboxCommand root, boolean anyLeft) {
        AgentService service = new AgentService(root.environment().env(), root.environment().osName(), root.runner());
        AgentService.Outcome outcome = anyLeft
                ? service.install(VmboxCommand.agentCommandPrefix(), root.home().root())
                : service.uninstall(root.home().root());
        root.out().println("  API: the tunnel agent " + (anyLeft ? "runs as a user service" : "no longer runs as a service"));
        for (String line : outcome.lines()) {
            root.out().println("    " + line);
        }
        if (!anyLeft && root.instanceTunnel().endAgentIfIdle()) {
            root.out().println("    the agent, which served no tunnel any more, ended");
        }
        root.out().flush();
    }
}
