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
import java.util.function.Predicate;

/**
 * Starts the background agent holding host API address -> guest 127.0.0.1:RUNTIME_PORT; the undo stops it. The agent
 * calls the tunnel up only once the runtime answered through it, so a runtime that has exited (a model it refuses)
 * keeps the tunnel from coming up: that is the health step's to report, with the runtime's own words.
 */
final class TunnelStep extends UndoableStep {
    private final InstanceStore store;
    private final ApiTunnel tunnel;
    private final Predicate<CreateRun> runtimeExited;

    TunnelStep(InstanceStore store, ApiTunnel tunnel, Predicate<CreateRun> runtimeExited) {
        super("tunnel", "tunnel");
        this.store = store;
        this.tunnel = tunnel;
        this.runtimeExited = runtimeExited;
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
        TunnelStatus status;
        try {
            status = tunnel.start(dir, ts, run.left(ApiTunnel.READY_WAIT));
        } catch (VmboxException e) {
            if (e.exitCode() == ExitCode.FAILED && runtimeExited.test(run)) {
                return ts.endpoint() + " held by the agent; the runtime in the guest has exited (the health step says why)";
            }
            throw e;
        }
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
