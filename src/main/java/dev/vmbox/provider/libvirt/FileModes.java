package dev.vmbox.provider.libvirt;

import dev.vmbox.VmboxException;
import dev.vmbox.image.ContentTag;
import dev.vmbox.image.ResolvedImage;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The file modes of a local libvirt instance. Under {@code qemu:///system} QEMU runs as another user
 * ({@code libvirt-qemu}): folders it must pass through are 0711 (pass, never list), the disks and the domain XML it
 * needs only through libvirt are 0600, the seed is made in a 0700 folder, and a base image it must read is staged as a
 * world-readable copy (0444) in a 0755 folder when it sits in a private place.
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

    /** A new folder only vmbox's user can enter (0700 from the start, whatever the umask); it must not exist yet. */
    static void privateDirectory(Path dir) throws IOException {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
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

    /** The image as it is in {@code folder}: its files under their usual names there. */
    static ResolvedImage inFolder(ResolvedImage image, Path folder) {
        return new ResolvedImage(image.name(), folder.resolve(ResolvedImage.DISK), image.format(),
                image.directKernelBoot() ? folder.resolve(ResolvedImage.KERNEL) : null,
                image.directKernelBoot() ? folder.resolve(ResolvedImage.INITRD) : null, image.cmdline());
    }

    /**
     * Stages the image's files into {@code folder}, named by the image's content tag: copies, never links (libvirt
     * hands the staged files to QEMU's user, which must never own the user's own cache), read-only for everyone; the
     * folder appears complete or not at all. A folder that is there already is used only when its files still have
     * the content its name promises (checked by their content tag, which is recomputed whenever a file's inode, size,
     * modification or change time moved); one whose bytes changed is set aside and made again from the image.
     */
    static void stage(ResolvedImage image, Path folder, Consumer<String> progress) throws IOException {
        String expected = ContentTag.of(image);
        if (!folder.getFileName().toString().endsWith("-" + expected)) {
            throw new IllegalArgumentException("staging folder " + folder + " is not named by the image's content " + expected);
        }
        if (Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            if (intact(image, folder, expected)) {
                return;
            }
            progress.accept("the staged copy of " + image.name() + " in " + folder + " has changed: making it again");
        }
        traversableDirectory(folder.getParent());
        Path staging = Files.createTempDirectory(folder.getParent(), ".stage");
        Path aside = null;
        try {
            progress.accept("copying " + image.name() + " to " + folder);
            List<Path> from = parts(image);
            List<Path> to = parts(inFolder(image, staging));
            for (int i = 0; i < from.size(); i++) {
                Files.copy(from.get(i), to.get(i));
                Files.setPosixFilePermissions(to.get(i), PosixFilePermissions.fromString("r--r--r--"));
            }
            if (!ContentTag.of(inFolder(image, staging)).equals(expected)) {
                throw VmboxException.failed("the copy of the image " + image.name() + " in " + staging + " does not match "
                        + "the image (content tag " + expected + "); it changed while it was copied",
                        "run the create again; if it fails again, rebuild the image (vmbox image build)", null);
            }
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
                aside = Files.createTempDirectory(folder.getParent(), ".changed");
                Files.move(folder, aside.resolve("base"), StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staging, folder, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(staging);
            if (aside != null) {
                deleteTree(aside);
            }
        }
    }

    /** Whether the staged files in {@code folder} (real files, no links) still have the content tag {@code expected}. */
    private static boolean intact(ResolvedImage image, Path folder, String expected) throws IOException {
        ResolvedImage staged = inFolder(image, folder);
        for (Path p : parts(staged)) {
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
        }
        return ContentTag.of(staged).equals(expected);
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
