package dev.vmbox.app.instance;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.create.CreateFlow;
import dev.vmbox.app.create.HealthCheck;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.app.tunnel.TunnelControl;
import dev.vmbox.app.tunnel.TunnelSettings;
import dev.vmbox.app.tunnel.TunnelStatus;
import dev.vmbox.app.verify.Promise;
import dev.vmbox.app.verify.Verifier;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.log.EventLog;
import dev.vmbox.wait.Deadline;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.provider.StopMode;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.ssh.SshTarget;
import dev.vmbox.store.InstanceLock;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.store.InstanceStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The lifecycle of existing instances: list, status, start, stop, delete, logs, verify, and SSH access.
 * State always comes from the provider; the record holds only intent and identifiers.
 */
public final class Instances {
    private static final Duration LOCK_WAIT = InstanceStore.DEFAULT_LOCK_WAIT;

    private final InstanceStore store;
    private final ProviderResolver providers;
    private final GuestAccess guests;
    private final TunnelControl tunnels;
    private final HealthCheck health;
    private final List<String> agentPrefix;
    private final EventLog log;
    private final java.nio.file.Path hostRoot;

    public Instances(InstanceStore store, ProviderResolver providers, GuestAccess guests, TunnelControl tunnels,
                     HealthCheck health, List<String> agentPrefix, EventLog log, java.nio.file.Path hostRoot) {
        this.hostRoot = hostRoot;
        this.store = store;
        this.providers = providers;
        this.guests = guests;
        this.tunnels = tunnels;
        this.health = health;
        this.agentPrefix = List.copyOf(agentPrefix);
        this.log = log;
    }

    public InstanceStore store() {
        return store;
    }

    private Provider provider(InstanceRecord r) {
        return providers.provider(r.provider(), r.providerRef());
    }

    private InstanceFiles files(String name) {
        return new InstanceFiles(store.dir(name));
    }

    /** Every instance with its live state; a provider that cannot be asked makes that row UNKNOWN, not an error. */
    public List<InstanceView> list() {
        List<InstanceView> out = new ArrayList<>();
        for (InstanceStore.Entry e : store.list()) {
            out.add(e.readable() ? view(e.record(), false) : new InstanceView(e.name(), "BROKEN", null, null, null, null,
                    null, null, null, null, null, e.error()));
        }
        return out;
    }

    public InstanceView status(String name) {
        return view(store.read(name), true);
    }

    private InstanceView view(InstanceRecord r, boolean withTunnel) {
        InstanceSettings s = new InstanceSettings(r);
        String state;
        String detail = r.failure();
        VmStatus vm = null;
        try {
            vm = provider(r).inspect(r.name());
            state = vm.state().name();
            if (vm.state() == VmState.NOT_CREATED && r.phase() == InstanceRecord.Phase.CREATING) {
                state = "CREATING";
                detail = "create has not made the VM yet (or was interrupted before it)";
            } else if (vm.state() == VmState.NOT_CREATED) {
                state = "BROKEN";
                detail = "the " + r.provider() + " VM is gone (removed outside vmbox?); clean up with: vmbox delete " + r.name();
            } else if (!vm.messages().isEmpty()) {
                detail = String.join("; ", vm.messages());
            }
        } catch (VmboxException e) {
            state = "UNKNOWN";
            detail = r.provider() + " could not be asked: " + e.getMessage();
        }
        if (r.phase() == InstanceRecord.Phase.BROKEN) {
            state = "BROKEN";
        } else if (r.phase() == InstanceRecord.Phase.CREATING && vm != null && vm.state() != VmState.NOT_CREATED) {
            detail = detail == null ? "create has not finished (or was interrupted)" : detail;
        }
        String tunnel = null;
        if (withTunnel || vm != null && vm.state() == VmState.RUNNING) {
            TunnelStatus t = tunnels.status(files(r.name()).tunnelDir());
            tunnel = t.up() ? "up" : t.running() ? "connecting" : "down";
        }
        String port = s.stringOr(InstanceSettings.API_PORT, null);
        String api = port == null ? null : "http://" + s.stringOr(InstanceSettings.API_BIND, "127.0.0.1") + ":" + port;
        return new InstanceView(r.name(), state, r.provider(), s.stringOr(InstanceSettings.RUNTIME, null),
                s.stringOr(InstanceSettings.MODEL_NAME, s.stringOr(InstanceSettings.MODEL, null)), api, tunnel,
                s.stringOr(InstanceSettings.EGRESS, null), s.stringOr(InstanceSettings.CPUS, null),
                s.stringOr(InstanceSettings.MEMORY, null), s.stringOr(InstanceSettings.DISK, null), detail);
    }

