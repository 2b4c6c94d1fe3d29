package dev.vmbox.provider.libvirt;

import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.provider.PlanStep;
import dev.vmbox.provider.PlannedCommand;
import dev.vmbox.provider.SeedFiles;
import dev.vmbox.spec.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Disks as files on this machine, in {@code <storageRoot>/<name>/}: a qcow2 overlay on the cached base image (never
 * written), the NoCloud seed disk, the console log and the domain XML. Under {@code qemu:///system} QEMU runs as
 * {@code libvirt-qemu}, which cannot enter a 0700 VMBOX_HOME: a base it cannot read is staged (hard link, or copy)
 * under {@code <storageRoot>/_base/}.
 */
final class LocalDisks implements Disks {
    static final String OVERLAY = "disk.qcow2";
    static final String SEED = "seed.img";
    static final String CONSOLE_LOG = "console.log";
    static final String DOMAIN_XML = "domain.xml";
    static final String BASES = "_base";

    private final LibvirtConfig config;

    LocalDisks(LibvirtConfig config) {
        this.config = config;
    }

    Path dir(String instance) {
        return config.storageRoot().resolve(instance);
    }

    @Override
    public String where(String instance) {
        return "files in " + dir(instance);
    }

    /** Where {@code image} is staged for QEMU, or empty when QEMU reads it in place (session libvirt, or readable). */
    private java.util.Optional<Path> stagedFolder(ResolvedImage image) {
        try {
            if (config.session() || !Files.isRegularFile(image.disk()) || FileModes.worldReadable(image)) {
                // (an image not on this host yet is a dry run's placeholder: where it is staged is decided by the run)
                return java.util.Optional.empty();
            }
            long size = Files.size(image.disk());
            long mtime = Files.getLastModifiedTime(image.disk()).toMillis();
            return java.util.Optional.of(config.storageRoot().resolve(BASES).resolve(image.name() + "-"
                    + Long.toHexString(size ^ mtime)));
        } catch (IOException e) {
            throw VmboxException.failed("cannot read the image " + image.disk() + ": " + e.getMessage(),
                    "check that the image is readable (vmbox image list)", e);
        }
    }

    @Override
    public List<String> notes(VmSpec spec, ResolvedImage image) {
        return stagedFolder(image).map(f -> List.of(image.disk() + " is staged (hard link or copy) to " + f.resolve(ResolvedImage.DISK)
                + ", where QEMU (libvirt-qemu) can read it")).orElse(List.of());
    }

    @Override
    public List<PlanStep> steps(VmSpec spec, ResolvedImage image, SeedFiles seed, Duration timeout, Layout layout) {
        String name = spec.name();
        Path dir = dir(name);
        java.util.Optional<Path> staged = stagedFolder(image);
        ResolvedImage base = staged.map(f -> new ResolvedImage(image.name(), f.resolve(ResolvedImage.DISK), image.format(),
                image.directKernelBoot() ? f.resolve(ResolvedImage.KERNEL) : null,
                image.directKernelBoot() ? f.resolve(ResolvedImage.INITRD) : null, image.cmdline())).orElse(image);
        layout.base = base;
        layout.overlay = dir.resolve(OVERLAY);
        layout.seed = dir.resolve(SEED);
        layout.console = dir.resolve(CONSOLE_LOG);
        Command info = LibvirtCli.imageInfo(base.disk());
        Command overlay = LibvirtCli.createOverlay(base.disk(), base.format(), layout.overlay, spec.disk().bytes());
        Command seedImage = LibvirtCli.seedImage(layout.seed, seed.userData(), seed.metaData(), null);
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
        staged.ifPresent(f -> steps.add(PlanStep.named("stage", "stage the base image read-only in " + f
                        + " (hard link or copy), where QEMU can read it")
                .does(ctx -> FileModes.stage(image, f))));
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
        steps.add(PlanStep.named("seed", "make the NoCloud seed disk from the seed's user-data and meta-data")
                .runs(seedImage)
                .does(ctx -> {
                    LibvirtCreate.run(ctx, seedImage, "make the seed of " + name, config.uri());
                    FileModes.ownerOnly(layout.seed);
                }));
        return steps;
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
