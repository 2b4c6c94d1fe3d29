package dev.vmbox.app.instance;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.app.tunnel.ApiHealth;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.StopMode;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.ApiKeys;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.store.InstanceLock;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.wait.Deadline;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code vmbox start}, {@code stop} and {@code delete}: an existing instance's VM, tunnel and files, under its lock. */
public final class InstanceLifecycle {
    private final InstanceLookup instances;
    private final GuestAccess guests;
    private final InstanceTunnel tunnel;
    private final ApiTunnel apiTunnel;
    private final ApiHealth health;
    private final EventLog log;

    public InstanceLifecycle(InstanceLookup instances, GuestAccess guests, ApiTunnel apiTunnel, ApiHealth health,
                             EventLog log) {
        this.instances = instances;
        this.guests = guests;
        this.apiTunnel = apiTunnel;
        this.tunnel = new InstanceTunnel(instances, apiTunnel);
        this.health = health;
        this.log = log;
    }

    /** Starts the VM, waits for SSH with the pinned key, brings the tunnel back and waits for the API. */
    public String start(String name, Duration timeout, Progress progress) {
        progress.plan(List.of("start", "ssh", "tunnel", "health"));
        Deadline deadline = Deadline.in(timeout);
        try (InstanceLock ignored = instances.lock(name)) {
            Instance instance = instances.ready(name);
            Provider p = instance.provider();
            Progress.Step step = progress.begin("start");
            VmStatus st = p.inspect(name);
            if (st.state() == VmState.NOT_CREATED) {
                step.fail("gone");
                throw VmboxException.notFound("the " + instance.record().provider() + " VM of '" + name
                        + "' no longer exists", "remove the record with: vmbox delete " + name);
            }
            if (st.state() != VmState.RUNNING) {
                p.start(name, deadline.remaining("start"));
            }
            step.done(st.state() == VmState.RUNNING ? "already running" : "started");
            Progress.Step sshStep = progress.begin("ssh");
            try (SshSession s = guests.waitForSsh(() -> p.sshEndpoint(name).map(instance::target).orElse(null),
                    deadline.remaining("start"), () -> p.inspect(name), sshStep)) {
                sshStep.done(s.target().display());
            }
            step = progress.begin("tunnel");
            String endpoint = tunnel.start(instance);
            step.done(endpoint);
            step = progress.begin("health");
            if (endpoint.startsWith("/")) {
                step.done("answers on the socket (asked by the tunnel agent)");
                return endpoint;
            }
            String key = apiTunnel.control().wish(instance.files().tunnelDir()).keyOff() ? null
                    : ApiKeys.read(instance.files().apiKey());
            step.done(health.await(RuntimeKind.parse(instance.settings().string(InstanceSettings.RUNTIME)), endpoint, key,
                    deadline.remaining("start", Duration.ofMinutes(3)), step));
            return endpoint;
        }
    }

    /** Stops the tunnel, then the VM (graceful, or forced). */
    public void stop(String name, boolean force, Duration timeout) {
        try (InstanceLock ignored = instances.lock(name)) {
            Instance instance = instances.get(name);
            apiTunnel.stop(instance.files().tunnelDir());
            instance.provider().stop(name, force ? StopMode.FORCE : StopMode.GRACEFUL, timeout);
        }
    }

    /**
     * Removes everything of the instance: tunnel, VM and disks (provider), keys, seed, logs and record.
     * An unreadable record needs {@code force}: then every provider is asked to remove a VM of that name.
     */
    public List<String> delete(String name, boolean force, Duration timeout) {
        InstanceFiles f = instances.files(name);
        if (!Files.isDirectory(f.dir())) {
            List<String> removed = force ? deleteFromEveryProvider(name, timeout) : List.of();
            if (!removed.isEmpty()) {
                return removed;
            }
            throw VmboxException.notFound("no instance named '" + name + "'", "see the instances with: vmbox list");
        }
        List<String> removed = new ArrayList<>();
        try (InstanceLock ignored = instances.lock(name)) {
            if (apiTunnel.stop(f.tunnelDir())) {
                removed.add("tunnel");
            }
            for (Provider p : holders(name, force)) {
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
                    warnUnlessMissing(p, name, e);
                }
            }
            // removed while the lock is held: a command waiting for it finds nothing, not a half-deleted folder
            instances.store().deleteFolder(name);
        }
        removed.add("keys, seed, logs and record");
        return removed;
    }

    /** The providers that may hold the VM: the record's, or (forced, record unreadable) every one. */
    private List<Provider> holders(String name, boolean force) {
        InstanceRecord r = null;
        try {
            r = instances.store().find(name).orElse(null);
        } catch (VmboxException e) {
            if (!force) {
                throw new VmboxException(e.exitCode(), e.getMessage(), "to remove it anyway (every provider is asked "
                        + "to delete a VM named '" + name + "'): vmbox delete " + name + " --force", e);
            }
        }
        try {
            return r != null ? List.of(instances.of(r).provider()) : instances.providers().all();
        } catch (VmboxException e) {
            if (!force) {
                throw e;
            }
            return instances.providers().all();
        }
    }

    /** No record left (e.g. a rollback that could not finish): still remove a vmbox VM of that name. */
    private List<String> deleteFromEveryProvider(String name, Duration timeout) {
        List<String> removed = new ArrayList<>();
        for (Provider p : instances.providers().all()) {
            try {
                if (p.inspect(name).exists()) {
                    p.delete(name, timeout);
                    removed.add(p.id() + " VM and its disks");
                }
            } catch (VmboxException e) {
                warnUnlessMissing(p, name, e);
            }
        }
        return removed;
    }

    private void warnUnlessMissing(Provider p, String name, VmboxException e) {
        if (e.exitCode() != ExitCode.UNAVAILABLE) { // not installed here: nothing of it to remove
            log.warn("could not ask " + p.id() + " about '" + name + "': " + e.getMessage());
        }
    }
}
