package dev.vmbox.provider.libvirt;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.CreatePlan;
import dev.vmbox.provider.PlanStep;
import dev.vmbox.provider.PlannedCommand;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.provider.StepContext;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.spec.VmSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

/**
 * The one create of the libvirt provider, for this machine and for a remote host alike: check the name is free,
 * make the disks ({@link Disks}: files here or volumes there), decide the domain type, define the domain
 * (user-mode network with one loopback port forwarded to guest SSH, {@code restrict=on} when sealed, the GPU's PCI
 * devices) and start it. The forward's port and the NIC's MAC are chosen when the plan is made; a port taken by
 * another program before QEMU binds it is retried with another ({@value #PORT_ATTEMPTS} attempts).
 */
record LibvirtCreate(LibvirtConfig config, LibvirtCli cli, Disks disks, VirtTypes types, EventLog log) {
    /** Attempts before giving up on finding a free port for the SSH forward (another program may take it first). */
    static final int PORT_ATTEMPTS = 5;
    private static final SecureRandom RANDOM = new SecureRandom();


    /**
     * @param image    the base image, or null when it is not on this host yet (a dry run before any download: the
     *                 plan can be printed, not run)
     * @param hostdevs the PCI devices to pass through: known now (this machine's sysfs, or a remote host's devices
     *                 already read), or read when the domain is defined
     * @param known    the devices when they are known without running anything, for the plan's notes; null otherwise
     */
    CreatePlan plan(VmSpec spec, ResolvedImage image, SeedFiles seed, Duration timeout, Supplier<List<String>> hostdevs,
                    List<String> known) {
        String name = spec.name();
        String domain = LibvirtNames.domain(name);
        List<String> notes = new ArrayList<>();
        ResolvedImage base = image != null ? image : placeholder(spec.image());
        if (image == null) {
            notes.add("the image " + spec.image() + " is not on this host yet: the run downloads and verifies it first (or "
                    + "`vmbox image build` builds it); the paths below stand for it");
        }
        notes.add("disks: " + disks.where(name));
        notes.addAll(disks.notes(spec, base));
        if (known != null) {
            known.forEach(a -> notes.add("PCI device " + a + (config.local() ? "" : " of the libvirt host")
                    + " passed through (managed <hostdev>: libvirt takes it from its driver)"));
        } else if (spec.gpu().wanted()) {
            notes.add("the GPU's PCI devices are chosen from the libvirt host's node devices (virsh nodedev-list, "
                    + "nodedev-dumpxml, its sysfs over ssh), read before the create");
        }
        config.jumpHost().ifPresent(j -> notes.add("SSH to the guest goes through the libvirt host: "
                + String.join(" ", j.streamArgv("127.0.0.1", 22, Duration.ofSeconds(15))).replace(":22 ", ":PORT ")));
        Disks.Layout layout = new Disks.Layout();
        VirtType[] type = {null};
        Path xml = disks.domainXml(spec, seed);
        Path cpuFile = seed.scratch("host-cpu.xml");
        DomainDefinition[] definition = {null};
        int port = config.local() ? freeLoopbackPort() : remotePort();
        String mac = macAddress();

        Command domstate = cli.domstate(domain);
        Command define = cli.define(xml);
        Command start = cli.start(domain);
        Command destroy = cli.destroy(domain);
        Command undefine = cli.undefine(domain);
        List<PlanStep> steps = new ArrayList<>();
        steps.add(PlanStep.named("check", "whether libvirt already has the domain " + domain + " (read-only)")
                .runs(domstate)
                .does(ctx -> {
                    if (image == null) {
                        throw VmboxException.notFound("the image " + spec.image() + " is not on this host",
                                "the provider prepares it before a create (vmbox image build, or a verified download)");
                    }
                    if (exists(ctx, domstate)) {
                        throw new VmboxException(ExitCode.IN_USE, "instance '" + name + "' already exists in libvirt at " + config.uri(),
                                "pick another name, or delete it first: vmbox delete " + name);
                    }
                }));
        steps.addAll(disks.steps(spec, base, seed, timeout, layout));
        steps.add(PlanStep.named("type", "choose the domain type: kvm where the CPU virtualizes, else qemu (read-only)")
                .runs(types.commands(cpuFile).toArray(PlannedCommand[]::new))
                .does(ctx -> type[0] = types.resolve(ctx::run, cpuFile)));
        List<PlannedCommand> undo = new ArrayList<>(List.of(PlannedCommand.always(destroy), PlannedCommand.always(undefine)));
        undo.addAll(disks.afterUndefine(name));
        steps.add(PlanStep.named("define", "define the domain: user-mode network" + (spec.egress() == EgressPolicy.SEALED
                        ? " with restrict=on" : "") + ", SSH forwarded from " + (config.local() ? "" : "the host's ")
                        + "127.0.0.1 only" + (disks.keepsDomainXml() ? "" : "; the XML is removed once read"))
                .runs(define)
                .does(ctx -> {
                    definition[0] = new DomainDefinition(domain, name, type[0], spec.cpus(), spec.memory().kib(),
                            layout.base, layout.overlay, layout.seed, layout.console, port,
                            spec.egress() == EgressPolicy.SEALED, mac, hostdevs.get(), layout.baseReadableAsIs);
                    define(ctx, define, xml, definition[0], name);
                    ctx.made();
                })
                .undoneBy("the domain " + domain, "remove it with: vmbox delete --force " + name, ctx -> {
                    runAllowing(ctx, destroy, "stop " + domain, LibvirtOutput.Failure.NOT_RUNNING,
                            LibvirtOutput.Failure.NOT_FOUND);
                    runAllowing(ctx, undefine, "undefine " + domain, LibvirtOutput.Failure.NOT_FOUND);
                    disks.removeAfterUndefine(ctx::run, name);
                }, undo.toArray(PlannedCommand[]::new)));
        String taken = "when the SSH forward's port was taken meanwhile (defined again with another port)";
        steps.add(PlanStep.named("start", "start the domain")
                .runs(PlannedCommand.always(start), PlannedCommand.when(taken, undefine), PlannedCommand.when(taken, define),
                        PlannedCommand.when(taken, start))
                .does(ctx -> {
                    for (int attempt = 1; !started(ctx, start, name, attempt); attempt++) {
                        runAllowing(ctx, undefine, "undefine " + domain, LibvirtOutput.Failure.NOT_FOUND);
                        definition[0] = definition[0].withSshPort(config.local() ? freeLoopbackPort() : remotePort());
                        define(ctx, define, xml, definition[0], name);
                    }
                    log.debug("libvirt: " + domain + " started at " + config.uri() + " (" + type[0].xmlName()
                            + ", ssh 127.0.0.1:" + definition[0].sshPort() + (config.local() ? "" : " on that host") + ")");
                }));
        return new CreatePlan(LibvirtProbe.ID, notes, steps);
    }

