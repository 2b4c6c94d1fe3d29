package dev.vmbox.app.instance;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.app.tunnel.ApiHealth;
import dev.vmbox.app.tunnel.ApiTunnel;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.NotVmboxException;
import dev.vmbox.provider.Ownership;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.provider.StopMode;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.ApiKeys;
import dev.vmbox.ssh.SshSession;
import dev.vmbox.store.InstanceLock;
import dev.vmbox.store.InstanceRecord;
import dev.vmbox.wait.Deadline;
import dev.vmbox.wait.NotReady;
import dev.vmbox.wait.Poll;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code vmbox start}, {@code stop} and {@code delete}: an existing instance's VM, tunnel and files, under its lock. */
public final class InstanceLifecycle {
    private final InstanceLookup instances;
    private final GuestAccess guests;
    private final InstanceTunnel tunnel;
    private final ApiTunnel apiTunnel;
    private final ApiHealth health;
    private final GuestProof proof;
    private final EventLog log;

    public InstanceLifecycle(InstanceLookup instances, GuestAccess guests, ApiTunnel apiTunnel, ApiHealth health,
                             EventLog log) {
        this.instances = instances;
        this.guests = guests;
        this.apiTunnel = apiTunnel;
        this.tunnel = new InstanceTunnel(instances, apiTunnel);
        this.health = health;
        this.proof = new GuestProof(guests);
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
            boolean booted = st.state() != VmState.RUNNING;
            if (booted) {
                // libvirt and Lima refuse a VM that is not vmbox's themselves; Multipass's is proven once it answers
                p.start(name, deadline.remaining("start"));
            }
            step.done(booted ? "started" : "already running");
            Progress.Step sshStep = progress.begin("ssh");
            try (SshSession s = guests.waitForSsh(() -> p.sshEndpoint(name).map(instance::target).orElse(null),
                    () -> p.sshdStarted(name), deadline.remaining("start"), () -> p.inspect(name), sshStep)) {
                if (!p.keepsVmboxMark()) {
                    requireProven(proof.proveIn(s, instance, vmName(p, name)), p, name, booted, "start");
                }
                sshStep.done(s.target().display());
            } catch (VmboxException e) {
                if (!p.keepsVmboxMark() && e.exitCode() == ExitCode.SECURITY) {
                    // the guest does not hold the host key vmbox pinned for this instance: not the one vmbox made
                    requireProven(new Ownership(Ownership.Kind.FOREIGN, vmName(p, name), e.getMessage()), p, name, booted,
                            "start");
                }
                throw e;
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
            Provider p = instance.provider();
            if (!p.keepsVmboxMark()) {
                // Multipass: a running guest proves it is vmbox's first; a stopped one has nothing to stop
                p.sshEndpoint(name).ifPresent(ep -> requireProven(proof.prove(instance, ep, vmName(p, name)), p, name,
                        false, "stop"));
            }
            apiTunnel.stop(instance.files().tunnelDir());
            p.stop(name, force ? StopMode.FORCE : StopMode.GRACEFUL, timeout);
        }
    }

