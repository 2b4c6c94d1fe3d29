package dev.vmbox.provider.libvirt;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.log.EventLog;
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
 * Disks as volumes of the pool {@value PoolVolumes#POOL} on a libvirt host that is not this machine (see
 * {@link PoolVolumes}): the base uploaded once, the overlay made by libvirt there, the seed made here (in the seed
 * folder) and uploaded. Nothing is written to the local storage folder.
 */
final class PoolDisks implements Disks {
    /**
     * The seed volume's size, fixed when the plan is made (before the seed image exists): a NoCloud image of vmbox's
     * cloud-config is well under 1 MiB; the rest of the volume is never read.
     */
    static final long SEED_VOLUME_BYTES = 16L << 20;
    static final String SEED_IMAGE = "seed.img";

    private final LibvirtConfig config;
    private final LibvirtCli cli;
    private final PoolVolumes volumes;

    PoolDisks(LibvirtConfig config, LibvirtCli cli, EventLog log) {
        this.config = config;
        this.cli = cli;
        this.volumes = new PoolVolumes(cli, config.uri(), log);
    }

    @Override
    public String where(String instance) {
        return "volumes of the storage pool '" + PoolVolumes.POOL + "' at " + config.uri() + " (made at "
                + PoolVolumes.DEFAULT_TARGET + " if the host has none)";
    }

    @Override
    public List<String> notes(VmSpec spec, ResolvedImage image) {
        return List.of("the base image " + image.name() + " is uploaded once per content and shared; a host that has it "
                + "complete gets only the instance's seed");
    }

