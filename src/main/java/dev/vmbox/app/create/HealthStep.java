package dev.vmbox.app.create;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelStatus;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import java.time.Duration;

/**
 * The runtime's own health endpoint through the tunnel; the wait ends at once when the VM stops or the tunnel's
 * agent dies.
 */
final class HealthStep implements CreateStep {
    private final HealthCheck health;
    private final ApiTunnel tunnels;

    HealthStep(HealthCheck health, ApiTunnel tunnels) {
        this.health = health;
        this.tunnels = tunnels;
    }

    @Override
    public String name() {
        return "health";
    }

    @Override
    public String run(CreateRun run) {
        run.endpoint = run.request.api().url();
        return health.await(run.request.runtimeKind(), run.endpoint, run.left(Duration.ofMinutes(3)), () -> alive(run),
                run.step);
    }

    private void alive(CreateRun run) {
        VmStatus vm = run.provider().inspect(run.name());
        if (vm.state() != VmState.RUNNING) {
            throw new VmboxException(ExitCode.FAILED, "the VM is " + vm.state().name().toLowerCase()
                    + " while waiting for " + run.request.runtimeKind().cliName() + (vm.messages().isEmpty() ? ""
                    : ": " + String.join("; ", vm.messages())), "look at its console log; vmbox logs " + run.name());
        }
        TunnelStatus tunnel = tunnels.status(run.files.tunnelDir());
        if (!tunnel.running()) {
            throw new VmboxException(ExitCode.FAILED, "the tunnel stopped while waiting for "
                    + run.request.runtimeKind().cliName() + ": " + tunnel.describe(),
                    "see " + run.files.tunnel().log());
        }
    }
}
