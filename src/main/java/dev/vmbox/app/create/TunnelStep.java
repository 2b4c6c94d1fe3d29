package dev.vmbox.app.create;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.instance.GuestAccess;
import dev.vmbox.app.instance.Instances;
import dev.vmbox.app.tunnel.TunnelControl;
import dev.vmbox.app.tunnel.TunnelSettings;
import dev.vmbox.app.tunnel.TunnelStatus;
import dev.vmbox.ssh.SshTarget;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Starts the background agent holding host API address -> guest 127.0.0.1:RUNTIME_PORT; the undo stops it. */
final class TunnelStep implements CreateStep {
    private final InstanceStore store;
    private final TunnelControl tunnels;
    private final List<String> agentCommandPrefix;
    private boolean started;

    TunnelStep(InstanceStore store, TunnelControl tunnels, List<String> agentCommandPrefix) {
        this.store = store;
        this.tunnels = tunnels;
        this.agentCommandPrefix = List.copyOf(agentCommandPrefix);
    }

    @Override
    public String name() {
        return "tunnel";
    }

    @Override
    public String run(CreateRun run) {
        InstanceRecord ready = store.read(run.name());
        SshTarget target = GuestAccess.target(ready, run.files, run.provider().sshEndpoint(run.name())
                .orElseThrow(() -> new VmboxException(ExitCode.FAILED, "the VM has no SSH endpoint", "see vmbox status "
                        + run.name())));
        Path dir = run.files.tunnelDir();
        TunnelSettings ts = settings(run.request, target);
        started = true; // from here an agent may run: the undo stops it
        TunnelStatus tunnel = tunnels.start(dir, ts, agentCommand(dir), run.left(Duration.ofSeconds(60)));
        if (!tunnel.up()) {
            throw new VmboxException(ExitCode.FAILED, "the tunnel did not come up: " + tunnel.describe(),
                    "see " + dir.resolve("tunnel.log"));
        }
        ts.exposureWarning().ifPresent(run.progress::note);
        return ts.endpoint() + " -> guest 127.0.0.1:" + run.request.runtime().port();
    }

    @Override
    public boolean madeSomething() {
        return started;
    }

    @Override
    public String undoes() {
        return "tunnel";
    }

    @Override
    public void undo(CreateRun run) {
        tunnels.stop(run.files.tunnelDir(), Duration.ofSeconds(10));
    }

    // The two calls into the tunnel's own knowledge, kept here and small (app.tunnel will own them).

    private static TunnelSettings settings(CreateRequest req, SshTarget target) {
        return Instances.tunnelSettings(req.name(), target, req.api().literal(), req.api().port(), req.runtime().port());
    }

    private List<String> agentCommand(Path dir) {
        return CreateFlow.agentCommand(agentCommandPrefix, dir);
    }
}
