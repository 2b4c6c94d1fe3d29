package dev.vmbox.provider;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The seed a provider hands to the guest, in one private folder (0700: it holds the guest's SSH host key). A plan names
 * these paths; the files need not exist until the plan runs. A provider may keep scratch files of the create in this
 * folder (a seed image before its upload, a domain XML before virsh reads it): the folder is removed once the VM is made.
 *
 * @param dir the seed folder
 * @param format what the guest reads: cloud-init's NoCloud files, or a runtime image's systemd files
 */
public record SeedFiles(Path dir, Format format) {
    public static final String USER_DATA = "user-data";
    public static final String META_DATA = "meta-data";
    /** The runtime image's seed files (dev.vmbox.cloudinit.ImageSeed writes them). */
    public static final String SYSUSERS = "sysusers.conf";
    public static final String TMPFILES = "tmpfiles.conf";
    /** The volume label of a runtime image's seed disk, which the image's vmbox-seed.service mounts. */
    public static final String IMAGE_SEED_LABEL = "vmboxseed";

    /** What the guest reads from its seed. */
    public enum Format {
        /** cloud-init's NoCloud datasource: {@code user-data} and {@code meta-data} on a volume labelled cidata. */
        NOCLOUD,
        /**
         * A vmbox runtime image, which has no cloud-init: {@code sysusers.conf} and {@code tmpfiles.conf} on a volume
         * labelled {@value #IMAGE_SEED_LABEL}, handed by the image's seed unit to systemd-sysusers and systemd-tmpfiles.
         */
        IMAGE
    }

    public SeedFiles {
        dir = Objects.requireNonNull(dir, "dir").toAbsolutePath();
        Objects.requireNonNull(format, "format");
    }

    /** A NoCloud seed in {@code dir}. */
    public static SeedFiles in(Path dir) {
        return new SeedFiles(dir, Format.NOCLOUD);
    }

    /** A runtime image's seed in {@code dir}. */
    public static SeedFiles forImage(Path dir) {
        return new SeedFiles(dir, Format.IMAGE);
    }

    /** cloud-init's user-data; a runtime image's seed has none (only libvirt boots runtime images). */
    public Path userData() {
        return noCloud(USER_DATA);
    }

    public Path metaData() {
        return noCloud(META_DATA);
    }

    private Path noCloud(String name) {
        if (format != Format.NOCLOUD) {
            throw dev.vmbox.VmboxException.bug("a runtime image's seed has no " + name + " (it has no cloud-init)");
        }
        return dir.resolve(name);
    }

    /** The files that go onto the seed disk, in order. */
    public java.util.List<Path> files() {
        return format == Format.NOCLOUD ? java.util.List.of(userData(), metaData())
                : java.util.List.of(dir.resolve(SYSUSERS), dir.resolve(TMPFILES));
    }

    /** What the seed disk is, for a plan. */
    public String describe() {
        return format == Format.NOCLOUD ? "NoCloud seed disk (user-data, meta-data)"
                : "runtime image's seed disk (" + SYSUSERS + ", " + TMPFILES + ")";
    }

    /** A scratch file of the create inside the seed folder. */
    public Path scratch(String name) {
        return dir.resolve(name);
    }
}
