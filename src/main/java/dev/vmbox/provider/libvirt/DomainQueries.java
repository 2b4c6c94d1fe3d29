package dev.vmbox.provider.libvirt;

import dev.vmbox.VmboxException;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.Ownership;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.wait.Deadline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * What {@link LibvirtProvider} reads about its domains without changing them: whose a domain is, its state (with
 * the disks that belong to it), all of them in one query, and its definition.
 */
record DomainQueries(CommandRunner runner, LibvirtCli cli, LibvirtConfig config, EventLog log) {

    /**
     * From the domain's definition ({@code dumpxml --inactive}, one query): vmbox's when its metadata names this
     * instance ({@link DomainXml#instanceName}); a domain of that name without it is someone else's.
     */
    Ownership ownership(String name) {
        String domain = LibvirtNames.domain(name);
        String xml;
        try {
            xml = runner.run(cli.dumpxml(domain, true)).stdout();
        } catch (CommandFailedException e) {
            if (LibvirtOutput.classify(e.result().stderr()) == LibvirtOutput.Failure.NOT_FOUND) {
                return new Ownership(Ownership.Kind.ABSENT, domain, "libvirt at " + config.uri() + " has no such domain");
            }
            throw LibvirtErrors.translate(e, "read the definition of " + name, config.uri());
        }
        Optional<String> instance = DomainXml.instanceName(xml);
        if (instance.filter(name::equals).isPresent()) {
            return new Ownership(Ownership.Kind.VMBOX, domain, "vmbox's metadata in the domain names '" + name + "'");
        }
        return new Ownership(Ownership.Kind.FOREIGN, domain, instance.map(i -> "its vmbox metadata names '" + i + "'")
                .orElse("the domain has no vmbox metadata"));
    }

    /** The domain exists (else NOT_FOUND) and is vmbox's (else IN_USE, untouched). */
    void requireVmbox(String name, String action) {
        Ownership owner = ownership(name);
        if (owner.kind() == Ownership.Kind.ABSENT) {
            throw VmboxException.notFound("no instance '" + name + "' in libvirt at " + config.uri(), "see them with: vmbox list");
        }
        owner.requireVmbox(LibvirtProbe.ID, action);
    }

    String dumpxml(String name, boolean inactive) {
        try {
            return runner.run(cli.dumpxml(LibvirtNames.domain(name), inactive)).stdout();
        } catch (CommandFailedException e) {
            throw LibvirtErrors.translate(e, "read the definition of " + name, config.uri());
        }
    }

    /** The volumes of vmbox's pool on a remote host. */
    PoolVolumes volumes() {
        return new PoolVolumes(cli, config.uri(), log);
    }

    VmStatus inspect(String name) {
        String domain = LibvirtNames.domain(name);
        CommandResult r;
        try {
            r = runner.run(cli.domstate(domain));
        } catch (CommandFailedException e) {
            if (LibvirtOutput.classify(e.result().stderr()) == LibvirtOutput.Failure.NOT_FOUND) {
                return withoutDomain(name, () -> volumes().anyOf(LibvirtExec.within(runner,
                        Deadline.in(LibvirtCli.QUERY.multipliedBy(3)), "look up the volumes of " + name), name));
            }
            throw LibvirtErrors.translate(e, "read the state of " + name, config.uri());
        }
        return withDomain(name, r.stdout());
    }

    /**
     * One query of the connection for all of them ({@code virsh list --all}; on a remote host with the pool's volumes
     * in the same virsh command string), however many there are: each answer is what {@link #inspect} says of it.
     */
    Map<String, VmStatus> inspectAll(Collection<String> names) {
        Listing listing = listing();
        Map<String, VmStatus> out = new LinkedHashMap<>();
        for (String name : names) {
            out.put(name, listing.status(name));
        }
        return out;
    }

    /** vmbox's domains ({@code vmbox-NAME}; no other domain of the host), in one query. */
    List<VmStatus> list() {
        Listing listing = listing();
        List<VmStatus> all = new ArrayList<>();
        for (String domain : listing.domains().keySet()) {
            if (LibvirtNames.isVmboxDomain(domain)) {
                all.add(listing.status(LibvirtNames.instance(domain)));
            }
        }
        return all;
    }

