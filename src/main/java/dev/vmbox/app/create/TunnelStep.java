package dev.vmbox.app.create;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.instance.GuestAccess;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelSettings;
import dev.vmbox.app.tunnel.TunnelStatus;
import dev.vmbox.ssh.SshTarget;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import java.nio.file.Path;

/** Starts the background agent holding host API address -> guest 127.0.0.1:RUNTIME_PORT; the undo stops it. */
final class TunnelStep extends UndoableStep {
    private final InstanceStore store;
    private final ApiTunnel tunnel;

    TunnelStep(InstanceStore store, ApiTunnel tunnel) {
        super("tunnel", "tunnel");
        this.store = store;
        this.tunnel = tunnel;
    }

    @Override
    public String run(CreateRun run) {
        InstanceRecord ready = store.read(run.name());
        SshTarget target = GuestAccess.target(ready, run.files, run.provider().sshEndpoint(run.name())
                .orElseThrow(() -> new VmboxException(ExitCode.FAILED, "the VM has no SSH endpoint", "see vmbox status "
                        + run.name())));
        Path dir = run.files.tunnelDir();
        CreateRequest req = run.request;
        TunnelSettings ts = ApiTunnel.settings(req.name(), target, req.api().literal(), req.api().port(), req.runtime().port(),
                req.runtimeKind());
        made(); // from here an agent may run: the undo stops it
        TunnelStatus status = tunnel.start(dir, ts, run.left(ApiTunnel.READY_WAIT));
        if (!status.up()) {
            throw new VmboxException(ExitCode.FAILED, "the tunnel did not come up: " + status.describe(),
                    "see " + run.files.tunnel().log());
        }
        ts.exposureWarning().ifPresent(run.progress::note);
        return ts.endpoint() + " -> guest 127.0.0.1:" + req.runtime().port();
    }

    @Override
    public void undo(CreateRun run) {
        tunnel.stop(run.files.tunnelDir());
    }
}
