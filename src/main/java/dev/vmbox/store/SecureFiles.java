package dev.vmbox.store;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Private folders (0700) and files (0600), and atomic writes: a reader sees the old content or the
 * new one, never half of either, even if vmbox is killed mid-write.
 */
public final class SecureFiles {
    public static final Set<PosixFilePermission> DIR_0700 = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> FILE_0600 = PosixFilePermissions.fromString("rw-------");

    private SecureFiles() {
    }

    static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Creates the folder (and parents) if needed and makes it 0700. */
    /**
     * Removes a temporary file (or nothing, for null) as the last act of a {@code finally}: a file that cannot be
     * removed is left, since the error that brought the caller here matters more.
     */
    public static void deleteQuietly(Path tmp) {
        if (tmp == null) {
            return;
        }
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // a leftover temporary file in one of vmbox's own folders
        }
    }

    public static Path privateDir(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                if (posix(dir)) {
                    FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(DIR_0700);
                    try {
                        Files.createDirectories(dir, attr);
                    } catch (FileAlreadyExistsException e) {
                        // raced with another vmbox: fine if it is a folder
                    }
                } else {
                    Files.createDirectories(dir);
                }
            }
            if (posix(dir) && !Files.getPosixFilePermissions(dir).equals(DIR_0700)) {
                Files.setPosixFilePermissions(dir, DIR_0700);
            }
            return dir;
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot create private folder " + dir + ": " + describe(e),
                    "check that the parent folder exists and is writable by you", e);
        }
    }

    /**
     * Writes {@code content} to {@code target} atomically, 0600, fsynced before the rename. A missing
     * parent folder is created 0700.
     */
    public static void writeAtomically(Path target, byte[] content) {
        Path dir = target.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            privateDir(dir);
        }
        Path tmp = null;
        try {
            tmp = posix(dir)
                    ? Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp",
                    PosixFilePermissions.asFileAttribute(FILE_0600))
                    : Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot write " + target + ": " + describe(e),
                    "check free disk space and permissions of " + dir, e);
        } finally {
            deleteQuietly(tmp); // when it is left, it is hidden and harmless
        }
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        String kind = e.getClass().getSimpleName().replace("Exception", "");
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (m != null && m.contains("No space left")) {
            return "no space left on device";
        }
        return m == null ? kind : m;
    }

    /** Sets an existing file to 0600. */
    public static void restrict(Path file) {
        try {
            if (posix(file)) {
                Files.setPosixFilePermissions(file, FILE_0600);
            }
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot set permissions 0600 on " + file + ": " + describe(e),
                    "check that you own the file", e);
        }
    }

    /**
     * Opens {@code file} for writing, creating it 0600 when it is missing (an existing file is set to 0600):
     * for files that are appended to or locked rather than replaced (logs, lock files). The parent must exist.
     */
    public static FileChannel openPrivate(Path file, OpenOption... options) throws IOException {
        Set<OpenOption> opts = new HashSet<>(Arrays.asList(options));
        opts.add(StandardOpenOption.CREATE);
        FileChannel ch = posix(file)
                ? FileChannel.open(file, opts, PosixFilePermissions.asFileAttribute(FILE_0600))
                : FileChannel.open(file, opts);
        try {
            if (posix(file) && !Files.getPosixFilePermissions(file).equals(FILE_0600)) {
                Files.setPosixFilePermissions(file, FILE_0600);
            }
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    /** Creates {@code file} empty and 0600 if it is missing, or makes it 0600; for a file another process appends to. */
    public static Path privateFile(Path file) throws IOException {
        openPrivate(file, StandardOpenOption.WRITE).close();
        return file;
    }

    /** Appends {@code text} (UTF-8) to {@code file}, creating it 0600. */
    public static void appendPrivate(Path file, String text) throws IOException {
        try (FileChannel ch = openPrivate(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }

    /**
     * Refuses a private key that is missing, not a regular file, or readable/writable by group or others
     * (SECURITY). On file systems without POSIX permissions the mode check is skipped.
     */
    public static void checkPrivateKey(Path key) {
        if (key == null || !Files.isRegularFile(key, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new VmboxException(ExitCode.NOT_FOUND, "SSH private key not found: " + key,
                    "the instance's key lives in its folder; recreate the instance if it was deleted");
        }
        if (!posix(key)) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(key, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            for (PosixFilePermission p : perms) {
                if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
                    throw new VmboxException(ExitCode.SECURITY, "SSH private key " + key + " is accessible by others (mode "
                            + PosixFilePermissions.toString(perms) + ")", "run: chmod 600 " + key);
                }
            }
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot read permissions of " + key + ": " + describe(e),
                    "check the file", e);
        }
    }

    /** Deletes a folder tree; symlinks are removed, never followed. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes a)
                    throws IOException {
                Files.delete(file);
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
    }
}