    /**
     * What one query of the connection says: each domain's state as virsh words it, and on a remote host the names of
     * the volumes in vmbox's pool (null when they could not be read: then a name without a domain is looked up alone).
     */
    private record Listing(DomainQueries queries, Map<String, String> domains, Set<String> volumes) {
        VmStatus status(String name) {
            String state = domains.get(LibvirtNames.domain(name));
            if (state != null) {
                return queries.withDomain(name, state);
            }
            return queries.withoutDomain(name, () -> volumes != null
                    ? PoolVolumes.ofInstance(name).stream().anyMatch(volumes::contains)
                    : queries.volumes().anyOf(LibvirtExec.within(queries.runner, Deadline.in(LibvirtCli.QUERY.multipliedBy(3)),
                            "look up the volumes of " + name), name));
        }
    }

    private Listing listing() {
        if (config.local()) {
            try {
                return new Listing(this, LibvirtOutput.domainStates(runner.run(cli.listAll()).stdout()), Set.of());
            } catch (CommandFailedException e) {
                throw LibvirtErrors.translate(e, "list VMs", config.uri());
            }
        }
        CommandResult r;
        try {
            r = runner.run(cli.volumesAndDomains(PoolVolumes.POOL));
        } catch (CommandFailedException e) {
            throw LibvirtErrors.translate(e, "list VMs", config.uri());
        }
        String[] parts = r.stdout().split("(?m)^\\s*" + LibvirtOutput.DOMAINS_FOLLOW + "\\s*$", 2);
        if (parts.length != 2) {
            throw VmboxException.failed("virsh at " + config.uri() + " did not run the listing it was given",
                    "check that 'virsh -c " + config.uri() + " list --all' works", null);
        }
        // list succeeded, so virsh's errors ("error: ...") on stderr are vol-list's (other lines are ssh's notes): no pool
        // means no volumes; another error leaves them unknown
        String err = r.stderr() == null ? "" : r.stderr();
        boolean failed = err.lines().anyMatch(l -> l.startsWith("error:"));
        Set<String> volumes = !failed ? LibvirtOutput.volumeNames(parts[0])
                : LibvirtOutput.classify(err) == LibvirtOutput.Failure.NO_POOL ? Set.of() : null;
        return new Listing(this, LibvirtOutput.domainStates(parts[1]), volumes);
    }

    /** A domain that exists, in the state virsh gave; a local one whose disk is gone is BROKEN. */
    private VmStatus withDomain(String name, String virshState) {
        VmState state = LibvirtOutput.state(virshState);
        List<String> messages = new ArrayList<>();
        if (state == VmState.BROKEN) {
            messages.add("libvirt reports " + LibvirtNames.domain(name) + " as '" + virshState.strip() + "'");
        }
        Path dir = new LocalDisks(config).dir(name);
        if (config.local() && !Files.isRegularFile(dir.resolve(LocalDisks.OVERLAY))) {
            state = VmState.BROKEN;
            messages.add("the disk " + dir.resolve(LocalDisks.OVERLAY) + " is missing");
        }
        return new VmStatus(name, LibvirtProbe.ID, state, messages);
    }

    /** No domain: NOT_CREATED, or BROKEN when its files (here) or volumes (on a remote host) remain. */
    private VmStatus withoutDomain(String name, BooleanSupplier remoteVolumesRemain) {
        String domain = LibvirtNames.domain(name);
        Path dir = new LocalDisks(config).dir(name);
        if (config.local() && Files.exists(dir)) {
            return new VmStatus(name, LibvirtProbe.ID, VmState.BROKEN, List.of("libvirt has no domain " + domain
                    + " but its files remain in " + dir + "; remove them with: vmbox delete " + name));
        }
        if (!config.local() && remoteVolumesRemain.getAsBoolean()) {
            return new VmStatus(name, LibvirtProbe.ID, VmState.BROKEN, List.of("libvirt has no domain " + domain
                    + " but its volumes remain in the pool " + PoolVolumes.POOL + " at " + config.uri()
                    + "; remove them with: vmbox delete " + name));
        }
        return VmStatus.notCreated(name, LibvirtProbe.ID);
    }
}
