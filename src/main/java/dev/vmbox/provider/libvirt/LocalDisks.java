package dev.vmbox.provider.libvirt;

import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.image.ContentTag;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.provider.PlanStep;
import dev.vmbox.provider.PlannedCommand;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.spec.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Disks as files on this machine, in {@code <storageRoot>/<name>/}: a qcow2 overlay on the base image (never written),
 * the NoCloud seed disk (until the first boot is over), the console log and the domain XML. Under
 * {@code qemu:///system} QEMU runs as {@code libvirt-qemu}, which cannot enter a 0700 VMBOX_HOME: a base it cannot read
 * is staged as a copy (never a link to the user's cache: libvirt hands the staged files to QEMU's user) under
 * {@code <storageRoot>/_base/<image>-<content tag>/}, and checked against that tag before every use. The seed holds the
 * guest's SSH host private key: it is made in a folder only vmbox's user can enter and moved into place 0600.
 */
record LocalDisks(LibvirtConfig config) implements Disks {
    static final String OVERLAY = "disk.qcow2";
    static final String SEED = "seed.img";
    /** Where the seed is made, inside the instance's folder (the same file system, so the move is a rename): 0700. */
    static final String SEED_WORK = ".seed";
    static final String CONSOLE_LOG = "console.log";
    static final String DOMAIN_XML = "domain.xml";
    static final String BASES = "_base";


    Path dir(String instance) {
        return config.storageRoot().resolve(instance);
    }

    @Override
    public String where(String instance) {
        return "files in " + dir(instance);
    }

    /**
     * Where {@code image} is staged for QEMU, named by its content, or empty when QEMU reads it in place (session
     * libvirt, or readable by everyone).
     */
    private java.util.Optional<Path> stagedFolder(ResolvedImage image) {
        try {
            if (config.session() || !Files.isRegularFile(image.disk()) || FileModes.worldReadable(image)) {
                // (an image not on this host yet is a dry run's placeholder: where it is staged is decided by the run)
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(config.storageRoot().resolve(BASES).resolve(image.name() + "-"
                    + ContentTag.of(image)));
        } catch (IOException e) {
            throw VmboxException.failed("cannot read the image " + image.disk() + ": " + e.getMessage(),
                    "check that the image is readable (vmbox image list)", e);
        }
    }

    @Override
    public List<String> notes(VmSpec spec, ResolvedImage image) {
        return stagedFolder(image).map(f -> List.of(image.disk() + " is copied to " + f.resolve(ResolvedImage.DISK)
                + ", where QEMU (libvirt-qemu) can read it; the copy is checked against the image's content tag before "
                + "every use and made again when its bytes changed")).orElse(List.of());
    }

    @Override
    public List<PlanStep> steps(VmSpec spec, ResolvedImage image, SeedFiles seed, Duration timeout, Layout layout) {
        String name = spec.name();
        Path dir = dir(name);
        java.util.Optional<Path> staged = stagedFolder(image);
        ResolvedImage base = staged.map(f -> FileModes.inFolder(image, f)).orElse(image);
        // a staged image's kernel and initrd are copied into the instance's folder: libvirt makes QEMU's user the owner
        // of the files it boots from while the VM runs, and the staged ones are shared (and checked) by every create
        boolean ownBootFiles = staged.isPresent() && image.directKernelBoot();
        layout.base = ownBootFiles ? new ResolvedImage(base.name(), base.disk(), base.format(),
                dir.resolve(ResolvedImage.KERNEL), dir.resolve(ResolvedImage.INITRD), base.cmdline()) : base;
        layout.baseReadableAsIs = staged.isPresent();
        layout.overlay = dir.resolve(OVERLAY);
        layout.seed = dir.resolve(SEED);
        layout.console = dir.resolve(CONSOLE_LOG);
        Path work = dir.resolve(SEED_WORK);
        Path seedMade = work.resolve(SEED);
        Command info = LibvirtCli.imageInfo(base.disk());
        Command overlay = LibvirtCli.createOverlay(base.disk(), base.format(), layout.overlay, spec.disk().bytes());
        Command seedImage = LibvirtCli.seedImage(seedMade, seed, work);
        List<PlanStep> steps = new ArrayList<>();
        steps.add(PlanStep.named("folder", "make the instance's folder " + dir + " (0711: QEMU may pass, nobody may list)")
                .does(ctx -> {
                    FileModes.traversableDirectory(config.storageRoot());
                    if (Files.exists(dir)) {
                        throw VmboxException.badInput("leftover files of an earlier instance '" + name + "' are in " + dir,
                                "remove them with: vmbox delete " + name);
                    }
                    FileModes.traversableDirectory(dir);
                    ctx.made();
                })
                .undoneBy("the files of " + name + " in " + dir, "remove the folder by hand: sudo rm -rf " + dir,
                        ctx -> FileModes.deleteTree(dir)));
        staged.ifPresent(f -> steps.add(PlanStep.named("stage", "copy the base image read-only to " + f
                        + ", where QEMU can read it, or check the copy there against the image's content tag (a copy "
                        + "whose bytes changed is made again)")
                .does(ctx -> FileModes.stage(image, f, ctx::progress))));
        if (ownBootFiles) {
            steps.add(PlanStep.named("boot-files", "copy the staged kernel and initrd into " + dir + " (this VM's own: "
                            + "libvirt hands the files a VM boots from to QEMU's user while it runs)")
                    .does(ctx -> {
                        for (Path p : List.of(base.kernel(), base.initrd())) {
                            Path to = dir.resolve(p.getFileName());
                            Files.copy(p, to);
                            FileModes.ownerOnly(to);
                        }
                    }));
        }
        steps.add(PlanStep.named("image", "read the base image's format and size (read-only)")
                .runs(info)
                .does(ctx -> LibvirtCreate.checkImage(LibvirtCreate.run(ctx, info, "read image " + base.disk(), config.uri())
                        .stdout(), base, spec)));
        steps.add(PlanStep.named("disk", "make the VM's disk: a qcow2 overlay on the base, which is never written")
                .runs(overlay)
                .does(ctx -> {
                    LibvirtCreate.run(ctx, overlay, "create the disk of " + name, config.uri());
                    FileModes.ownerOnly(layout.overlay);
                }));
        steps.add(PlanStep.named("seed", "make the " + seed.describe() + " in " + work
                        + " (0700: no other user can open it while it is made), then move it into place, 0600")
                .runs(seedImage)
                .does(ctx -> {
                    FileModes.privateDirectory(work);
                    try {
                        LibvirtCreate.run(ctx, seedImage, "make the seed of " + name, config.uri());
                        FileModes.ownerOnly(seedMade);
                        Files.move(seedMade, layout.seed, StandardCopyOption.ATOMIC_MOVE);
                    } finally {
                        FileModes.deleteTree(work);
                    }
                }));
        return steps;
    }

    @Override
    public PlanStep removeSeed(String instance, String when) {
        Path seed = dir(instance).resolve(SEED);
        return PlanStep.named("seed-file", "delete the seed file " + seed)
                .does(ctx -> Files.deleteIfExists(seed));
    }

    @Override
    public Path domainXml(VmSpec spec, SeedFiles seed) {
        return dir(spec.name()).resolve(DOMAIN_XML);
    }

    @Override
    public boolean keepsDomainXml() {
        return true;
    }

    @Override
    public List<PlannedCommand> afterUndefine(String instance) {
        return List.of();
    }

    @Override
    public void removeAfterUndefine(LibvirtExec exec, String instance) {
        // the console log is in the instance's folder, which its own undo removes
    }
}
