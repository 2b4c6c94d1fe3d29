package dev.vmbox.provider.libvirt;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.image.ImageResolver;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.Availability;
import dev.vmbox.provider.Capabilities;
import dev.vmbox.provider.CreatePlan;
import dev.vmbox.provider.HostCapacity;
import dev.vmbox.provider.Ownership;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.provider.StopMode;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.spec.VmSpec;
import dev.vmbox.store.SecureFiles;
import dev.vmbox.wait.Deadline;
import dev.vmbox.wait.NotReady;
import dev.vmbox.wait.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The libvirt provider: drives {@code virsh}, {@code qemu-img} and {@code cloud-localds}. Each instance is a domain
 * {@code vmbox-<name>} with a qcow2 overlay on a cached base image (the base is never written), a NoCloud seed
 * attached as a read-only virtio disk, and QEMU user-mode networking with one loopback port forwarded to guest SSH;
 * sealed instances get {@code restrict=on}. Its disks are files under {@code <storageRoot>/<name>/} on this machine
 * or volumes of a pool on a remote host ({@link Disks}); the create is {@link LibvirtCreate}, the same for both;
 * this class holds the lifecycle. Nothing of an instance remains after {@link #delete}.
 */
public final class LibvirtProvider implements Provider {
    private final CommandRunner runner;
    private final EventLog log;
    private final LibvirtConfig config;
    private final ImageResolver images;
    private final PassthroughPlanner gpus;
    private final LibvirtCli cli;
    private final LibvirtProbe probe;
    private final Disks disks;
    private final VirtTypes types;
    private final Path hostRoot;
    private final DomainQueries domains;
    private final RemoteHost remote;
    private final Map<String, ResolvedImage> prepared = new ConcurrentHashMap<>();

    /**
     * @param runner   runs virsh, qemu-img, cloud-localds
     * @param log      where progress and warnings go
     * @param config   URI, storage folder, domain type
     * @param images   resolves image names to base images
     * @param gpus     plans GPU passthrough on this machine (local URIs); a remote host's GPUs are planned from
     *                 its node devices ({@link NodeDevices})
     * @param hostRoot "/" in production: where /proc/cpuinfo and the QEMU processes' command lines are read from
     */
    public LibvirtProvider(CommandRunner runner, EventLog log, LibvirtConfig config, ImageResolver images,
                           PassthroughPlanner gpus, Path hostRoot) {
        this.runner = runner;
        this.log = log;
        this.config = config;
        this.images = images;
        this.gpus = gpus;
        this.cli = new LibvirtCli(config.uri());
        this.probe = new LibvirtProbe(runner, config.uri());
        this.disks = config.local() ? new LocalDisks(config) : new PoolDisks(config, cli, log);
        this.types = new VirtTypes(config, cli, hostRoot, log);
        this.domains = new DomainQueries(runner, cli, config, log);
        this.remote = new RemoteHost(runner, cli, config, log);
        this.hostRoot = hostRoot;
    }

    @Override
    public String id() {
        return LibvirtProbe.ID;
    }

    @Override
    public Availability probe() {
        return probe.probe();
    }

    public LibvirtConfig config() {
        return config;
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(true, true, true, !config.session(), true);
    }

    @Override
    public boolean bootsRuntimeImages() {
        return true;
    }

    @Override
    public void validate(VmSpec spec) {
        validateWithoutRunning(spec);
        passthrough().plan(spec.gpu());
    }

    /** What can be checked without running anything: the URI's transport, a GPU on session libvirt. */
    private void validateWithoutRunning(VmSpec spec) {
        if (!config.local()) {
            config.jumpHost();
        }
        if (spec.gpu().wanted() && config.session()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "GPU passthrough needs qemu:///system; "
                    + config.uri() + " (session libvirt) cannot assign PCI devices", "use --connect qemu:///system");
        }
    }

    /** Plans GPU passthrough where the VM runs: this machine's sysfs, or the remote host's node devices. */
    private PassthroughPlanner passthrough() {
        return config.local() ? gpus : new GpuPassthroughPlanner(remote.nodeDevices());
    }

    /** Downloads and verifies (or finds) the base image on this machine, before the plan is made. */
    @Override
    public void prepare(VmSpec spec, Duration timeout) {
        prepared.put(spec.image(), images.resolve(spec.image()));
    }

    @Override
    public CreatePlan createPlan(VmSpec spec, SeedFiles seed, Duration timeout) {
        validateWithoutRunning(spec);
        ResolvedImage image = prepared.get(spec.image());
        if (image == null) {
            image = images.cached(spec.image()).orElse(null);
        }
        // GPU devices known without running anything: this machine's sysfs, or a remote host's already read
        boolean known = config.local() || !spec.gpu().wanted() || remote.nodeDevices().isRead();
        List<String> devices = known ? passthrough().plan(spec.gpu()) : null;
        return new LibvirtCreate(config, cli, disks, types, log).plan(spec, image, seed, timeout,
                () -> devices != null ? devices : passthrough().plan(spec.gpu()), devices);
    }

    /** From the domain's vmbox metadata ({@link DomainQueries#ownership}). */
    @Override
    public Ownership ownership(String name) {
        return domains.ownership(name);
    }

    /** Detaches the seed from the domain's definition ({@code virsh detach-disk --config}) and deletes its file or volume. */
    @Override
    public CreatePlan afterFirstBoot(String name) {
        return new LibvirtCreate(config, cli, disks, types, log).afterFirstBoot(name);
    }

    @Override
    public void start(String name, Duration timeout) {
        domains.requireVmbox(name, "start");
        LibvirtExec.within(runner, Deadline.in(timeout), "start " + name)
                .runAllowing(cli.start(LibvirtNames.domain(name)), "start " + name, config.uri(),
                        LibvirtOutput.Failure.ALREADY_RUNNING);
    }

    @Override
    public String setAutostart(String name, boolean on, Duration timeout) {
        domains.requireVmbox(name, "change the autostart of");
        LibvirtExec.within(runner, Deadline.in(timeout), "autostart " + name)
                .run(cli.autostart(LibvirtNames.domain(name), on), "autostart " + name, config.uri());
        return on ? "libvirt starts the VM when libvirtd starts (virsh autostart, " + config.uri() + ")"
                + (config.uri().contains("session") ? "; a session libvirtd starts with your first libvirt connection, not at boot" : "")
                : "libvirt no longer starts the VM with libvirtd (virsh autostart --disable)";
    }

    @Override
    public void stop(String name, StopMode mode, Duration timeout) {
        domains.requireVmbox(name, "stop");
        String domain = LibvirtNames.domain(name);
        Deadline deadline = Deadline.in(timeout);
        LibvirtExec exec = LibvirtExec.within(runner, deadline, "stop " + name);
        if (mode == StopMode.FORCE) {
            exec.runAllowing(cli.destroy(domain), "stop " + name, config.uri(), LibvirtOutput.Failure.NOT_RUNNING);
            return;
        }
        exec.runAllowing(cli.shutdown(domain), "stop " + name, config.uri(), LibvirtOutput.Failure.NOT_RUNNING);
        Poll.until(name + " shutting down", () -> {
            VmState state = inspect(name).state();
            if (state == VmState.STOPPED || state == VmState.NOT_CREATED) {
                return state;
            }
            throw new NotReady(state.name().toLowerCase());
        }).every(Duration.ofMillis(500))
                .onTimeout(ExitCode.TIMEOUT, name + " did not shut down within " + timeout.toSeconds() + " s")
                .timeoutHint("stop it by force: vmbox stop --force " + name)
                .await(deadline);
    }

    @Override
    public void delete(String name, Duration timeout) {
        String domain = LibvirtNames.domain(name);
        LibvirtExec exec = LibvirtExec.within(runner, Deadline.in(timeout), "delete " + name);
        Ownership owner = ownership(name);
        owner.requireVmbox(id(), "delete");
        if (owner.kind() == Ownership.Kind.VMBOX) {
            exec.runAllowing(cli.destroy(domain), "stop " + name, config.uri(), LibvirtOutput.Failure.NOT_RUNNING,
                    LibvirtOutput.Failure.NOT_FOUND);
            exec.runAllowing(cli.undefine(domain), "delete " + name, config.uri(), LibvirtOutput.Failure.NOT_FOUND);
        }
        if (!config.local()) {
            List<String> problems = domains.volumes().deleteAll(exec, PoolVolumes.ofInstance(name));
            if (!problems.isEmpty()) {
                throw VmboxException.failed("could not remove all volumes of " + name + " at " + config.uri() + ": "
                        + String.join("; ", problems), "run vmbox delete " + name + " again, or remove them with virsh "
                        + "-c " + config.uri() + " vol-delete --pool " + PoolVolumes.POOL + " VOLUME", null);
            }
            return;
        }
        Path dir = instanceDir(name);
        FileModes.deleteTree(dir);
        if (Files.exists(dir)) {
            throw VmboxException.failed("could not remove all files of " + name + " in " + dir,
                    "remove the folder by hand: sudo rm -rf " + dir, null);
        }
    }

    @Override
    public VmStatus inspect(String name) {
        return domains.inspect(name);
    }

    /** One query of the connection for all of them ({@link DomainQueries#inspectAll}). */
    @Override
    public Map<String, VmStatus> inspectAll(Collection<String> names) {
        return domains.inspectAll(names);
    }

    /** vmbox's domains ({@code vmbox-NAME}; no other domain of the host), in one query. */
    @Override
    public List<VmStatus> list() {
        return domains.list();
    }

    @Override
    public List<Command> remoteCapacityCommands() {
        return remote.capacityCommands();
    }

    /** The remote host's CPUs, memory, pool space and PCI devices ({@link RemoteHost#capacity}). */
    @Override
    public Optional<HostCapacity> remoteCapacity() {
        return remote.capacity();
    }


    @Override
    public Optional<SshEndpoint> sshEndpoint(String name) {
        if (inspect(name).state() != VmState.RUNNING) {
            return Optional.empty();
        }
        return DomainXml.sshPort(domains.dumpxml(name, false)).map(port -> new SshEndpoint("127.0.0.1", port,
                config.jumpHost().orElse(null)));
    }

    /** This machine's console log of the VM (a remote host's is a volume there: not read while waiting). */
    @Override
    public Optional<Boolean> sshdStarted(String name) {
        if (!config.local()) {
            return Optional.empty();
        }
        return dev.vmbox.provider.BootConsole.sshdStarted(instanceDir(name).resolve(LocalDisks.CONSOLE_LOG));
    }

    /**
     * Whether the instance's network is restricted at the hypervisor ({@code restrict=on}) in the VM as it runs: on this
     * machine from the running QEMU's own command line ({@code /proc}), else from the running domain's XML ({@code
     * virsh dumpxml} without {@code --inactive}, which is the definition when the VM is not running). The persistent
     * definition alone proves nothing about the QEMU already running: a seal takes a restart.
     */
    @Override
    public Optional<Boolean> hypervisorEgressSealed(String name) {
        domains.requireVmbox(name, "read the network of");
        String domain = LibvirtNames.domain(name);
        if (config.local()) {
            Optional<String> netdev = QemuProcesses.commandLine(hostRoot.resolve("proc"), domain)
                    .flatMap(QemuProcesses::vmboxNetdev);
            if (netdev.isPresent()) {
                log.debug("libvirt: " + domain + " runs with -netdev " + netdev.get() + " (QEMU's command line)");
                return Optional.of(DomainXml.restricts(netdev.get()));
            }
            log.debug("libvirt: no QEMU process of " + domain + " readable in /proc; reading the running domain's XML");
        }
        return Optional.of(DomainXml.networkRestricted(domains.dumpxml(name, false)));
    }

    public boolean egressSealed(String name) {
        domains.requireVmbox(name, "read the network of");
        return DomainXml.networkRestricted(domains.dumpxml(name, true));
    }

    /** Redefines the domain with {@code restrict=on}; takes effect at the next boot (stop, then start). */
    @Override
    public void sealEgress(String name, Duration timeout) {
        domains.requireVmbox(name, "seal the egress of");
        String sealed = DomainXml.sealed(domains.dumpxml(name, true));
        LibvirtExec exec = LibvirtExec.within(runner, Deadline.in(timeout), "seal " + name);
        Path xml = config.local() ? instanceDir(name).resolve(LocalDisks.DOMAIN_XML) : null;
        try {
            if (xml == null) {
                // a remote host's definition is sent from a private temporary file, removed once virsh read it
                xml = Files.createTempFile("vmbox-domain-", ".xml", PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
            }
            FileModes.writePrivate(xml, sealed);
            exec.run(cli.define(xml), "seal " + name, config.uri());
        } catch (IOException e) {
            throw VmboxException.failed("cannot write the domain XML of " + name + ": " + e.getMessage(), "check free space", e);
        } finally {
            if (!config.local()) {
                SecureFiles.deleteQuietly(xml); // a private temporary file; nothing secret in it
            }
        }
    }

    /** The folder holding a local instance's overlay, seed, console log and domain XML. */
    public Path instanceDir(String name) {
        return config.storageRoot().resolve(name);
    }

    /** kvm when libvirt offers it and the host really has hardware virtualization; qemu (slow) otherwise. */
    public VirtType resolveVirtType() {
        Path cpuFile;
        try {
            cpuFile = Files.createTempFile("vmbox-cpu-", ".xml");
        } catch (IOException e) {
            throw VmboxException.failed("cannot write a temporary file: " + e.getMessage(), "check free space", e);
        }
        try {
            return types.resolve(LibvirtExec.within(runner, Deadline.in(LibvirtCli.QUERY.multipliedBy(2)),
                    "read the domain type"), cpuFile);
        } finally {
            try {
                Files.deleteIfExists(cpuFile);
            } catch (IOException ignored) {
                // a CPU description; nothing secret in it
            }
        }
    }

}