    @Override
    public List<PlanStep> steps(VmSpec spec, ResolvedImage image, SeedFiles seed, Duration timeout, Layout layout) {
        String name = spec.name();
        PoolVolumes.BaseUpload base;
        try {
            base = Files.isRegularFile(image.disk()) ? PoolVolumes.base(image) : PoolVolumes.unknownBase(image);
        } catch (IOException e) {
            throw VmboxException.failed("cannot read the image " + image.disk() + ": " + e.getMessage(),
                    "check that the image is readable (vmbox image list)", e);
        }
        Path seedImage = seed.scratch(SEED_IMAGE);
        Command info = LibvirtCli.imageInfo(image.disk());
        Command overlay = volumes.overlayCommand(name, spec.disk().bytes(), base);
        Command makeSeed = LibvirtCli.seedImage(seedImage, seed, seed.dir());
        Command seedVolume = cli.volCreate(PoolVolumes.POOL, PoolVolumes.seed(name), SEED_VOLUME_BYTES, "raw");
        Command seedUpload = cli.volUpload(PoolVolumes.POOL, PoolVolumes.seed(name), seedImage, timeout);
        String[] poolPath = new String[1];
        List<PlanStep> steps = new ArrayList<>();
        steps.add(PlanStep.named("image", "read the base image's format and size here (read-only)")
                .runs(info)
                .does(ctx -> LibvirtCreate.checkImage(LibvirtCreate.run(ctx, info, "read image " + image.disk(), config.uri())
                        .stdout(), image, spec)));
        steps.add(PlanStep.named("pool", "find (or make) the storage pool '" + PoolVolumes.POOL + "' on the libvirt host")
                .runs(volumes.ensurePoolCommands().toArray(PlannedCommand[]::new))
                .does(ctx -> poolPath[0] = volumes.ensurePool(ctx::run)));
        steps.add(PlanStep.named("leftovers", "check that no volume of an earlier '" + name + "' is left (read-only)")
                .runs(volumes.lookups(name).toArray(Command[]::new))
                .does(ctx -> {
                    if (volumes.anyOf(ctx::run, name)) {
                        throw VmboxException.badInput("leftover volumes of an earlier instance '" + name + "' are in the pool "
                                + PoolVolumes.POOL + " at " + config.uri(), "remove them with: vmbox delete " + name);
                    }
                }));
        steps.add(PlanStep.named("base", "make sure the host has the base image " + base.name() + ", uploading it once")
                .runs(volumes.ensureBaseCommands(base, timeout).toArray(PlannedCommand[]::new))
                .does(ctx -> {
                    PoolVolumes.Base b = volumes.ensureBase(ctx::run, base, timeout, ctx.deadline(), ctx::progress);
                    layout.base = new ResolvedImage(image.name(), Path.of(b.disk()), image.format(),
                            b.kernel() == null ? null : Path.of(b.kernel()), b.initrd() == null ? null : Path.of(b.initrd()),
                            image.cmdline());
                    Path folder = Path.of(poolPath[0]);
                    layout.overlay = folder.resolve(PoolVolumes.disk(name));
                    layout.seed = folder.resolve(PoolVolumes.seed(name));
                    layout.console = folder.resolve(PoolVolumes.console(name));
                }));
        Command deleteDisk = volumes.deleteCommand(PoolVolumes.disk(name));
        steps.add(PlanStep.named("disk", "make the VM's disk on the host: a qcow2 overlay on the base volume")
                .runs(overlay)
                .does(ctx -> {
                    LibvirtCreate.run(ctx, overlay, "create the disk " + PoolVolumes.disk(name), config.uri());
                    ctx.made(); // only once made: a disk that was there (another vmbox's) is never removed
                })
                .undoneBy("the volume " + PoolVolumes.disk(name), manual(PoolVolumes.disk(name)),
                        ctx -> volumes.delete(ctx::run, PoolVolumes.disk(name)), PlannedCommand.always(deleteDisk)));
        Command deleteSeed = volumes.deleteCommand(PoolVolumes.seed(name));
        steps.add(PlanStep.named("seed", "make the " + seed.describe() + " here (in the private seed folder) and upload it")
                .runs(makeSeed, seedVolume, seedUpload)
                .runs(PlannedCommand.when("when the upload fails", volumes.deleteCommand(PoolVolumes.seed(name))))
                .does(ctx -> {
                    try {
                        LibvirtCreate.run(ctx, makeSeed, "make the seed of " + name, config.uri());
                        if (Files.size(seedImage) > SEED_VOLUME_BYTES) {
                            throw new VmboxException(ExitCode.INTERNAL, "the seed image of " + name + " is larger ("
                                    + Files.size(seedImage) + " bytes) than its volume", "report this bug in vmbox");
                        }
                        volumes.upload(ctx::run, PoolVolumes.seed(name), seedImage, SEED_VOLUME_BYTES, timeout);
                        ctx.made();
                    } finally {
                        Files.deleteIfExists(seedImage);
                    }
                })
                .undoneBy("the volume " + PoolVolumes.seed(name), manual(PoolVolumes.seed(name)),
                        ctx -> volumes.delete(ctx::run, PoolVolumes.seed(name)), PlannedCommand.always(deleteSeed)));
        return steps;
    }

    @Override
    public PlanStep removeSeed(String instance, String when) {
        String volume = PoolVolumes.seed(instance);
        return PlanStep.named("seed-volume", "delete the seed volume " + volume + " on the libvirt host")
                .runs(PlannedCommand.when(when, volumes.deleteCommand(volume)))
                .does(ctx -> volumes.delete(ctx::run, volume));
    }

    private String manual(String volume) {
        return "remove it with: virsh -c " + config.uri() + " vol-delete --pool " + PoolVolumes.POOL + " " + volume;
    }

    @Override
    public Path domainXml(VmSpec spec, SeedFiles seed) {
        return seed.scratch(LocalDisks.DOMAIN_XML);
    }

    @Override
    public boolean keepsDomainXml() {
        return false;
    }

    @Override
    public List<PlannedCommand> afterUndefine(String instance) {
        return List.of(PlannedCommand.always(volumes.refreshCommand()),
                PlannedCommand.always(volumes.deleteCommand(PoolVolumes.console(instance))));
    }

    /** virtlogd wrote the console log into the pool for the domain this create defined: it goes too. */
    @Override
    public void removeAfterUndefine(LibvirtExec exec, String instance) {
        List<String> problems = volumes.deleteAll(exec, List.of(PoolVolumes.console(instance)));
        if (!problems.isEmpty()) {
            throw VmboxException.failed(String.join("; ", problems), manual(PoolVolumes.console(instance)), null);
        }
    }
}