    /**
     * Once the guest's first boot is over: the seed disk leaves the domain's persistent definition (the running VM keeps
     * its open file until it stops; no later boot sees it) and its file or volume is deleted, so the guest's SSH host
     * private key is left nowhere on the VM's host but in the guest's own disk.
     */
    CreatePlan afterFirstBoot(String name) {
        String domain = LibvirtNames.domain(name);
        Command detach = cli.detachSeed(domain);
        String when = "once cloud-init has finished (step unseed)";
        return new CreatePlan(LibvirtProbe.ID, List.of(), List.of(
                PlanStep.named("detach-seed", "remove the seed disk (" + DomainXml.SEED_TARGET + ") from the definition of "
                                + domain + ": no later boot sees it")
                        .runs(PlannedCommand.when(when, detach))
                        .does(ctx -> run(ctx, detach, "detach the seed of " + name, config.uri())),
                disks.removeSeed(name, when)));
    }

    private void define(StepContext ctx, Command define, Path xml, DomainDefinition definition, String name)
            throws IOException {
        FileModes.writePrivate(xml, DomainXml.render(definition));
        try {
            run(ctx, define, "define " + name, config.uri());
        } finally {
            if (!disks.keepsDomainXml()) {
                Files.deleteIfExists(xml);
            }
        }
    }

    /**
     * Starts the domain; false when QEMU could not bind the SSH forward's port (taken since it was chosen) and
     * another port may be tried: the caller undefines it and defines it again with the new port (libvirt refuses a
     * second definition of the same name under a new uuid).
     */
    private boolean started(StepContext ctx, Command start, String name, int attempt) {
        try {
            ctx.run(start);
            return true;
        } catch (CommandFailedException e) {
            if (attempt < PORT_ATTEMPTS && LibvirtOutput.forwardPortTaken(e.result().stderr())) {
                log.debug("libvirt: the SSH forward's port of " + name + " is taken; trying another");
                return false;
            }
            throw LibvirtErrors.translate(e, "start " + name, config.uri());
        }
    }

    private boolean exists(StepContext ctx, Command domstate) {
        try {
            ctx.run(domstate);
            return true;
        } catch (CommandFailedException e) {
            if (LibvirtOutput.classify(e.result().stderr()) == LibvirtOutput.Failure.NOT_FOUND) {
                return false;
            }
            throw LibvirtErrors.translate(e, "look up " + domstate.argv().get(domstate.argv().size() - 1), config.uri());
        }
    }

    /** Runs a planned command of a step, translating a failure into what a person can act on. */
    static CommandResult run(StepContext ctx, Command command, String action, String uri) {
        LibvirtExec exec = ctx::run;
        return exec.run(command, action, uri);
    }

    private void runAllowing(StepContext ctx, Command command, String action, LibvirtOutput.Failure... harmless) {
        LibvirtExec exec = ctx::run;
        exec.runAllowing(command, action, config.uri(), harmless);
    }

    /** Checks qemu-img's answer about the base: the disk holds the image, and its format is the one planned. */
    static void checkImage(String qemuImgInfo, ResolvedImage image, VmSpec spec) {
        LibvirtOutput.ImageInfo info = LibvirtOutput.imageInfo(qemuImgInfo);
        if (spec.disk().bytes() < info.virtualSize()) {
            throw VmboxException.badInput("disk " + spec.disk() + " is smaller than the image " + image.name() + " ("
                    + info.virtualSize() / (1024 * 1024) + "MiB)", "give the VM a larger --disk");
        }
        if (!info.format().equals(image.format())) {
            throw new VmboxException(ExitCode.FAILED, "the image " + image.disk() + " is " + info.format() + ", not "
                    + image.format() + " as its folder says", "rebuild or download the image again (vmbox image list)");
        }
    }

    /** Where an image not on this host yet will be: for a dry run's text only. */
    private static ResolvedImage placeholder(String image) {
        return new ResolvedImage(image, Path.of("/IMAGE-" + image + "/" + ResolvedImage.DISK), "qcow2", null, null, null);
    }

    private static int freeLoopbackPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw VmboxException.failed("cannot find a free loopback port for the SSH forward: " + e.getMessage(),
                    "check that 127.0.0.1 is up", e);
        }
    }

    /** A port for the SSH forward on the remote host's loopback, below Linux's ephemeral range; retried if taken. */
    private static int remotePort() {
        return 20000 + RANDOM.nextInt(12000);
    }

    private static String macAddress() {
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        return "52:54:00:" + HexFormat.ofDelimiter(":").formatHex(b);
    }
}