    /**
     * Removes everything of the instance: tunnel, VM and disks (provider), keys, seed, logs and record. An unreadable
     * record needs {@code force}: then every provider is asked about a VM of that name. A VM is deleted only when vmbox
     * can show it made it ({@link Provider#ownership}; on Multipass the guest proves it, booted for that if it is
     * stopped): a VM that is someone else's is left alone and vmbox's own files are removed, so no record points at
     * it; a VM that cannot be shown either way is left alone with the record, and the command fails (IN_USE).
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
        List<NotVmboxException> leftAlone = new ArrayList<>();
        try (InstanceLock ignored = instances.lock(name)) {
            if (apiTunnel.stop(f.tunnelDir())) {
                removed.add("tunnel");
            }
            Instance instance = readable(name);
            for (Provider p : holders(name, force)) {
                try {
                    Ownership o = ownership(p, instance, name, timeout);
                    if (o.kind() == Ownership.Kind.VMBOX) {
                        p.delete(name, timeout);
                        removed.add(p.id() + " VM and its disks");
                    } else if (o.kind() == Ownership.Kind.ABSENT && instance != null) {
                        // no VM, yet the record's provider may hold its disks: a create killed after it made them
                        // and before it defined the VM (libvirt's volumes and disk folder)
                        p.delete(name, timeout);
                    } else if (o.kind() == Ownership.Kind.FOREIGN) {
                        leftAlone.add(o.notVmbox(p.id(), "delete"));
                    } else if (o.kind() == Ownership.Kind.UNPROVEN) {
                        // it may well be vmbox's: keep the record (and the keys that can prove it later)
                        throw o.notVmbox(p.id(), "delete");
                    }
                } catch (NotVmboxException e) {
                    if (e.ownership().kind() != Ownership.Kind.FOREIGN) {
                        throw e;
                    }
                    leftAlone.add(e);
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
        if (!leftAlone.isEmpty()) {
            NotVmboxException first = leftAlone.get(0);
            throw new NotVmboxException(first.ownership(), first.getMessage() + "; vmbox removed its own files of '" + name
                    + "' (" + String.join(", ", removed) + ") and left that VM alone", first.hint());
        }
        return removed;
    }

    /**
     * Whether {@code p}'s VM of {@code name} is vmbox's. Where the provider keeps no mark (Multipass) the guest proves
     * it with vmbox's record (its key, the pinned host key, /etc/vmbox/guest.json); a stopped guest is booted for that
     * and stopped again when it is not vmbox's. Without a readable record it cannot be proven.
     */
    private Ownership ownership(Provider p, Instance instance, String name, Duration timeout) {
        Ownership o = p.ownership(name);
        if (o.kind() != Ownership.Kind.UNPROVEN) {
            return o;
        }
        if (instance == null) {
            return new Ownership(Ownership.Kind.UNPROVEN, o.vm(), o.evidence() + ", and vmbox has no record of '" + name
                    + "' to prove it with");
        }
        Optional<SshEndpoint> ep = p.sshEndpoint(name);
        if (ep.isPresent()) {
            return proof.prove(instance, ep.get(), o.vm());
        }
        p.start(name, timeout);
        Ownership proven;
        try {
            SshEndpoint booted = Poll.until(o.vm() + "'s address", () -> p.sshEndpoint(name)
                    .orElseThrow(() -> new NotReady("no address yet"))).every(Duration.ofSeconds(2)).await(timeout);
            proven = proof.prove(instance, booted, o.vm());
        } catch (VmboxException e) {
            if (e.exitCode() == ExitCode.INTERRUPTED) {
                throw e;
            }
            proven = new Ownership(Ownership.Kind.UNPROVEN, o.vm(), "started to prove it, it got no address: "
                    + e.getMessage());
        }
        if (proven.kind() != Ownership.Kind.VMBOX) {
            stopAgain(p, name);
        }
        return proven;
    }

    /** A readable record of {@code name}, or null (a forced delete of a record vmbox cannot read). */
    private Instance readable(String name) {
        try {
            return instances.get(name);
        } catch (VmboxException e) {
            return null;
        }
    }

    /** Refuses (IN_USE) unless {@code o} shows the VM is vmbox's; a VM booted for the proof is stopped again. */
    private void requireProven(Ownership o, Provider p, String name, boolean booted, String action) {
        if (o.kind() == Ownership.Kind.VMBOX) {
            return;
        }
        if (booted) {
            stopAgain(p, name);
        }
        throw o.notVmbox(p.id(), action);
    }

    private void stopAgain(Provider p, String name) {
        try {
            p.stop(name, StopMode.FORCE, Duration.ofMinutes(2));
        } catch (VmboxException e) {
            log.warn("could not stop again the " + p.id() + " VM of '" + name + "' that vmbox started to check it: "
                    + e.getMessage());
        }
    }

    /** The provider's name of the VM, for messages. */
    private static String vmName(Provider p, String name) {
        return p.ownership(name).vm();
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

    /**
     * No record left (e.g. a rollback that could not finish): still remove a VM of that name that its provider shows is
     * vmbox's. Without a record nothing can prove a Multipass VM is vmbox's, and a VM someone else made is never
     * touched: when such VMs are all there is, the command fails naming them (IN_USE).
     */
    private List<String> deleteFromEveryProvider(String name, Duration timeout) {
        List<String> removed = new ArrayList<>();
        List<NotVmboxException> refused = new ArrayList<>();
        for (Provider p : instances.providers().all()) {
            try {
                Ownership o = p.ownership(name);
                if (o.kind() == Ownership.Kind.VMBOX) {
                    p.delete(name, timeout);
                    removed.add(p.id() + " VM and its disks");
                } else if (o.kind() != Ownership.Kind.ABSENT) {
                    refused.add(ownership(p, null, name, timeout).notVmbox(p.id(), "delete"));
                }
            } catch (NotVmboxException e) {
                refused.add(e);
            } catch (VmboxException e) {
                warnUnlessMissing(p, name, e);
            }
        }
        if (removed.isEmpty() && !refused.isEmpty()) {
            NotVmboxException first = refused.get(0);
            throw new NotVmboxException(first.ownership(), "vmbox has no record of '" + name + "', and " + String.join("; ",
                    refused.stream().map(VmboxException::getMessage).toList()), first.hint());
        }
        refused.forEach(e -> log.warn(e.getMessage()));
        return removed;
    }

    private void warnUnlessMissing(Provider p, String name, VmboxException e) {
        if (e.exitCode() != ExitCode.UNAVAILABLE) { // not installed here: nothing of it to remove
            log.warn("could not ask " + p.id() + " about '" + name + "': " + e.getMessage());
        }
    }
}
