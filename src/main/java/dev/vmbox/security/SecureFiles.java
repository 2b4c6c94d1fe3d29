package dev.vmbox.security;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Folders and files for secrets: folders 0700, files 0600, written atomically (temp file in the same
 * folder, then rename), so a half-written key or a world-readable moment never exists. On file systems
 * without POSIX permissions (Windows) the default ACLs of the user's profile apply.
 */
public final class SecureFiles {
    static final Set<PosixFilePermission> DIR_0700 = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE_0600 = PosixFilePermissions.fromString("rw-------");

    private SecureFiles() {
    }

    /** Creates {@code dir} (and missing parents) if needed and sets it to 0700. */
    public static Path privateDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            if (posix(dir)) {
                Files.setPosixFilePermissions(dir, DIR_0700);
            }
            return dir;
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot create private folder " + dir + ": " + e.getMessage(),
                    "check that you own the parent folder and the disk is not full", e);
        }
    }

    /** Writes {@code content} to {@code file} with mode 0600, atomically; the parent must exist. */
    public static void writePrivate(Path file, byte[] content) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = posix(dir)
                    ? Files.createTempFile(dir, ".tmp-", ".part", PosixFilePermissions.asFileAttribute(FILE_0600))
                    : Files.createTempFile(dir, ".tmp-", ".part");
            Files.write(tmp, content);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            restrict(file);
        } catch (FileAlreadyExistsException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot write " + file + ": it exists and is not a file", null, e);
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot write " + file + ": " + e.getMessage(),
                    "check permissions and free space", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a 0600 temp file in a 0700 folder
                }
            }
        }
    }

    /** Sets an existing file to 0600. */
    public static void restrict(Path file) {
        try {
            if (posix(file)) {
                Files.setPosixFilePermissions(file, FILE_0600);
            }
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot set permissions 0600 on " + file + ": " + e.getMessage(),
                    "check that you own the file", e);
        }
    }

    static boolean posix(Path p) {
        return Files.getFileAttributeView(p, PosixFileAttributeView.class) != null;
    }
}
