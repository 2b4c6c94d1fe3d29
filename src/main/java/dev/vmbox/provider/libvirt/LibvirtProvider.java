package dev.vmbox.provider.libvirt;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.host.Virtualization;
import dev.vmbox.image.ImageResolver;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.Availability;
import dev.vmbox.provider.Capabilities;
import dev.vmbox.provider.HostCapacity;
import dev.vmbox.provider.Provider;
import dev.vmbox.provider.SshEndpoint;
import dev.vmbox.provider.StopMode;
import dev.vmbox.provider.VmState;
import dev.vmbox.provider.VmStatus;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.spec.VmSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The libvirt provider: drives {@code virsh}, {@code qemu-img} and {@code cloud-localds}. Each instance
 * is a domain {@code vmbox-<name>} with a qcow2 overlay on a cached base image (the base is never
 * written), a NoCloud seed attached as a read-only virtio disk, and QEMU user-mode networking with one
 * loopback port forwarded to guest SSH; sealed instances get {@code restrict=on}. Its files live in
 * {@code <storageRoot>/<name>/} and nothing of it remains after {@link #delete}.
 */
public final class LibvirtProvider implements Provider {
    static final String OVERLAY = "disk.qcow2";
    static final String SEED = "seed.img";
    static final String CONSOLE_LOG = "console.log";
    static final String DOMAIN_XML = "domain.xml";
    static final String BASES = "_base";

    private final CommandRunner runner;
    private final EventLog log;
    private final LibvirtConfig config;
    private final ImageResolver images;
    private final PassthroughPlanner gpus;
    private final Path hostRoot;
    private final LibvirtCli cli;
    private final LibvirtProbe probe;
    private final SecureRandom random = new SecureRandom();
    private NodeDevices remoteDevices;

    /**
     * @param runner   runs virsh, qemu-img, cloud-localds
     * @param log      where progress and warnings go
     * @param config   URI, storage folder, domain type
     * @param images   resolves image names to base images
     * @param gpus     plans GPU passthrough on this machine (local URIs); a remote host's GPUs are planned from
     *                 its node devices ({@link NodeDevices})
     * @param hostRoot "/" in production: where /proc/cpuinfo is read from
     */
    public LibvirtProvider(CommandRunner runner, EventLog log, LibvirtConfig config, ImageResolver images,
                           PassthroughPlanner gpus, Path hostRoot) {
        this.runner = runner;
        this.log = log;
        this.config = config;
        this.images = images;
        this.gpus = gpus;
        this.hostRoot = hostRoot;
        this.cli = new LibvirtCli(config.uri());
        this.probe = new LibvirtProbe(runner, config.uri());
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
    public void validate(VmSpec spec) {
        if (!config.local()) {
            config.jumpHost();
        }
        if (spec.gpu().wanted() && config.session()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "GPU passthrough needs qemu:///system; "
                    + config.uri() + " (session libvirt) cannot assign PCI devices", "use --connect qemu:///system");
        }
        passthrough().plan(spec.gpu());
    }

    /** Plans GPU passthrough where the VM runs: this machine's sysfs, or the remote host's node devices. */
    private PassthroughPlanner passthrough() {
        return config.local() ? gpus : new GpuPassthroughPlanner(nodeDevices());
    }

    /** The remote host's PCI devices, read once per vmbox run and only when asked (a GPU request). */
    private synchronized NodeDevices nodeDevices() {
        if (remoteDevices == null) {
            remoteDevices = new NodeDevices(runner, cli, config.uri(), config.jumpHost().orElseThrow(), log);
        }
        return remoteDevices;
    }

    @Override
    public List<String> createCommands(VmSpec spec, Path seedDir, Duration timeout) {
        validate(spec);
        if (!config.local()) {
            return remoteCreateCommands(spec, seedDir);
        }
        String domain = LibvirtNames.domain(spec.name());
        Path dir = instanceDir(spec.name());
        List<String> out = new java.util.ArrayList<>();
        dev.vmbox.image.ImageCache cache = images instanceof dev.vmbox.image.ImageCache c ? c : null;
        java.util.Optional<ResolvedImage> image = cache != null ? cache.cached(spec.image()) : java.util.Optional.empty();
        Path base = image.map(ResolvedImage::disk).orElse(cache != null
                ? cache.folderOf(spec.image()).resolve(ResolvedImage.DISK) : Path.of(spec.image()));
        try {
            if (image.isPresent() && !config.session() && !worldReadable(image.get())) {
                Path staged = stagedBaseFolder(image.get()).resolve(ResolvedImage.DISK);
                out.add("# " + base + " is staged (hard link or copy) to " + staged
                        + ", where QEMU (libvirt-qemu) can read it");
                base = staged;
            }
        } catch (IOException e) {
            out.add("# " + base + " may be staged under " + config.storageRoot().resolve(BASES));
        }
        if (image.isEmpty()) {
            out.add("# image " + spec.image() + " is not in the cache: built by `vmbox image build`, or downloaded and"
                    + " verified on first use");
        }
        passthrough().plan(spec.gpu()).forEach(a -> out.add("# PCI device " + a + " passed through (managed <hostdev>)"));
        out.add(LibvirtCli.createOverlay(base, "qcow2", dir.resolve(OVERLAY), spec.disk().bytes()).display());
        out.add(LibvirtCli.seedImage(dir.resolve(SEED), seedDir.resolve("user-data"), seedDir.resolve("meta-data"), null)
                .display());
        out.add(cli.define(dir.resolve(DOMAIN_XML)).display() + "   # " + (spec.egress() == EgressPolicy.SEALED
                ? "user-mode network with restrict=on, " : "user-mode network, ") + "SSH forwarded from 127.0.0.1 only");
        out.add(cli.start(domain).display());
        return out;
    }

    private List<String> remoteCreateCommands(VmSpec spec, Path seedDir) {
        String domain = LibvirtNames.domain(spec.name());
        String pool = PoolVolumes.POOL;
        List<String> out = new ArrayList<>();
        out.add("# disks are volumes of the storage pool '" + pool + "' on the libvirt host (made at "
                + PoolVolumes.DEFAULT_TARGET + " if it has none)");
        out.add("# the base image " + spec.image() + " is uploaded once (vol-create-as + vol-upload) unless the host "
                + "already has it");
        passthrough().plan(spec.gpu()).forEach(a -> out.add("# PCI device " + a + " of the libvirt host passed through "
                + "(managed <hostdev>: libvirt there takes it from its driver)"));
        out.add(cli.volCreateOverlay(pool, PoolVolumes.disk(spec.name()), spec.disk().bytes(), "_base-" + spec.image()
                + "-TAG.disk", "qcow2").display());
        out.add(LibvirtCli.seedImage(Path.of("PRIVATE-TEMP", SEED), seedDir.resolve("user-data"), seedDir.resolve("meta-data"),
                null).display());
        out.add(cli.volUpload(pool, PoolVolumes.seed(spec.name()), Path.of("PRIVATE-TEMP", SEED), LibvirtCli.DISK).display()
                + "   # after vol-create-as; the local copy is removed");
        out.add(cli.define(Path.of("PRIVATE-TEMP", DOMAIN_XML)).display() + "   # " + (spec.egress() == EgressPolicy.SEALED
                ? "user-mode network with restrict=on, " : "user-mode network, ") + "SSH forwarded from the host's 127.0.0.1 only");
        out.add(cli.start(domain).display());
        out.add("# SSH to the guest goes through the libvirt host: " + String.join(" ",
                config.jumpHost().orElseThrow().streamArgv("127.0.0.1", 22, Duration.ofSeconds(15)))
                .replace(":22 ", ":PORT "));
        return out;
    }

    @Override
    public void create(VmSpec spec, Path seedDir, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        validate(spec);
        if (!config.local()) {
            createRemote(spec, seedDir, deadline);
            return;
        }
        String domain = LibvirtNames.domain(spec.name());
        if (inspect(spec.name()).exists()) {
            throw VmboxException.badInput("instance '" + spec.name() + "' already exists in libvirt at " + config.uri(),
                    "pick another name, or delete it first: vmbox delete " + spec.name());
        }
        Path userData = seedDir.resolve("user-data");
        Path metaData = seedDir.resolve("meta-data");
        if (!Files.isRegularFile(userData) || !Files.isRegularFile(metaData)) {
            throw new VmboxException(ExitCode.INTERNAL, "the seed folder " + seedDir + " lacks user-data or meta-data",
                    "this is a bug in vmbox; please report it");
        }
        Path networkConfig = Files.isRegularFile(seedDir.resolve("network-config")) ? seedDir.resolve("network-config") : null;
        ResolvedImage image = images.resolve(spec.image());
        VirtType type = resolveVirtType();
        List<String> hostdevs = passthrough().plan(spec.gpu());

        Path dir = instanceDir(spec.name());
        boolean defined = false;
        try {
            createTraversableDirectory(config.storageRoot());
            if (Files.exists(dir)) {
                throw VmboxException.badInput("leftover files of an earlier instance '" + spec.name() + "' are in " + dir,
                        "remove them with: vmbox delete " + spec.name());
            }
            createTraversableDirectory(dir);
            ResolvedImage base = reachableBase(image);
            CommandResult info = run(LibvirtCli.imageInfo(base.disk()), deadline, "read image " + base.disk());
            LibvirtOutput.ImageInfo baseInfo = LibvirtOutput.imageInfo(info.stdout());
            if (spec.disk().bytes() < baseInfo.virtualSize()) {
                throw VmboxException.badInput("disk " + spec.disk() + " is smaller than the image " + image.name() + " ("
                        + baseInfo.virtualSize() / (1024 * 1024) + "MiB)", "give the VM a larger --disk");
            }
            Path overlay = dir.resolve(OVERLAY);
            run(LibvirtCli.createOverlay(base.disk(), baseInfo.format(), overlay, spec.disk().bytes()), deadline,
                    "create the disk of " + spec.name());
            Path seed = dir.resolve(SEED);
            run(LibvirtCli.seedImage(seed, userData, metaData, networkConfig), deadline, "make the seed of " + spec.name());
            restrictToOwner(seed);
            restrictToOwner(overlay);
            DomainDefinition definition = new DomainDefinition(domain, spec.name(), type, spec.cpus(), spec.memory().kib(),
                    base, overlay, seed, dir.resolve(CONSOLE_LOG), freeLoopbackPort(),
                    spec.egress() == EgressPolicy.SEALED, macAddress(), hostdevs);
            Path xml = dir.resolve(DOMAIN_XML);
            for (int attempt = 1; ; attempt++) {
                writePrivate(xml, DomainXml.render(definition));
                run(cli.define(xml), deadline, "define " + spec.name());
                defined = true;
                if (started(domain, spec.name(), deadline, attempt)) {
                    break;
                }
                runAllowing(cli.undefine(domain), "undefine " + domain, LibvirtOutput.Failure.NOT_FOUND);
                defined = false;
                definition = definition.withSshPort(freeLoopbackPort());
            }
            log.debug("libvirt: " + domain + " started (" + type.xmlName() + ", ssh 127.0.0.1:" + definition.sshPort() + ")");
        } catch (RuntimeException e) {
            rollback(domain, dir, defined);
            throw e;
        } catch (IOException e) {
            rollback(domain, dir, defined);
            throw VmboxException.failed("cannot prepare the files of " + spec.name() + " in " + dir + ": " + e.getMessage(),
                    "check free space and permissions of " + config.storageRoot(), e);
        }
    }

    /** Attempts before giving up on finding a free port for the SSH forward (another program may take it first). */
    private static final int PORT_ATTEMPTS = 5;

    /**
     * Starts the domain; false when QEMU could not bind the SSH forward's port (taken since it was chosen) and
     * another port may be tried: the caller undefines it and defines it again with the new port (libvirt
     * refuses a second definition of the same name under a new uuid).
     */
    private boolean started(String domain, String name, Instant deadline, int attempt) {
        try {
            runner.run(cli.start(domain).withTimeout(min(LibvirtCli.CHANGE, remaining(deadline))));
            return true;
        } catch (CommandFailedException e) {
            if (attempt < PORT_ATTEMPTS && LibvirtOutput.forwardPortTaken(e.result().stderr())) {
                log.debug("libvirt: the SSH forward's port of " + name + " is taken; trying another");
                return false;
            }
            throw LibvirtErrors.translate(e, "start " + name, config.uri());
        }
    }

    /**
     * create on a libvirt host that is not this machine: the disks are volumes of the pool {@value
     * PoolVolumes#POOL} there (base uploaded once, overlay made there, seed made here and uploaded), the domain
     * XML is sent by virsh, and the SSH forward listens on that host's loopback, reached through SSH to it.
     */
    private void createRemote(VmSpec spec, Path seedDir, Instant deadline) {
        String name = spec.name();
        String domain = LibvirtNames.domain(name);
        if (inspect(name).exists()) {
            throw VmboxException.badInput("instance '" + name + "' already exists in libvirt at " + config.uri(),
                    "pick another name, or delete it first: vmbox delete " + name);
        }
        Path userData = seedDir.resolve("user-data");
        Path metaData = seedDir.resolve("meta-data");
        Path networkConfig = Files.isRegularFile(seedDir.resolve("network-config")) ? seedDir.resolve("network-config") : null;
        ResolvedImage image = images.resolve(spec.image());
        VirtType type = resolveVirtType();
        List<String> hostdevs = passthrough().plan(spec.gpu());
        PoolVolumes volumes = new PoolVolumes(runner, cli, config.uri(), log);
        List<String> made = new ArrayList<>(); // volumes this create made: the only ones its rollback removes
        boolean defined = false;
        Path scratch = null;
        try {
            LibvirtOutput.ImageInfo baseInfo = LibvirtOutput.imageInfo(run(LibvirtCli.imageInfo(image.disk()), deadline,
                    "read image " + image.disk()).stdout());
            if (spec.disk().bytes() < baseInfo.virtualSize()) {
                throw VmboxException.badInput("disk " + spec.disk() + " is smaller than the image " + image.name() + " ("
                        + baseInfo.virtualSize() / (1024 * 1024) + "MiB)", "give the VM a larger --disk");
            }
            String poolPath = volumes.ensurePool(deadline);
            if (volumes.anyOf(name, deadline)) {
                throw VmboxException.badInput("leftover volumes of an earlier instance '" + name + "' are in the pool "
                        + PoolVolumes.POOL + " at " + config.uri(), "remove them with: vmbox delete " + name);
            }
            PoolVolumes.Base base = volumes.ensureBase(image, deadline, log::debug);
            volumes.createOverlay(PoolVolumes.disk(name), spec.disk().bytes(), PoolVolumes.baseName(image) + ".disk",
                    baseInfo.format(), deadline);
            made.add(PoolVolumes.disk(name));
            scratch = Files.createTempDirectory("vmbox-seed-", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            Path seed = scratch.resolve(SEED);
            run(LibvirtCli.seedImage(seed, userData, metaData, networkConfig), deadline, "make the seed of " + name);
            volumes.upload(PoolVolumes.seed(name), seed, deadline);
            made.add(PoolVolumes.seed(name));
            deleteTree(scratch);
            scratch = null;
            ResolvedImage remoteBase = new ResolvedImage(image.name(), Path.of(base.disk()), baseInfo.format(),
                    base.kernel() == null ? null : Path.of(base.kernel()), base.initrd() == null ? null : Path.of(base.initrd()),
                    image.cmdline());
            Path folder = Path.of(poolPath);
            DomainDefinition definition = new DomainDefinition(domain, name, type, spec.cpus(), spec.memory().kib(),
                    remoteBase, folder.resolve(PoolVolumes.disk(name)), folder.resolve(PoolVolumes.seed(name)),
                    folder.resolve(PoolVolumes.console(name)), remotePort(), spec.egress() == EgressPolicy.SEALED,
                    macAddress(), hostdevs);
            for (int attempt = 1; ; attempt++) {
                defineXml(DomainXml.render(definition), deadline, "define " + name);
                defined = true;
                made.add(PoolVolumes.console(name)); // virtlogd writes it for the domain this create defined
                if (started(domain, name, deadline, attempt)) {
                    break;
                }
                runAllowing(cli.undefine(domain), "undefine " + domain, LibvirtOutput.Failure.NOT_FOUND);
                defined = false;
                definition = definition.withSshPort(remotePort());
            }
            log.debug("libvirt: " + domain + " started at " + config.uri() + " (" + type.xmlName() + ", ssh 127.0.0.1:"
                    + definition.sshPort() + " on that host)");
        } catch (RuntimeException e) {
            rollbackRemote(domain, name, defined, made, volumes);
            throw e;
        } catch (IOException e) {
            rollbackRemote(domain, name, defined, made, volumes);
            throw VmboxException.failed("cannot prepare the disks of " + name + ": " + e.getMessage(),
                    "check free space in the temporary folder and that the image is readable", e);
        } finally {
            if (scratch != null) {
                deleteTree(scratch);
            }
        }
    }

    private void rollbackRemote(String domain, String name, boolean defined, List<String> made, PoolVolumes volumes) {
        List<String> problems = new ArrayList<>();
        if (defined) {
            try {
                runAllowing(cli.destroy(domain), "stop " + domain, LibvirtOutput.Failure.NOT_RUNNING, LibvirtOutput.Failure.NOT_FOUND);
                runAllowing(cli.undefine(domain), "undefine " + domain, LibvirtOutput.Failure.NOT_FOUND);
            } catch (VmboxException cleanup) {
                problems.add(cleanup.getMessage());
            }
        }
        if (!made.isEmpty()) {
            problems.addAll(deleteVolumes(made, volumes, Instant.now().plus(LibvirtCli.CHANGE.multipliedBy(2))));
        }
        if (!problems.isEmpty()) {
            log.warn("could not remove all of the half-made " + domain + " at " + config.uri() + ": "
                    + String.join("; ", problems) + "; remove it with: vmbox delete --force " + name);
        }
    }

    /** Deletes each volume, going on past failures; returns what failed. */
    private static List<String> deleteVolumes(List<String> names, PoolVolumes volumes, Instant deadline) {
        List<String> problems = new ArrayList<>();
        try {
            volumes.refresh(deadline);
        } catch (VmboxException e) {
            problems.add(e.getMessage());
        }
        for (String v : names) {
            try {
                volumes.delete(v, deadline);
            } catch (VmboxException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    /** A port for the SSH forward on the remote host's loopback, below Linux's ephemeral range; retried if taken. */
    private int remotePort() {
        return 20000 + random.nextInt(12000);
    }

    /** Defines a domain from XML held here: written to a private temporary file virsh reads, then removed. */
    private void defineXml(String xml, Instant deadline, String action) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("vmbox-domain-", ".xml", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, xml);
            run(cli.define(tmp), deadline, action);
        } catch (IOException e) {
            throw VmboxException.failed("cannot write a temporary file for the domain XML: " + e.getMessage(),
                    "check free space in the temporary folder", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a private temporary file; nothing secret in it
                }
            }
        }
    }

    private void rollback(String domain, Path dir, boolean defined) {
        if (defined) {
            try {
                runAllowing(cli.destroy(domain), "stop " + domain, LibvirtOutput.Failure.NOT_RUNNING, LibvirtOutput.Failure.NOT_FOUND);
                runAllowing(cli.undefine(domain), "undefine " + domain, LibvirtOutput.Failure.NOT_FOUND);
            } catch (VmboxException cleanup) {
                log.warn("could not remove the half-made domain " + domain + ": " + cleanup.getMessage());
            }
        }
        deleteTree(dir);
    }

    @Override
    public void start(String name, Duration timeout) {
        requireExists(name);
        runAllowing(cli.start(LibvirtNames.domain(name)).withTimeout(min(LibvirtCli.CHANGE, timeout)), "start " + name,
                LibvirtOutput.Failure.ALREADY_RUNNING);
    }

    @Override
    public void stop(String name, StopMode mode, Duration timeout) {
        requireExists(name);
        String domain = LibvirtNames.domain(name);
        if (mode == StopMode.FORCE) {
            runAllowing(cli.destroy(domain).withTimeout(min(LibvirtCli.CHANGE, timeout)), "stop " + name,
                    LibvirtOutput.Failure.NOT_RUNNING);
            return;
        }
        Instant deadline = Instant.now().plus(timeout);
        runAllowing(cli.shutdown(domain).withTimeout(min(LibvirtCli.CHANGE, timeout)), "stop " + name,
                LibvirtOutput.Failure.NOT_RUNNING);
        while (true) {
            VmState state = inspect(name).state();
            if (state == VmState.STOPPED || state == VmState.NOT_CREATED) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new VmboxException(ExitCode.TIMEOUT, name + " did not shut down within " + timeout.toSeconds() + " s",
                        "stop it by force: vmbox stop --force " + name);
            }
            sleep(Duration.ofMillis(500));
        }
    }

    @Override
    public void delete(String name, Duration timeout) {
        String domain = LibvirtNames.domain(name);
        Instant deadline = Instant.now().plus(timeout);
        if (domainExists(domain)) {
            runAllowing(cli.destroy(domain).withTimeout(min(LibvirtCli.CHANGE, remaining(deadline))), "stop " + name,
                    LibvirtOutput.Failure.NOT_RUNNING, LibvirtOutput.Failure.NOT_FOUND);
            runAllowing(cli.undefine(domain).withTimeout(min(LibvirtCli.CHANGE, remaining(deadline))), "delete " + name,
                    LibvirtOutput.Failure.NOT_FOUND);
        }
        if (!config.local()) {
            List<String> problems = deleteVolumes(PoolVolumes.ofInstance(name), new PoolVolumes(runner, cli, config.uri(), log),
                    deadline);
            if (!problems.isEmpty()) {
                throw VmboxException.failed("could not remove all volumes of " + name + " at " + config.uri() + ": "
                        + String.join("; ", problems), "run vmbox delete " + name + " again, or remove them with virsh "
                        + "-c " + config.uri() + " vol-delete --pool " + PoolVolumes.POOL + " VOLUME", null);
            }
            return;
        }
        Path dir = instanceDir(name);
        deleteTree(dir);
        if (Files.exists(dir)) {
            throw VmboxException.failed("could not remove all files of " + name + " in " + dir,
                    "remove the folder by hand: sudo rm -rf " + dir, null);
        }
    }

    @Override
    public VmStatus inspect(String name) {
        String domain = LibvirtNames.domain(name);
        Path dir = instanceDir(name);
        CommandResult r;
        try {
            r = runner.run(cli.domstate(domain));
        } catch (CommandFailedException e) {
            if (LibvirtOutput.classify(e.result().stderr()) == LibvirtOutput.Failure.NOT_FOUND) {
                if (config.local() && Files.exists(dir)) {
                    return new VmStatus(name, id(), VmState.BROKEN, List.of("libvirt has no domain " + domain
                            + " but its files remain in " + dir + "; remove them with: vmbox delete " + name));
                }
                if (!config.local() && new PoolVolumes(runner, cli, config.uri(), log).anyOf(name,
                        Instant.now().plus(LibvirtCli.QUERY.multipliedBy(3)))) {
                    return new VmStatus(name, id(), VmState.BROKEN, List.of("libvirt has no domain " + domain
                            + " but its volumes remain in the pool " + PoolVolumes.POOL + " at " + config.uri()
                            + "; remove them with: vmbox delete " + name));
                }
                return VmStatus.notCreated(name, id());
            }
            throw LibvirtErrors.translate(e, "read the state of " + name, config.uri());
        }
        VmState state = LibvirtOutput.state(r.stdout());
        List<String> messages = new ArrayList<>();
        if (state == VmState.BROKEN) {
            messages.add("libvirt reports " + domain + " as '" + r.stdout().strip() + "'");
        }
        if (config.local() && !Files.isRegularFile(dir.resolve(OVERLAY))) {
            state = VmState.BROKEN;
            messages.add("the disk " + dir.resolve(OVERLAY) + " is missing");
        }
        return new VmStatus(name, id(), state, messages);
    }

    @Override
    public List<VmStatus> list() {
        CommandResult r;
        try {
            r = runner.run(cli.listAllNames());
        } catch (CommandFailedException e) {
            throw LibvirtErrors.translate(e, "list VMs", config.uri());
        }
        List<VmStatus> all = new ArrayList<>();
        for (String domain : LibvirtOutput.names(r.stdout())) {
            if (LibvirtNames.isVmboxDomain(domain)) {
                all.add(inspect(LibvirtNames.instance(domain)));
            }
        }
        return all;
    }

    /**
     * The remote host's CPUs and memory ({@code virsh nodeinfo}), the free space of its pool if it has one, and its PCI
     * devices (read only if a GPU is asked for).
     */
    @Override
    public Optional<HostCapacity> remoteCapacity() {
        if (config.local()) {
            return Optional.empty();
        }
        java.util.OptionalLong free = java.util.OptionalLong.empty();
        try {
            free = LibvirtOutput.poolAvailable(runner.run(cli.poolInfo(PoolVolumes.POOL)).stdout());
        } catch (CommandFailedException e) {
            if (LibvirtOutput.classify(e.result().stderr()) != LibvirtOutput.Failure.NO_POOL) {
                throw LibvirtErrors.translate(e, "read the storage pool " + PoolVolumes.POOL, config.uri());
            }
        }
        try {
            return Optional.of(LibvirtOutput.nodeinfo(runner.run(cli.nodeinfo()).stdout(), free).withPci(nodeDevices()));
        } catch (CommandFailedException e) {
            throw LibvirtErrors.translate(e, "read the resources of the libvirt host", config.uri());
        } catch (IllegalArgumentException e) {
            throw VmboxException.failed("cannot read the resources of the libvirt host at " + config.uri() + ": "
                    + e.getMessage(), "check that 'virsh -c " + config.uri() + " nodeinfo' works", e);
        }
    }

    @Override
    public Optional<SshEndpoint> sshEndpoint(String name) {
        if (inspect(name).state() != VmState.RUNNING) {
            return Optional.empty();
        }
        return DomainXml.sshPort(dumpxml(name, false)).map(port -> new SshEndpoint("127.0.0.1", port,
                config.jumpHost().orElse(null)));
    }

    /** Whether the instance's network is restricted at the hypervisor ({@code restrict=on}) in its definition. */
    @Override
    public Optional<Boolean> hypervisorEgressSealed(String name) {
        return Optional.of(egressSealed(name));
    }

    public boolean egressSealed(String name) {
        requireExists(name);
        return DomainXml.networkRestricted(dumpxml(name, true));
    }

    /** Redefines the domain with {@code restrict=on}; takes effect at the next boot (stop, then start). */
    @Override
    public void sealEgress(String name, Duration timeout) {
        requireExists(name);
        String sealed = DomainXml.sealed(dumpxml(name, true));
        if (!config.local()) {
            defineXml(sealed, Instant.now().plus(timeout), "seal " + name);
            return;
        }
        Path xml = instanceDir(name).resolve(DOMAIN_XML);
        try {
            writePrivate(xml, sealed);
        } catch (IOException e) {
            throw VmboxException.failed("cannot write " + xml + ": " + e.getMessage(), "check free space", e);
        }
        run(cli.define(xml).withTimeout(min(LibvirtCli.CHANGE, timeout)), Instant.now().plus(timeout), "seal " + name);
    }

    /** The folder holding the instance's overlay, seed, console log and domain XML. */
    public Path instanceDir(String name) {
        return config.storageRoot().resolve(name);
    }

    /** kvm when libvirt offers it and the host really has hardware virtualization; qemu (slow) otherwise. */
    public VirtType resolveVirtType() {
        if (config.virtType() != VirtType.AUTO) {
            return config.virtType();
        }
        String capabilities = probe.capabilities();
        Set<String> types = LibvirtProbe.domainTypes(capabilities);
        boolean hardware = config.local() ? hardwareVirtualization(Virtualization.probeLinux(hostRoot))
                : probe.hostCpuVirtualizes(capabilities);
        if (types.contains("kvm") && hardware) {
            return VirtType.KVM;
        }
        if (!types.contains("qemu")) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "libvirt at " + config.uri() + " offers neither kvm nor qemu guests for x86_64",
                    "install QEMU: sudo apt-get install qemu-system-x86");
        }
        log.warn("no usable KVM " + (config.local() ? "here" : "on " + config.uri()) + " (" + (types.contains("kvm") ? "the CPU shows no vmx/svm flags" : "libvirt offers no kvm domains")
                + "): using software emulation (domain type qemu), which is many times slower");
        return VirtType.QEMU;
    }

    /**
     * Whether the CPU really virtualizes: libvirt lists kvm whenever /dev/kvm exists, even where it is
     * PVM or unusable (no vmx/svm), and a kvm domain then fails to boot stock kernels. Whether /dev/kvm is
     * openable is libvirt's business (it runs QEMU as its own user), so only the CPU side is checked here.
     */
    static boolean hardwareVirtualization(Virtualization v) {
        return (v.cpuFlag() || v.vendorModule()) && !v.pvmOnly();
    }

    private String dumpxml(String name, boolean inactive) {
        try {
            return runner.run(cli.dumpxml(LibvirtNames.domain(name), inactive)).stdout();
        } catch (CommandFailedException e) {
            throw LibvirtErrors.translate(e, "read the definition of " + name, config.uri());
        }
    }

    private void requireExists(String name) {
        if (!domainExists(LibvirtNames.domain(name))) {
            throw VmboxException.notFound("no instance '" + name + "' in libvirt at " + config.uri(), "see them with: vmbox list");
        }
    }

    private boolean domainExists(String domain) {
        try {
            runner.run(cli.domstate(domain));
            return true;
        } catch (CommandFailedException e) {
            if (LibvirtOutput.classify(e.result().stderr()) == LibvirtOutput.Failure.NOT_FOUND) {
                return false;
            }
            throw LibvirtErrors.translate(e, "look up " + domain, config.uri());
        }
    }

    private CommandResult run(Command command, Instant deadline, String action) {
        try {
            return runner.run(command.withTimeout(min(command.timeout(), remaining(deadline))));
        } catch (CommandFailedException e) {
            throw LibvirtErrors.translate(e, action, config.uri());
        }
    }

    private void runAllowing(Command command, String action, LibvirtOutput.Failure... harmless) {
        try {
            runner.run(command);
        } catch (CommandFailedException e) {
            LibvirtOutput.Failure f = LibvirtOutput.classify(e.result().stderr());
            for (LibvirtOutput.Failure h : harmless) {
                if (f == h) {
                    return;
                }
            }
            throw LibvirtErrors.translate(e, action, config.uri());
        }
    }

    /**
     * The base image where QEMU can read it. With qemu:///system QEMU runs as libvirt-qemu, which cannot
     * enter a 0700 VMBOX_HOME: an unreachable base is staged (hard link, or copy) under storageRoot/_base.
     */
    /** Where an image QEMU cannot read in place is staged under the storage root (one folder per image file). */
    private Path stagedBaseFolder(ResolvedImage image) throws IOException {
        long size = Files.size(image.disk());
        long mtime = Files.getLastModifiedTime(image.disk()).toMillis();
        return config.storageRoot().resolve(BASES).resolve(image.name() + "-" + Long.toHexString(size ^ mtime));
    }

    private ResolvedImage reachableBase(ResolvedImage image) throws IOException {
        if (config.session() || worldReadable(image)) {
            return image;
        }
        Path folder = stagedBaseFolder(image);
        if (!Files.isRegularFile(folder.resolve(ResolvedImage.DISK))) {
            createTraversableDirectory(folder.getParent());
            Path staging = Files.createTempDirectory(folder.getParent(), ".stage");
            try {
                stage(image.disk(), staging.resolve(ResolvedImage.DISK));
                if (image.directKernelBoot()) {
                    stage(image.kernel(), staging.resolve(ResolvedImage.KERNEL));
                    stage(image.initrd(), staging.resolve(ResolvedImage.INITRD));
                }
                Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.move(staging, folder, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                deleteTree(staging);
            }
        }
        return new ResolvedImage(image.name(), folder.resolve(ResolvedImage.DISK), image.format(),
                image.directKernelBoot() ? folder.resolve(ResolvedImage.KERNEL) : null,
                image.directKernelBoot() ? folder.resolve(ResolvedImage.INITRD) : null, image.cmdline());
    }

    private static void stage(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(from, to);
        }
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("r--r--r--"));
    }

    static boolean worldReadable(ResolvedImage image) throws IOException {
        List<Path> files = new ArrayList<>(List.of(image.disk()));
        if (image.directKernelBoot()) {
            files.add(image.kernel());
            files.add(image.initrd());
        }
        for (Path f : files) {
            if (!Files.getPosixFilePermissions(f).contains(PosixFilePermission.OTHERS_READ)) {
                return false;
            }
            for (Path p = f.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
                if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** 0711: QEMU (another user under qemu:///system) may pass through, nobody may list. */
    private static void createTraversableDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        }
    }

    private static void restrictToOwner(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    private static void writePrivate(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw VmboxException.failed("cannot remove " + dir + ": " + e.getMessage(), "remove it by hand: sudo rm -rf " + dir, e);
        }
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private String macAddress() {
        byte[] b = new byte[3];
        random.nextBytes(b);
        return "52:54:00:" + HexFormat.ofDelimiter(":").formatHex(b);
    }

    /** What is left until {@code deadline}; TIMEOUT when nothing is. */
    static Duration remaining(Instant deadline) {
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.isNegative() || left.isZero()) {
            throw new VmboxException(ExitCode.TIMEOUT, "the libvirt operation ran out of time", "raise the timeout");
        }
        return left;
    }

    static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted while waiting for libvirt", null, e);
        }
    }
}