    private InstanceRecord ready(String name) {
        InstanceRecord r = store.read(name);
        if (r.phase() != InstanceRecord.Phase.READY) {
            throw VmboxException.notFound("instance '" + name + "' is " + r.phase().name().toLowerCase()
                    + (r.failure() == null ? "" : " (" + r.failure() + ")"), "remove it with: vmbox delete " + name);
        }
        return r;
    }

    /** The SSH target of a running instance (its key, its pinned host key). */
    /**
     * The SSH target of a running instance (its key, its pinned host key). BROKEN instances kept with
     * --keep-on-failure are reachable too, to inspect them; the pinned key still applies.
     */
    public SshTarget sshTarget(String name) {
        InstanceRecord r = store.read(name);
        if (r.settings().get(InstanceSettings.HOST_KEY) == null) {
            throw VmboxException.notFound("instance '" + name + "' never got its keys (create failed early)",
                    "remove it with: vmbox delete " + name);
        }
        SshEndpoint ep = provider(r).sshEndpoint(name).orElseThrow(() -> VmboxException.notFound(
                "instance '" + name + "' is not running", "start it with: vmbox start " + name));
        return GuestAccess.target(r, files(name), ep);
    }

    /** The instance's known_hosts for the system ssh client, written afresh from the record's pinned key. */
    public java.nio.file.Path knownHosts(String name) {
        java.nio.file.Path file = files(name).knownHosts();
        try {
            sshTarget(name).hostKey().writeKnownHosts(file);
        } catch (java.io.IOException e) {
            throw VmboxException.failed("cannot write " + file + ": " + e.getMessage(), "check VMBOX_HOME's permissions", e);
        }
        return file;
    }

    /** Starts the VM, waits for SSH with the pinned key, brings the tunnel back and waits for the API. */
    public String start(String name, Duration timeout, Progress progress) {
        progress.plan(List.of("start", "ssh", "tunnel", "health"));
        Deadline deadline = Deadline.in(timeout);
        try (InstanceLock ignored = store.lock(name, LOCK_WAIT)) {
            InstanceRecord r = ready(name);
            Provider p = provider(r);
            Progress.Step step = progress.begin("start");
            VmStatus st = p.inspect(name);
            if (st.state() == VmState.NOT_CREATED) {
                step.fail("gone");
                throw VmboxException.notFound("the " + r.provider() + " VM of '" + name + "' no longer exists",
                        "remove the record with: vmbox delete " + name);
            }
            if (st.state() != VmState.RUNNING) {
                p.start(name, deadline.remaining("start"));
            }
            step.done(st.state() == VmState.RUNNING ? "already running" : "started");
            step = progress.begin("ssh");
            Progress.Step sshStep = step;
            InstanceFiles f = files(name);
            try (SshSession s = guests.waitForSsh(() -> p.sshEndpoint(name).map(ep -> GuestAccess.target(r, f, ep))
                    .orElse(null), deadline.remaining("start"), () -> p.inspect(name), sshStep)) {
                step.done(s.target().display());
            }
            step = progress.begin("tunnel");
            String endpoint = startTunnel(r, p);
            step.done(endpoint);
            step = progress.begin("health");
            InstanceSettings s = new InstanceSettings(r);
            step.done(health.await(RuntimeKind.parse(s.string(InstanceSettings.RUNTIME)), endpoint,
                    deadline.remaining("start", Duration.ofMinutes(3)), step));
            return endpoint;
        }
    }

    /** Starts (or restarts after a VM restart) the tunnel agent of a running instance. */
    public String startTunnel(String name) {
        try (InstanceLock ignored = store.lock(name, LOCK_WAIT)) {
            InstanceRecord r = ready(name);
            return startTunnel(r, provider(r));
        }
    }

