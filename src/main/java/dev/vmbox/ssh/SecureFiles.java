package dev.vmbox.ssh;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** File checks and writes for key material: private files are 0600 and are refused when others can read them. */
public final class SecureFiles {
    private SecureFiles() {
    }

    /**
     * Refuses a private key that is missing, not a regular file, or readable/writable by group or others
     * (SECURITY). On file systems without POSIX permissions the mode check is skipped.
     */
    public static void checkPrivateKey(Path key) {
        if (key == null || !Files.isRegularFile(key)) {
            throw new VmboxException(ExitCode.NOT_FOUND, "SSH private key not found: " + key,
                    "the instance's key lives in its folder; recreate the instance if it was deleted");
        }
        PosixFileAttributeView view = Files.getFileAttributeView(key, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = view.readAttributes().permissions();
            for (PosixFilePermission p : perms) {
                if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
                    throw new VmboxException(ExitCode.SECURITY, "SSH private key " + key + " is accessible by others (mode "
                            + PosixFilePermissions.toString(perms) + ")", "run: chmod 600 " + key);
                }
            }
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot read permissions of " + key + ": " + e.getMessage(),
                    "check the file", e);
        }
    }

    /** Writes {@code content} to {@code file} atomically with mode 0600 (the folder is created 0700 if missing). */
    public static void writePrivate(Path file, byte[] content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            if (posix(dir.getParent())) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        }
        Path tmp = posix(dir)
                ? Files.createTempFile(dir, ".tmp-", ".part", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(dir, ".tmp-", ".part");
        try {
            Files.write(tmp, content);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static boolean posix(Path p) {
        return p != null && Files.getFileAttributeView(p, PosixFileAttributeView.class) != null;
    }
}
