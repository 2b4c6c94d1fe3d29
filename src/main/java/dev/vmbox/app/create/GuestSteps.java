package dev.vmbox.app.create;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.instance.GuestAccess;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.app.tunnel.TunnelStatus;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.security.ApiKeys;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import java.time.Duration;

/**
 * The steps in the running guest, that make nothing to undo (removing the VM undoes them): ssh, cloud-init,
 * install, seal and health. The SSH session opened by the ssh step serves until the seal.
 */
final class GuestSteps {
    private final InstanceStore store;
    private final GuestAccess guests;
    private final HealthCheck health;
    private final ApiTunnel tunnels;
    /** The model list of a runtime image's runtime, asked through the tunnel after its health. */
    private final HttpHealthCheck modelList = new HttpHealthCheck();

    GuestSteps(InstanceStore store, GuestAccess guests, HealthCheck health, ApiTunnel tunnels) {
        this.store = store;
        this.guests = guests;
        this.health = health;
        this.tunnels = tunnels;
    }

    CreateStep ssh() {
        return CreateStep.of("ssh", this::ssh);
    }

    CreateStep cloudInit() {
        return CreateStep.of("cloud-init", run -> {
            guests.waitForCloudInit(run.session, run.left(), run.step);
            return null;
        });
    }

    /**
     * The runtime and the model into the guest ({@link GuestInstaller}), and the runtime started, unless the fetch window
     * is open: then the seal step starts it once egress is closed.
     */
    CreateStep install() {
        return CreateStep.of("install", run -> {
            if (run.request.baked()) {
                // the key the tunnel's endpoint will ask every client for (made here when the tunnel step has not yet)
                ApiKeys.ensure(run.files.apiKey());
                return new ImageModelInstaller(run.session, run.step, run.deadline).install(run.request, run.payload,
                        run.files.apiKey(), run.request.spec().egress() != EgressPolicy.FETCH_WINDOW);
            }
            new GuestInstaller(run.session, run.step, run.deadline).install(run.request, run.payload);
            String where = run.payload.modelName() + " in " + run.request.runtimeKind().installDirectory();
            if (run.request.spec().egress() == EgressPolicy.FETCH_WINDOW) {
                return where + " (not started while the fetch window is open)";
            }
            run.step.detail("starting " + run.request.runtimeKind().cliName());
            GuestInstaller.start(run.session, run.request.runtimeKind(), run.name(), run.deadline, "install");
            return where;
        });
    }

    /**
     * Egress sealed (or proven sealed) by {@link EgressSeal}, and under the fetch window the runtime started in the
     * sealed guest; the install's SSH session ends here.
     */
    CreateStep seal() {
        return CreateStep.of("seal", run -> {
            SshSession session = run.session;
            run.session = null;
            return new EgressSeal(guests).seal(session, run.provider(), run.request.spec().egress(), store.read(run.name()),
                    run.files, run.deadline, run.step,
                    sealed -> {
                        if (run.request.baked()) {
                            ImageModelInstaller.start(sealed, run.deadline);
                        } else {
                            GuestInstaller.start(sealed, run.request.runtimeKind(), run.name(), run.deadline, "seal");
                        }
                    });
        });
    }

    /** The runtime's own health endpoint through the tunnel; the wait ends at once when the VM or the tunnel died. */
    CreateStep health() {
        return CreateStep.of("health", run -> {
            run.endpoint = run.request.api().url();
            if (run.request.baked()) {
                return imageRuntimeHealth(run);
            }
            return health.await(run.request.runtimeKind(), run.endpoint, ApiKeys.read(run.files.apiKey()),
                    run.left(Duration.ofMinutes(3)), () -> alive(run), run.step);
        });
    }

    /**
     * The runtime of a runtime image: its health endpoint, then its model list naming the model (the alias the sizing
     * drop-in gave it), through the tunnel; meanwhile its unit is watched over SSH, so a runtime that exits (a model
     * it refuses) ends the wait at once with its own error lines, which a timeout gets too.
     */
    private String imageRuntimeHealth(CreateRun run) {
        try (RuntimeUnitWatch unit = unitWatch(run)) {
            dev.vmbox.wait.Poll.Liveness alive = () -> {
                alive(run);
                unit.requireUp();
            };
            try {
                String key = ApiKeys.read(run.files.apiKey());
                String healthy = health.await(run.request.runtimeKind(), run.endpoint, key, run.left(Duration.ofMinutes(3)),
                        alive, run.step);
                String models = modelList.awaitModel(run.endpoint, run.modelName, key, run.left(Duration.ofMinutes(1)),
                        alive, run.step);
                return healthy + "; /v1/models: " + models;
            } catch (VmboxException e) {
                throw e.exitCode() == ExitCode.TIMEOUT ? unit.explain(e) : e;
            }
        }
    }

    /** A watch of the runtime image's runtime unit, over its own SSH session (opened at its first check). */
    private RuntimeUnitWatch unitWatch(CreateRun run) {
        Provider provider = run.provider();
        InstanceRecord rec = store.read(run.name());
        String runtime = run.request.runtimeKind().cliName();
        return new RuntimeUnitWatch(() -> guests.connect(provider.sshEndpoint(run.name())
                .map(ep -> GuestAccess.target(rec, run.files, ep)).orElseThrow(() -> new VmboxException(ExitCode.FAILED,
                        "the VM has no SSH endpoint while waiting for " + runtime, "look at its console log; vmbox logs "
                        + run.name()))), runtime);
    }

    /**
     * Whether the runtime of a runtime image has exited (its unit failed, or systemd restarted it): the tunnel then finds
     * nothing to answer, and the health step reports why in the runtime's words. Runtimes installed at create: false.
     */
    boolean runtimeExited(CreateRun run) {
        if (!run.request.baked()) {
            return false;
        }
        try (RuntimeUnitWatch unit = unitWatch(run)) {
            unit.requireUp();
            return false;
        } catch (VmboxException e) {
            return true;
        }
    }

    /** Waits for the guest's sshd with the pinned host key (a different key is refused); the session stays open. */
    private String ssh(CreateRun run) throws java.io.IOException {
        Provider provider = run.provider();
        String name = run.name();
        InstanceRecord rec = store.read(name);
        run.session = guests.waitForSsh(() -> provider.sshEndpoint(name).map(ep -> GuestAccess.target(rec, run.files, ep))
                .orElse(null), () -> provider.sshdStarted(name), run.left(), () -> provider.inspect(name), run.step);
        run.session.target().hostKey().writeKnownHosts(run.files.knownHosts());
        return run.session.target().display() + ", host key matches the pinned key";
    }

    private void alive(CreateRun run) {
        VmStatus vm = run.provider().inspect(run.name());
        String runtime = run.request.runtimeKind().cliName();
        if (vm.state() != VmState.RUNNING) {
            throw new VmboxException(ExitCode.FAILED, "the VM is " + vm.state().name().toLowerCase() + " while waiting for "
                    + runtime + (vm.messages().isEmpty() ? "" : ": " + String.join("; ", vm.messages())),
                    "look at its console log; vmbox logs " + run.name());
        }
        TunnelStatus tunnel = tunnels.status(run.files.tunnelDir());
        if (!tunnel.running()) {
            throw new VmboxException(ExitCode.FAILED, "the tunnel stopped while waiting for " + runtime + ": "
                    + tunnel.describe(), "see " + run.files.tunnel().log());
        }
    }
}