    private String startTunnel(InstanceRecord r, Provider p) {
        InstanceFiles f = files(r.name());
        InstanceSettings s = new InstanceSettings(r);
        SshEndpoint ep = p.sshEndpoint(r.name()).orElseThrow(() -> VmboxException.notFound(
                "instance '" + r.name() + "' is not running", "start it with: vmbox start " + r.name()));
        tunnels.stop(f.tunnelDir(), Duration.ofSeconds(10));
        String bind = s.stringOr(InstanceSettings.API_BIND, "127.0.0.1");
        TunnelSettings ts = tunnelSettings(r.name(), GuestAccess.target(r, f, ep), bind, s.integer(InstanceSettings.API_PORT),
                s.integer(InstanceSettings.RUNTIME_PORT));
        TunnelStatus t = tunnels.start(f.tunnelDir(), ts, CreateFlow.agentCommand(agentPrefix, f.tunnelDir()),
                Duration.ofSeconds(60));
        if (!t.up()) {
            throw new VmboxException(ExitCode.FAILED, "the tunnel did not come up: " + t.describe(),
                    "see " + f.tunnelDir().resolve("tunnel.log"));
        }
        return "http://" + (bind.contains(":") ? "[" + bind + "]" : bind) + ":" + s.integer(InstanceSettings.API_PORT);
    }

    /** Changes where the API is published (host port and/or address); takes effect at the next tunnel start. */
    public void moveApi(String name, Integer port, String bind) {
        if (port != null && (port < 1 || port > 65535)) {
            throw VmboxException.badInput("invalid --port " + port, "use a port from 1 to 65535");
        }
        try (InstanceLock ignored = store.lock(name, LOCK_WAIT)) {
            InstanceRecord r = ready(name);
            java.util.Map<String, Object> s = new java.util.LinkedHashMap<>(r.settings());
            if (port != null) {
                s.put(InstanceSettings.API_PORT, Integer.toString(port));
            }
            if (bind != null) {
                if (!bind.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                    throw VmboxException.badInput("--expose needs an IP address of this host, not "
                            + dev.vmbox.spec.Names.forMessage(bind), "e.g. --expose 192.0.2.10");
                }
                s.put(InstanceSettings.API_BIND, bind);
            }
            store.write(r.withSettings(s));
        }
    }

    /**
     * The tunnel for an API published on {@code bind}: loopback addresses as they are, anything else only as
     * an explicit exposure (the settings then carry the warning).
     */
    public static TunnelSettings tunnelSettings(String name, SshTarget target, String bind, int port, int remotePort) {
        TunnelSettings ts = TunnelSettings.loopback(name, target, port, remotePort);
        boolean loopback;
        try {
            loopback = java.net.InetAddress.getByName(bind).isLoopbackAddress() && bind.matches("[0-9.]+|[0-9a-fA-F:]+");
        } catch (java.net.UnknownHostException e) {
            throw VmboxException.badInput("the API address must be an IP address, not " + dev.vmbox.spec.Names.forMessage(bind),
                    "use 127.0.0.1, or an address of this host with --expose");
        }
        return loopback ? new TunnelSettings(name, target, bind, port, null, ts.remoteHost(), remotePort, false, ts.ssh(),
                ts.backoffMin(), ts.backoffMax()) : ts.withExpose(bind);
    }

    public boolean stopTunnel(String name) {
        try (InstanceLock ignored = store.lock(name, LOCK_WAIT)) {
            store.read(name);
            return tunnels.stop(files(name).tunnelDir(), Duration.ofSeconds(10));
        }
    }

    public TunnelStatus tunnelStatus(String name) {
        store.read(name);
        return tunnels.status(files(name).tunnelDir());
    }

    /** Stops the tunnel, then the VM (graceful, or forced). */
    public void stop(String name, boolean force, Duration timeout) {
        try (InstanceLock ignored = store.lock(name, LOCK_WAIT)) {
            InstanceRecord r = store.read(name);
            tunnels.stop(files(name).tunnelDir(), Duration.ofSeconds(10));
            provider(r).stop(name, force ? StopMode.FORCE : StopMode.GRACEFUL, timeout);
        }
    }

