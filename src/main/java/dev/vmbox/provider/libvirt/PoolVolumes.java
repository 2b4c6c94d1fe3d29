package dev.vmbox.provider.libvirt;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.log.EventLog;
import dev.vmbox.provider.PlannedCommand;
import dev.vmbox.wait.Deadline;
import dev.vmbox.wait.NotReady;
import dev.vmbox.wait.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Instance disks on a libvirt host that is not this machine ({@code qemu+ssh://gpu1/system}): everything is a
 * volume in one directory storage pool, {@value #POOL}, made and filled through libvirt's own connection
 * ({@code vol-create-as}, {@code vol-upload}), so vmbox needs no shell and no file access on that host.
 *
 * <p>Volumes of an instance {@code NAME}: {@code vmbox-NAME.qcow2} (the overlay, made by libvirt's qemu-img on
 * that host over the base volume), {@code vmbox-NAME.seed.img} (the NoCloud seed, made here and uploaded) and
 * {@code vmbox-NAME.console.log} (written by virtlogd). Base images are uploaded once per image file and
 * shared: {@code _base-IMAGE-TAG.disk} (and {@code .vmlinuz}, {@code .initrd} for direct kernel boot), with a
 * {@code .complete} marker volume made last, so an upload cut short is never used: it is removed and sent
 * again; an {@code .uploading} volume keeps a second vmbox from uploading the same base at the same time. Volumes
 * are created 0600 root by libvirt; QEMU gets them by libvirt's relabelling at start.
 *
 * <p>Every command is built here, so a create plan can list them before any runs ({@code *Commands}) and run them
 * through its steps ({@link LibvirtExec}).
 */
record PoolVolumes(LibvirtCli cli, String uri, EventLog log) {
    static final String POOL = "vmbox";
    /** Where the pool is made when the host has none: beside, not inside, the local layout's folder. */
    static final String DEFAULT_TARGET = "/var/lib/libvirt/images/vmbox-pool";
    private static final Duration UPLOAD_POLL = Duration.ofSeconds(5);

    /** A base image as volumes: the disk's path on the libvirt host, and kernel/initrd for direct boot. */
    record Base(String disk, String kernel, String initrd) {
    }

    /** One file of a base image and the volume it is uploaded to. */
    record Part(String volume, Path file, long size) {
    }

    /**
     * A base image's volumes, named by its content, with the files they are uploaded from.
     *
     * @param image the image
     * @param name  the volumes' common name ({@code _base-IMAGE-TAG})
     * @param parts disk first, then kernel and initrd for direct boot
     */
    record BaseUpload(ResolvedImage image, String name, List<Part> parts) {
        String marker() {
            return name + ".complete";
        }

        String lock() {
            return name + ".uploading";
        }

        String disk() {
            return parts.get(0).volume();
        }
    }

    static String disk(String instance) {
        return LibvirtNames.domain(instance) + ".qcow2";
    }

    static String seed(String instance) {
        return LibvirtNames.domain(instance) + ".seed.img";
    }

    static String console(String instance) {
        return LibvirtNames.domain(instance) + ".console.log";
    }

    /** Every volume an instance owns (not the shared bases). */
    static List<String> ofInstance(String instance) {
        return List.of(disk(instance), seed(instance), console(instance));
    }

    /** The base volumes of {@code image}: named by its content (sha256 of disk, kernel, initrd), sized by its files. */
    static BaseUpload base(ResolvedImage image) throws IOException {
        String name = "_base-" + image.name() + "-" + dev.vmbox.image.ContentTag.of(image);
        List<Part> parts = new ArrayList<>();
        parts.add(new Part(name + ".disk", image.disk(), Files.size(image.disk())));
        if (image.directKernelBoot()) {
            parts.add(new Part(name + ".vmlinuz", image.kernel(), Files.size(image.kernel())));
            parts.add(new Part(name + ".initrd", image.initrd(), Files.size(image.initrd())));
        }
        return new BaseUpload(image, name, parts);
    }

    /** The base volumes of an image not on this host yet (a dry run's text): its content, and so its tag, is unknown. */
    static BaseUpload unknownBase(ResolvedImage image) {
        String name = "_base-" + image.name() + "-TAG";
        return new BaseUpload(image, name, List.of(new Part(name + ".disk", image.disk(), 0)));
    }

    // ---- the pool

    List<PlannedCommand> ensurePoolCommands() {
        String none = "when the host has no pool '" + POOL + "'";
        return List.of(PlannedCommand.always(cli.poolInfo(POOL)),
                PlannedCommand.when(none, cli.poolDefineDir(POOL, DEFAULT_TARGET)),
                PlannedCommand.when(none, cli.poolBuild(POOL)),
                PlannedCommand.when("when the pool is not running (or was just made)", cli.poolStart(POOL)),
                PlannedCommand.when(none, cli.poolAutostart(POOL)),
                PlannedCommand.always(cli.poolDumpxml(POOL)));
    }

    /** Makes the pool when the host has none (a directory pool, autostarted), starts it; returns its folder. */
    String ensurePool(LibvirtExec exec) {
        try {
            String info = exec.run(cli.poolInfo(POOL)).stdout();
            if (!LibvirtOutput.poolRunning(info)) {
                exec.run(cli.poolStart(POOL), "start the storage pool " + POOL, uri);
            }
        } catch (CommandFailedException e) {
            if (LibvirtOutput.classify(e.result().stderr()) != LibvirtOutput.Failure.NO_POOL) {
                throw LibvirtErrors.translate(e, "read the storage pool " + POOL, uri);
            }
            log.debug("libvirt: making the storage pool " + POOL + " at " + DEFAULT_TARGET + " on " + uri);
            exec.run(cli.poolDefineDir(POOL, DEFAULT_TARGET), "define the storage pool " + POOL, uri);
            exec.run(cli.poolBuild(POOL), "build the storage pool " + POOL, uri);
            exec.run(cli.poolStart(POOL), "start the storage pool " + POOL, uri);
            exec.run(cli.poolAutostart(POOL), "autostart the storage pool " + POOL, uri);
        }
        String xml = exec.run(cli.poolDumpxml(POOL), "read the storage pool " + POOL, uri).stdout();
        return LibvirtOutput.poolPath(xml).orElseThrow(() -> new VmboxException(ExitCode.UNAVAILABLE,
                "the storage pool '" + POOL + "' at " + uri + " is not a folder of files",
                "vmbox needs a directory pool called " + POOL + "; remove the other one or rename it"));
    }

    // ---- the shared base

    List<PlannedCommand> ensureBaseCommands(BaseUpload base, Duration uploadTimeout) {
        String missing = "when the host lacks a complete copy";
        List<PlannedCommand> out = new ArrayList<>();
        out.add(PlannedCommand.always(cli.volPath(POOL, base.marker())));
        for (Part p : base.parts()) {
            out.add(PlannedCommand.when("when the marker is there", cli.volPath(POOL, p.volume())));
        }
        out.add(PlannedCommand.when("when the marker is there but a part is lost", cli.volDelete(POOL, base.marker())));
        out.add(PlannedCommand.when(missing + " (the lock: only one vmbox uploads)", cli.volCreate(POOL, base.lock(), 0, "raw")));
        for (Part p : base.parts()) {
            out.add(PlannedCommand.when(missing, cli.volDelete(POOL, p.volume())));
        }
        for (Part p : base.parts()) {
            out.add(PlannedCommand.when(missing, cli.volCreate(POOL, p.volume(), p.size(), "raw")));
            out.add(PlannedCommand.when(missing, cli.volUpload(POOL, p.volume(), p.file(), uploadTimeout)));
        }
        out.add(PlannedCommand.when(missing, cli.volCreate(POOL, base.marker(), 0, "raw")));
        out.add(PlannedCommand.when(missing, cli.volDelete(POOL, base.lock())));
        out.add(PlannedCommand.when("after the upload (the base is looked up again)", cli.volPath(POOL, base.marker())));
        for (Part p : base.parts()) {
            out.add(PlannedCommand.when("after the upload", cli.volPath(POOL, p.volume())));
        }
        return out;
    }

    /**
     * The base image's volumes, uploaded first if the host lacks a complete copy. One uploader at a time: the
     * {@code .uploading} volume is the lock (creating a volume that exists fails, so only one vmbox gets it);
     * the others wait for the {@code .complete} marker. A marker whose parts are gone is removed and the base
     * sent again.
     */
    Base ensureBase(LibvirtExec exec, BaseUpload base, Duration uploadTimeout, Deadline deadline, Consumer<String> progress) {
        ResolvedImage image = base.image();
        Duration left = deadline.left();
        Duration margin = left.dividedBy(2).compareTo(UPLOAD_POLL) < 0 ? left.dividedBy(2) : UPLOAD_POLL;
        // the wait ends a little before the create's deadline, so its message (and the lock to remove) is what is seen
        Deadline wait = deadline.capped(left.minus(margin).isZero() ? Duration.ofNanos(1) : left.minus(margin));
        return Poll.until("the base image " + image.name() + " at " + uri, () -> {
            Base ready = complete(exec, base);
            if (ready != null) {
                return ready;
            }
            if (!tryCreate(exec, base.lock())) {
                throw new NotReady("another vmbox is uploading it");
            }
            try {
                for (Part part : base.parts()) {
                    delete(exec, part.volume());
                }
                for (Part part : base.parts()) {
                    progress.accept("uploading " + part.file().getFileName() + " of " + image.name() + " ("
                            + part.size() / (1024 * 1024) + " MiB)");
                    upload(exec, part.volume(), part.file(), part.size(), uploadTimeout);
                }
                exec.run(cli.volCreate(POOL, base.marker(), 0, "raw"), "mark the base image " + base.name() + " complete", uri);
            } finally {
                delete(exec, base.lock());
            }
            ready = complete(exec, base);
            if (ready == null) {
                throw new NotReady("its upload is not complete");
            }
            return ready;
        }).every(UPLOAD_POLL)
                .onWait((seen, waited) -> progress.accept("waiting for another vmbox uploading " + image.name() + " to " + uri))
                .onTimeout(ExitCode.TIMEOUT, "another upload of the base image " + image.name() + " to " + uri
                        + " did not finish in time")
                .timeoutHint("if no other vmbox is uploading it, remove its lock: virsh -c " + uri + " vol-delete --pool "
                        + POOL + " " + base.lock())
                .await(wait);
    }

    /** The base's volumes when its marker and every part are there; a marker whose parts are gone is removed. */
    private Base complete(LibvirtExec exec, BaseUpload base) {
        if (path(exec, base.marker()) == null) {
            return null;
        }
        List<String> paths = new ArrayList<>();
        for (Part part : base.parts()) {
            paths.add(path(exec, part.volume()));
        }
        if (!paths.contains(null)) {
            return base.image().directKernelBoot() ? new Base(paths.get(0), paths.get(1), paths.get(2))
                    : new Base(paths.get(0), null, null);
        }
        log.warn("the base image " + base.name() + " at " + uri + " lost a part; sending it again");
        delete(exec, base.marker());
        return null;
    }

    /** Creates an empty volume; false when it exists already (someone else made it first). */
    private boolean tryCreate(LibvirtExec exec, String volume) {
        try {
            exec.run(cli.volCreate(POOL, volume, 0, "raw"));
            return true;
        } catch (CommandFailedException e) {
            if (LibvirtOutput.classify(e.result().stderr()) == LibvirtOutput.Failure.EXISTS) {
                return false;
            }
            throw LibvirtErrors.translate(e, "create the volume " + volume, uri);
        }
    }

    /** Creates {@code volume} of {@code capacity} bytes and sends the file into it; nothing is left on failure. */
    void upload(LibvirtExec exec, String volume, Path file, long capacity, Duration timeout) {
        exec.run(cli.volCreate(POOL, volume, capacity, "raw"), "create the volume " + volume, uri);
        try {
            exec.run(cli.volUpload(POOL, volume, file, timeout), "upload " + file.getFileName() + " to " + volume, uri);
        } catch (RuntimeException e) {
            try {
                delete(exec, volume);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    // ---- one instance's volumes

    Command overlayCommand(String instance, long capacity, BaseUpload base) {
        return cli.volCreateOverlay(POOL, disk(instance), capacity, base.disk(), base.image().format());
    }

    /** The commands that tell whether any volume of the instance exists. */
    List<Command> lookups(String instance) {
        return ofInstance(instance).stream().map(v -> cli.volPath(POOL, v)).toList();
    }

    Command deleteCommand(String volume) {
        return cli.volDelete(POOL, volume);
    }

    Command refreshCommand() {
        return cli.poolRefresh(POOL);
    }

    /** The volume's path on the libvirt host, or null when it (or the pool) does not exist. */
    String path(LibvirtExec exec, String volume) {
        try {
            return exec.run(cli.volPath(POOL, volume)).stdout().strip();
        } catch (CommandFailedException e) {
            LibvirtOutput.Failure f = LibvirtOutput.classify(e.result().stderr());
            if (f == LibvirtOutput.Failure.NO_VOLUME || f == LibvirtOutput.Failure.NO_POOL) {
                return null;
            }
            throw LibvirtErrors.translate(e, "look up the volume " + volume, uri);
        }
    }

    /** Removes a volume; one that (or whose pool) does not exist is not an error. */
    void delete(LibvirtExec exec, String volume) {
        try {
            exec.run(cli.volDelete(POOL, volume));
        } catch (CommandFailedException e) {
            LibvirtOutput.Failure f = LibvirtOutput.classify(e.result().stderr());
            if (f != LibvirtOutput.Failure.NO_VOLUME && f != LibvirtOutput.Failure.NO_POOL) {
                throw LibvirtErrors.translate(e, "delete the volume " + volume, uri);
            }
        }
    }

    /** Lets libvirt see the files virtlogd wrote into the pool (the console log), so they can be deleted. */
    void refresh(LibvirtExec exec) {
        try {
            exec.run(cli.poolRefresh(POOL));
        } catch (CommandFailedException e) {
            if (LibvirtOutput.classify(e.result().stderr()) != LibvirtOutput.Failure.NO_POOL) {
                throw LibvirtErrors.translate(e, "refresh the storage pool " + POOL, uri);
            }
        }
    }

    /** Deletes each volume (after a refresh), going on past failures; returns what failed. */
    List<String> deleteAll(LibvirtExec exec, List<String> volumes) {
        List<String> problems = new ArrayList<>();
        try {
            refresh(exec);
        } catch (VmboxException e) {
            problems.add(e.getMessage());
        }
        for (String v : volumes) {
            try {
                delete(exec, v);
            } catch (VmboxException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    /** Whether any volume of the instance remains (a domain gone, its disks not: a broken instance). */
    boolean anyOf(LibvirtExec exec, String instance) {
        for (String v : ofInstance(instance)) {
            if (path(exec, v) != null) {
                return true;
            }
        }
        return false;
    }
}
