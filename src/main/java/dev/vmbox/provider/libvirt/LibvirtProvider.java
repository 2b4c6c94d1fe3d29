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

    /**
     * @param runner   runs virsh, qemu-img, cloud-localds
     * @param log      where progress and warnings go
     * @param config   URI, storage folder, domain type
     * @param images   resolves image names to base images
     * @param gpus     plans GPU passthrough (the host PCI checks on real hosts)
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
            throw new VmboxException(ExitCode.UNAVAILABLE, "creating VMs on a remote libvirt host (" + config.uri()
                    + ") is not supported yet: instance disks must be on the host that runs QEMU",
                    "run vmbox on that host, or use a local URI (qemu:///system); inspect, list, stop and delete work remotely");
        }
        if (spec.gpu().wanted() && config.session()) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "GPU passthrough needs qemu:///system; "
                    + config.uri() + " (session libvirt) cannot assign PCI devices", "use --connect qemu:///system");
        }
        gpus.plan(spec.gpu());
    }

    @Override
    public List<String> createCommands(VmSpec spec, Path seedDir, Duration timeout) {
        validate(spec);
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
        gpus.plan(spec.gpu()).forEach(a -> out.add("# PCI device " + a + " passed through (managed <hostdev>)"));
        out.add(LibvirtCli.createOverlay(base, "qcow2", dir.resolve(OVERLAY), spec.disk().bytes()).display());
        out.add(LibvirtCli.seedImage(dir.resolve(SEED), seedDir.resolve("user-data"), seedDir.resolve("meta-data"), null)
                .display());
        out.add(cli.define(dir.resolve(DOMAIN_XML)).display() + "   # " + (spec.egress() == EgressPolicy.SEALED
                ? "user-mode network with restrict=on, " : "user-mode network, ") + "SSH forwarded from 127.0.0.1 only");
        out.add(cli.start(domain).display());
        return out;
    }

    @Override
    public void create(VmSpec spec, Path seedDir, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        validate(spec);
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
        List<String> hostdevs = gpus.plan(spec.gpu());

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
            writePrivate(xml, DomainXml.render(definition));
            run(cli.define(xml), deadline, "define " + spec.name());
            defined = true;
            run(cli.start(domain), deadline, "start " + spec.name());
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

    @Override
    public Optional<SshEndpoint> sshEndpoint(String name) {
        if (inspect(name).state() != VmState.RUNNING) {
            return Optional.empty();
        }
        return DomainXml.sshPort(dumpxml(name, false)).map(port -> new SshEndpoint("127.0.0.1", port));
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
        Set<String> types = probe.domainTypes();
        boolean hardware = !config.local() || hardwareVirtualization(Virtualization.probeLinux(hostRoot));
        if (types.contains("kvm") && hardware) {
            return VirtType.KVM;
        }
        if (!types.contains("qemu")) {
            throw new VmboxException(ExitCode.UNAVAILABLE, "libvirt at " + config.uri() + " offers neither kvm nor qemu guests for x86_64",
                    "install QEMU: sudo apt-get install qemu-system-x86");
        }
        log.warn("no usable KVM here (" + (types.contains("kvm") ? "the CPU shows no vmx/svm flags" : "libvirt offers no kvm domains")
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

    private static Duration remaining(Instant deadline) {
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.isNegative() || left.isZero()) {
            throw new VmboxException(ExitCode.TIMEOUT, "the libvirt operation ran out of time", "raise the timeout");
        }
        return left;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted while waiting for libvirt", null, e);
        }
    }
}