    /**
     * Removes everything of the instance: tunnel, VM and disks (provider), keys, seed, logs and record.
     * An unreadable record needs {@code force}: then every provider is asked to remove a VM of that name.
     */
    public List<String> delete(String name, boolean force, Duration timeout) {
        List<String> removed = new ArrayList<>();
        InstanceFiles f = files(name);
        if (!java.nio.file.Files.isDirectory(f.dir())) {
            if (force) {
                // no record left (e.g. a rollback that could not finish): still remove a vmbox VM of that name
                for (Provider p : providers.all()) {
                    try {
                        if (p.inspect(name).exists()) {
                            p.delete(name, timeout);
                            removed.add(p.id() + " VM and its disks");
                        }
                    } catch (VmboxException e) {
                        if (e.exitCode() != ExitCode.UNAVAILABLE) { // not installed here: nothing of it to remove
                            log.warn("could not ask " + p.id() + " about '" + name + "': " + e.getMessage());
                        }
                    }
                }
                if (!removed.isEmpty()) {
                    return removed;
                }
            }
            throw VmboxException.notFound("no instance named '" + name + "'", "see the instances with: vmbox list");
        }
        try (InstanceLock ignored = store.lock(name, LOCK_WAIT)) {
            if (tunnels.stop(f.tunnelDir(), Duration.ofSeconds(10))) {
                removed.add("tunnel");
            }
            InstanceRecord r = null;
            try {
                r = store.find(name).orElse(null);
            } catch (VmboxException e) {
                if (!force) {
                    throw new VmboxException(e.exitCode(), e.getMessage(), "to remove it anyway (every provider is asked "
                            + "to delete a VM named '" + name + "'): vmbox delete " + name + " --force", e);
                }
            }
            List<Provider> targets;
            try {
                targets = r != null ? List.of(provider(r)) : providers.all();
            } catch (VmboxException e) {
                if (!force) {
                    throw e;
                }
                targets = providers.all();
            }
            for (Provider p : targets) {
                try {
                    if (p.inspect(name).exists()) {
                        p.delete(name, timeout);
                        removed.add(p.id() + " VM and its disks");
                    }
                } catch (VmboxException e) {
                    if (!force) {
                        throw new VmboxException(e.exitCode(), "could not delete the " + p.id() + " VM of '" + name + "': "
                                + e.getMessage(), "fix the cause, or remove only vmbox's files with: vmbox delete "
                                + name + " --force", e);
                    }
                    if (e.exitCode() != ExitCode.UNAVAILABLE) {
                        log.warn("could not ask " + p.id() + " about '" + name + "': " + e.getMessage());
                    }
                }
            }
            // removed while the lock is held: a command waiting for it finds nothing, not a half-deleted folder
            store.deleteFolder(name);
        }
        removed.add("keys, seed, logs and record");
        return removed;
    }

    /** The runtime's journal in the guest. */
    public String logs(String name, int lines) {
        try (SshSession s = guests.connect(sshTarget(name))) {
            return s.execChecked("sudo -n journalctl -u vmbox-runtime.service --no-pager -n " + Math.max(1, Math.min(lines,
                    100_000)), Duration.ofSeconds(60)).stdout();
        }
    }

    /** Every promise, guest and host side. */
    public List<Promise> verify(String name) {
        InstanceRecord r = ready(name);
        InstanceSettings s = new InstanceSettings(r);
        List<Promise> out = new ArrayList<>();
        SshTarget target = sshTarget(name);
        try (SshSession session = guests.connect(target)) {
            out.add(new Promise("host-key", "host", Promise.Result.PASS, "the guest presented the pinned host key "
                    + target.hostKey().fingerprint()));
            out.addAll(Verifier.guest(session, s));
        } catch (VmboxException e) {
            if (e.exitCode() == ExitCode.SECURITY) {
                out.add(new Promise("host-key", "host", Promise.Result.FAIL, e.getMessage()));
                return out;
            }
            throw e;
        }
        Provider p = provider(r);
        String egress = s.string(InstanceSettings.EGRESS);
        if (!"open".equals(egress)) {
            java.util.Optional<Boolean> sealed = p.hypervisorEgressSealed(name);
            out.add(sealed.isEmpty()
                    ? new Promise("hypervisor-seal", "host", Promise.Result.INFO, p.id()
                    + " has no hypervisor-level egress seal: only the guest's nftables stop egress")
                    : sealed.get()
                    ? new Promise("hypervisor-seal", "host", Promise.Result.PASS, p.id()
                    + " runs the VM with egress sealed outside the guest (QEMU restrict=on)")
                    : new Promise("hypervisor-seal", "host", Promise.Result.FAIL, p.id()
                    + " runs the VM with an open network at the hypervisor"));
        }
        TunnelStatus t = tunnels.status(files(name).tunnelDir());
        String bind = s.stringOr(InstanceSettings.API_BIND, "127.0.0.1");
        boolean exposed = !bind.startsWith("127.") && !bind.equals("::1");
        Promise tunnel = Verifier.tunnel(t, exposed);
        List<String> wide = Verifier.nonLoopbackListeners(hostRoot.resolve("proc"), s.integer(InstanceSettings.API_PORT));
        if (tunnel.result() == Promise.Result.PASS && !wide.isEmpty() && !exposed) {
            tunnel = new Promise(tunnel.id(), "host", Promise.Result.FAIL, "something listens on the API port beyond "
                    + "loopback: " + String.join(", ", wide));
        }
        out.add(tunnel);
        return out;
    }


}
