package dev.vmbox.download;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * A folder of verified files keyed by their digest: {@code <root>/sha256/<hex>} (or {@code sha512/<hex>}).
 * Files enter only by an atomic move after their digest matched, so a file under its final name is always
 * complete and verified. Partial downloads live in {@code <root>/partial/<hex>.part} and are resumed from
 * there (the two algorithms' digests differ in length, so their partial names never meet).
 */
public final class ContentCache {
    private final Path root;

    public ContentCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** Where the verified file with this sha256 lives (whether or not it exists yet). */
    public Path pathFor(String sha256) {
        return pathFor(Digest.sha256(sha256, "a cache entry"));
    }

    /** Where the verified file with this digest lives (whether or not it exists yet). */
    public Path pathFor(Digest digest) {
        return root.resolve(digest.algorithm().label()).resolve(digest.hex());
    }

    /** The partial download for this sha256. */
    public Path partialFor(String sha256) {
        return partialFor(Digest.sha256(sha256, "a cache entry"));
    }

    /** The partial download for this digest. */
    public Path partialFor(Digest digest) {
        return root.resolve("partial").resolve(digest.hex() + ".part");
    }

    /** The verified file with this sha256, when the cache holds it. */
    public Optional<Path> find(String sha256) {
        return find(Digest.sha256(sha256, "a cache entry"));
    }

    /** The verified file with this digest, when the cache holds it. */
    public Optional<Path> find(Digest digest) {
        Path p = pathFor(digest);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /**
     * Moves a verified file into the cache under its digest, atomically where the file system can;
     * the caller has checked the digest. Returns the final path.
     */
    public Path commit(Path verifiedFile, Digest digest) {
        Path target = pathFor(digest);
        try {
            ensureDirs(target.getParent());
            try {
                Files.move(verifiedFile, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // Different file system: copy to a temp name beside the target, then rename there.
                Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
                Files.copy(verifiedFile, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Files.deleteIfExists(verifiedFile);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the verified download into " + target, e);
        }
    }

    /**
     * Copies a local file (a user-supplied runtime bundle or model file) into the cache after checking
     * it against the expected digest, or returns the cached copy; never leaves a partial file under
     * the final name.
     */
    public Path importVerified(Path file, String expectedSha256, String what) {
        String want = Sha256.parse(expectedSha256, what);
        if (!Files.isRegularFile(file)) {
            throw dev.vmbox.VmboxException.badInput(what + " " + file + " is not a readable file",
                    "check the path");
        }
        Optional<Path> hit = find(want);
        if (hit.isPresent()) {
            // the cache holds that digest already; the given file must still be that file
            String got = Sha256.of(file);
            if (!got.equals(want)) {
                throw mismatch(what, file, got, want);
            }
            return hit.get();
        }
        try {
            Path partial = partialFor(want);
            ensureDirs(partial.getParent());
            Files.copy(file, partial, StandardCopyOption.REPLACE_EXISTING);
            String got = Sha256.of(partial);
            if (!got.equals(want)) {
                Files.deleteIfExists(partial);
                throw mismatch(what, file, got, want);
            }
            return commit(partial, Digest.sha256(want));
        } catch (IOException e) {
            throw dev.vmbox.VmboxException.failed("cannot copy " + file + " into the cache " + root + ": "
                    + e.getMessage(), "check the free disk space and permissions of " + root, e);
        }
    }

    private static dev.vmbox.VmboxException mismatch(String what, Path file, String got, String want) {
        return new dev.vmbox.VmboxException(dev.vmbox.ExitCode.SECURITY,
                what + " " + file + " has sha256 " + got + " but " + want + " was expected",
                "the file is not the one you meant, or it was altered; get it again from its source");
    }

    Path ensureDirs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            try {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system (Windows): the user's profile folder already restricts access
            }
        }
        return dir;
    }
}
