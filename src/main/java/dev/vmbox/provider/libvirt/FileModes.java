package dev.vmbox.provider.libvirt;

import dev.vmbox.VmboxException;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The file modes of a local libvirt instance. Under {@code qemu:///system} QEMU runs as another user
 * ({@code libvirt-qemu}): folders it must pass through are 0711 (pass, never list), the disks and the domain XML it
 * needs only through libvirt are 0600, and a base image it must read is staged world-readable (0444) in a 0755
 * folder when it sits in a private place.
 */
final class FileModes {
    private FileModes() {
    }

    /** 0711: QEMU (another user under qemu:///system) may pass through, nobody may list. */
    static void traversableDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        }
    }

    static void ownerOnly(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    /** Writes {@code text} to {@code file} (0600 from the start), replacing it atomically. */
    static void writePrivate(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Whether every file of the image is readable by others through folders others may pass. */
    static boolean worldReadable(ResolvedImage image) throws IOException {
        for (Path f : parts(image)) {
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

    /** The image's files: its disk, and kernel and initrd for direct boot. */
    static List<Path> parts(ResolvedImage image) {
        List<Path> files = new ArrayList<>(List.of(image.disk()));
        if (image.directKernelBoot()) {
            files.add(image.kernel());
            files.add(image.initrd());
        }
        return files;
    }

    /**
     * Stages the image's files into {@code folder} (hard links, or copies across file systems), read-only for
     * everyone; the folder appears complete or not at all. Nothing happens when it is there already.
     */
    static void stage(ResolvedImage image, Path folder) throws IOException {
        if (Files.isRegularFile(folder.resolve(ResolvedImage.DISK))) {
            return;
        }
        traversableDirectory(folder.getParent());
        Path staging = Files.createTempDirectory(folder.getParent(), ".stage");
        try {
            stageFile(image.disk(), staging.resolve(ResolvedImage.DISK));
            if (image.directKernelBoot()) {
                stageFile(image.kernel(), staging.resolve(ResolvedImage.KERNEL));
                stageFile(image.initrd(), staging.resolve(ResolvedImage.INITRD));
            }
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(staging, folder, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(staging);
        }
    }

    private static void stageFile(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(from, to);
        }
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("r--r--r--"));
    }

    /** Removes a folder tree (symlinks are removed, never followed); one that is not there is no error. */
    static void deleteTree(Path dir) {
        try {
            SecureFiles.deleteTree(dir);
        } catch (IOException e) {
            throw VmboxException.failed("cannot remove " + dir + ": " + e.getMessage(), "remove it by hand: sudo rm -rf " + dir, e);
        }
    }
}
