package dev.vmbox.provider.libvirt;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandFailedException;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.log.EventLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

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
 * again; an {@code .uploading} volume keeps a second vmbox from uploading the same base at the same time. Volumes are created 0600 root by libvirt; QEMU gets them by libvirt's relabelling at start.
 */
final class PoolVolumes {
    static final String POOL = "vmbox";
    /** Where the pool is made when the host has none: beside, not inside, the local layout's folder. */
    static final String DEFAULT_TARGET = "/var/lib/libvirt/images/vmbox-pool";

    /** A base image as volumes: the disk's path on the libvirt host, and kernel/initrd for direct boot. */
    record Base(String disk, String kernel, String initrd) {
    }

    private final CommandRunner runner;
    private final LibvirtCli cli;
    private final String uri;
    private final EventLog log;

    PoolVolumes(CommandRunner runner, LibvirtCli cli, String uri, EventLog log) {
        this.runner = runner;
        this.cli = cli;
        this.uri = uri;
        this.log = log;
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

    /** The base volumes' common name: image name plus a tag of its content (sha256 of disk, kernel, initrd). */
    static String baseName(ResolvedImage image) throws IOException {
        return "_base-" + image.name() + "-" + dev.vmbox.image.ContentTag.of(image);
    }

    /** Makes the pool when the host has none (a directory pool, autostarted), starts it; returns its folder. */
    String ensurePool(Instant deadline) {
        try {
            String info = runner.run(within(cli.poolInfo(POOL), deadline)).stdout();
            if (!LibvirtOutput.poolRunning(info)) {
                run(cli.poolStart(POOL), deadline, "start the storage pool " + POOL);
            }
        } catch (CommandFailedException e) {
            if (LibvirtOutput.classify(e.result().stderr()) != LibvirtOutput.Failure.NO_POOL) {
                throw LibvirtErrors.translate(e, "read the storage pool " + POOL, uri);
            }
            log.debug("libvirt: making the storage pool " + POOL + " at " + DEFAULT_TARGET + " on " + uri);
            run(cli.poolDefineDir(POOL, DEFAULT_TARGET), deadline, "define the storage pool " + POOL);
            run(cli.poolBuild(POOL), deadline, "build the storage pool " + POOL);
            run(cli.poolStart(POOL), deadline, "start the storage pool " + POOL);
            run(cli.poolAutostart(POOL), deadline, "autostart the storage pool " + POOL);
        }
        String xml = run(cli.poolDumpxml(POOL), deadline, "read the storage pool " + POOL).stdout();
        return LibvirtOutput.poolPath(xml).orElseThrow(() -> new VmboxException(ExitCode.UNAVAILABLE,
                "the storage pool '" + POOL + "' at " + uri + " is not a folder of files",
                "vmbox needs a directory pool called " + POOL + "; remove the other one or rename it"));
    }

    /**
     * The base image's volumes, uploaded first if the host lacks a complete copy. One uploader at a time: the
     * {@code .uploading} volume is the lock (creating a volume that exists fails, so only one vmbox gets it);
     * the others wait for the {@code .complete} marker. A marker whose parts are gone is removed and the base
     * sent again.
     */
    Base ensureBase(ResolvedImage image, Instant deadline, java.util.function.Consumer<String> progress) throws IOException {
        String name = baseName(image);
        List<String[]> parts = new ArrayList<>();
        parts.add(new String[] {name + ".disk", image.disk().toString()});
        if (image.directKernelBoot()) {
            parts.add(new String[] {name + ".vmlinuz", image.kernel().toString()});
            parts.add(new String[] {name + ".initrd", image.initrd().toString()});
        }
        String marker = name + ".complete";
        String lock = name + ".uploading";
        while (true) {
            if (path(marker, deadline) != null) {
                List<String> paths = new ArrayList<>();
                for (String[] part : parts) {
                    paths.add(path(part[0], deadline));
                }
                if (!paths.contains(null)) {
                    return image.directKernelBoot() ? new Base(paths.get(0), paths.get(1), paths.get(2))
                            : new Base(paths.get(0), null, null);
                }
                log.warn("the base image " + name + " at " + uri + " lost a part; sending it again");
                delete(marker, deadline);
            }
            if (tryCreate(lock, deadline)) {
                try {
                    for (String[] part : parts) {
                        delete(part[0], deadline);
                    }
                    for (String[] part : parts) {
                        progress.accept("uploading " + Path.of(part[1]).getFileName() + " of " + image.name() + " ("
                                + Files.size(Path.of(part[1])) / (1024 * 1024) + " MiB)");
                        upload(part[0], Path.of(part[1]), deadline);
                    }
                    run(cli.volCreate(POOL, marker, 0, "raw"), deadline, "mark the base image " + name + " complete");
                } finally {
                    delete(lock, Instant.now().plus(LibvirtCli.CHANGE));
                }
                continue;
            }
            progress.accept("waiting for another vmbox uploading " + image.name() + " to " + uri);
            if (Duration.between(Instant.now(), deadline).compareTo(UPLOAD_POLL) <= 0) {
                throw new VmboxException(ExitCode.TIMEOUT, "another upload of the base image " + image.name() + " to " + uri
                        + " did not finish in time", "if no other vmbox is uploading it, remove its lock: virsh -c " + uri
                        + " vol-delete --pool " + POOL + " " + lock);
            }
            LibvirtProvider.sleep(UPLOAD_POLL);
        }
    }

    private static final Duration UPLOAD_POLL = Duration.ofSeconds(5);

    /** Creates an empty volume; false when it exists already (someone else made it first). */
    private boolean tryCreate(String volume, Instant deadline) {
        try {
            runner.run(within(cli.volCreate(POOL, volume, 0, "raw"), deadline));
            return true;
        } catch (CommandFailedException e) {
            if (LibvirtOutput.classify(e.result().stderr()) == LibvirtOutput.Failure.EXISTS) {
                return false;
            }
            throw LibvirtErrors.translate(e, "create the volume " + volume, uri);
        }
    }

    /** Creates {@code volume} exactly as large as {@code file} and sends the file into it; nothing is left on failure. */
    void upload(String volume, Path file, Instant deadline) throws IOException {
        long size = Files.size(file);
        run(cli.volCreate(POOL, volume, size, "raw"), deadline, "create the volume " + volume);
        try {
            run(cli.volUpload(POOL, volume, file, LibvirtProvider.remaining(deadline)), deadline, "upload " + file.getFileName() + " to "
                    + volume);
        } catch (RuntimeException e) {
            try {
                delete(volume, Instant.now().plus(LibvirtCli.CHANGE));
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    void createOverlay(String volume, long capacity, String backingVolume, String backingFormat, Instant deadline) {
        run(cli.volCreateOverlay(POOL, volume, capacity, backingVolume, backingFormat), deadline, "create the disk "
                + volume);
    }

    /** The volume's path on the libvirt host, or null when it (or the pool) does not exist. */
    String path(String volume, Instant deadline) {
        try {
            return runner.run(within(cli.volPath(POOL, volume), deadline)).stdout().strip();
        } catch (CommandFailedException e) {
            LibvirtOutput.Failure f = LibvirtOutput.classify(e.result().stderr());
            if (f == LibvirtOutput.Failure.NO_VOLUME || f == LibvirtOutput.Failure.NO_POOL) {
                return null;
            }
            throw LibvirtErrors.translate(e, "look up the volume " + volume, uri);
        }
    }

    /** Removes a volume; one that (or whose pool) does not exist is not an error. */
    void delete(String volume, Instant deadline) {
        try {
            runner.run(within(cli.volDelete(POOL, volume), deadline));
        } catch (CommandFailedException e) {
            LibvirtOutput.Failure f = LibvirtOutput.classify(e.result().stderr());
            if (f != LibvirtOutput.Failure.NO_VOLUME && f != LibvirtOutput.Failure.NO_POOL) {
                throw LibvirtErrors.translate(e, "delete the volume " + volume, uri);
            }
        }
    }

    /** Lets libvirt see the files virtlogd wrote into the pool (the console log), so they can be deleted. */
    void refresh(Instant deadline) {
        try {
            runner.run(within(cli.poolRefresh(POOL), deadline));
        } catch (CommandFailedException e) {
            if (LibvirtOutput.classify(e.result().stderr()) != LibvirtOutput.Failure.NO_POOL) {
                throw LibvirtErrors.translate(e, "refresh the storage pool " + POOL, uri);
            }
        }
    }

    /** Whether any volume of the instance remains (a domain gone, its disks not: a broken instance). */
    boolean anyOf(String instance, Instant deadline) {
        for (String v : ofInstance(instance)) {
            if (path(v, deadline) != null) {
                return true;
            }
        }
        return false;
    }

    private CommandResult run(Command command, Instant deadline, String action) {
        try {
            return runner.run(within(command, deadline));
        } catch (CommandFailedException e) {
            throw LibvirtErrors.translate(e, action, uri);
        }
    }

    private static Command within(Command command, Instant deadline) {
        return command.withTimeout(LibvirtProvider.min(command.timeout(), LibvirtProvider.remaining(deadline)));
    }
}
