package dev.vmbox.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A base image ready to back VM overlays. Either a bootable disk (cloud images: the firmware boots its
 * boot loader) or a root filesystem plus kernel and initrd for direct kernel boot (images vmbox builds).
 * The base is never written: every VM gets its own qcow2 overlay on it.
 *
 * @param name    the image name ({@code vmbox-debian-12}, {@code ubuntu-24.04}, ...)
 * @param disk    absolute path of the base disk
 * @param format  its format as qemu-img names it: {@code qcow2} or {@code raw}
 * @param kernel  the kernel for direct boot, or null to boot from the disk
 * @param initrd  the initrd for direct boot, or null
 * @param cmdline the kernel command line for direct boot, or null
 */
public record ResolvedImage(String name, Path disk, String format, Path kernel, Path initrd, String cmdline) {
    public static final String DISK = "disk.qcow2";
    public static final String KERNEL = "vmlinuz";
    public static final String INITRD = "initrd.img";
    public static final String CMDLINE = "cmdline";

    public ResolvedImage {
        Objects.requireNonNull(name, "name");
        disk = Objects.requireNonNull(disk, "disk").toAbsolutePath();
        if (!format.equals("qcow2") && !format.equals("raw")) {
            throw new IllegalArgumentException("unsupported image format: " + format);
        }
        if ((kernel == null) != (initrd == null)) {
            throw new IllegalArgumentException("kernel and initrd go together");
        }
        kernel = kernel == null ? null : kernel.toAbsolutePath();
        initrd = initrd == null ? null : initrd.toAbsolutePath();
    }

    public boolean directKernelBoot() {
        return kernel != null;
    }

    /**
     * Reads an image folder as written by the image builder ({@code disk.qcow2}, and for direct boot
     * {@code vmlinuz}, {@code initrd.img}, {@code cmdline}). Empty when the folder is not a complete image.
     */
    public static Optional<ResolvedImage> fromFolder(String name, Path folder) {
        Path disk = folder.resolve(DISK);
        if (!Files.isRegularFile(disk)) {
            return Optional.empty();
        }
        Path kernel = folder.resolve(KERNEL);
        Path initrd = folder.resolve(INITRD);
        if (Files.isRegularFile(kernel) && Files.isRegularFile(initrd)) {
            String cmdline;
            try {
                cmdline = Files.isRegularFile(folder.resolve(CMDLINE))
                        ? Files.readString(folder.resolve(CMDLINE)).strip() : "root=LABEL=root ro console=ttyS0";
            } catch (java.io.IOException e) {
                return Optional.empty();
            }
            return Optional.of(new ResolvedImage(name, disk, "qcow2", kernel, initrd, cmdline));
        }
        return Optional.of(new ResolvedImage(name, disk, "qcow2", null, null, null));
    }
}
