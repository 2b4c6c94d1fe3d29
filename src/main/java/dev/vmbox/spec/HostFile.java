package dev.vmbox.spec;

import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;

/**
 * A file on this host that vmbox is told to read (a model, a runtime bundle): the one rule for it, checked from its
 * attributes before anything opens it. It must be a regular, non-empty file the user can read, on a real file system:
 * a directory, a FIFO (whose open would block until someone writes), a device ({@code /dev/zero} never ends), a socket,
 * a file of the kernel's pseudo file systems ({@code /proc}, {@code /sys}: empty or endless, some block when read) and
 * a symbolic link that loops or leads nowhere are refused without being opened. A symbolic link to a file that passes
 * is accepted (models are often linked into place). The file is read later by whoever asked; one swapped in between by
 * the user themself is not guarded against.
 */
public final class HostFile {
    /** File systems whose files are the kernel's views, not data: never a model or a bundle. */
    private static final Set<String> PSEUDO = Set.of("proc", "sysfs", "devtmpfs", "devpts", "debugfs", "tracefs",
            "securityfs", "cgroup", "cgroup2", "configfs", "efivarfs", "bpf", "pstore", "mqueue", "fusectl",
            "binfmt_misc", "nsfs", "hugetlbfs", "rpc_pipefs");

    private HostFile() {
    }

    /**
     * {@code file} (absolute, normalised) when it is a file vmbox may read, else BAD_INPUT naming {@code what} (e.g.
     * {@code --model-file}) and why.
     */
    public static Path require(Path file, String what) {
        TypedText.of(file.toString(), what);
        Path p = file.toAbsolutePath().normalize();
        BasicFileAttributes a = attributes(p, p, what);
        Path real = p;
        if (a.isSymbolicLink()) {
            try {
                real = p.toRealPath();
            } catch (NoSuchFileException e) {
                throw refused(what, p, "is a symbolic link to nothing (" + e.getFile() + " does not exist)");
            } catch (IOException e) {
                throw refused(what, p, "is a symbolic link that does not lead to a file (" + reason(e) + ")");
            }
            a = attributes(real, p, what);
        }
        if (a.isDirectory()) {
            throw refused(what, p, "is a folder, not a file");
        }
        if (!a.isRegularFile()) {
            throw refused(what, p, "is " + kind(real) + ", not a regular file; vmbox does not open it");
        }
        String fs = fileSystem(real);
        if (PSEUDO.contains(fs)) {
            throw refused(what, p, "is a file of the kernel's " + fs + " file system, not data");
        }
        if (a.size() == 0) {
            throw refused(what, p, "is empty");
        }
        if (!Files.isReadable(real)) {
            throw refused(what, p, "is not readable by you");
        }
        return p;
    }

    private static BasicFileAttributes attributes(Path path, Path given, String what) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw refused(what, given, "does not exist");
        } catch (AccessDeniedException e) {
            throw refused(what, given, "cannot be reached (permission denied on its folder)");
        } catch (IOException e) {
            throw refused(what, given, "cannot be read (" + reason(e) + ")");
        }
    }

    /** What a non-regular file is, from its mode bits (without opening it). */
    private static String kind(Path p) {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "a device, FIFO or socket";
        }
        return switch (mode & 0170000) {
            case 0010000 -> "a FIFO (named pipe)";
            case 0020000 -> "a character device";
            case 0060000 -> "a block device";
            case 0140000 -> "a socket";
            default -> "a device, FIFO or socket";
        };
    }

    /** The type of the file system {@code p} is on ("proc", "ext4"), or "" when it cannot be told. */
    private static String fileSystem(Path p) {
        try {
            return Files.getFileStore(p).type();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String reason(IOException e) {
        return e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : String.valueOf(e.getMessage());
    }

    private static VmboxException refused(String what, Path p, String why) {
        // the path passed TypedText (no control character), so it stays one line as it is
        return VmboxException.badInput(what + " " + p + " " + why,
                "give a regular file you can read: a model as .gguf or .safetensors, a runtime as its release archive");
    }
}
