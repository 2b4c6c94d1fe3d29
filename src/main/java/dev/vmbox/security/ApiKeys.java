package dev.vmbox.security;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * An instance's API key: 32 random bytes from {@link SecureRandom}, written on the host as one line
 * ({@code vmbox-} and unpadded base64url) to a 0600 file in the instance's 0700 ssh folder. The host endpoint
 * asks every client for it; runtimes that can check a key themselves (llama-server's and vLLM's
 * {@code --api-key-file}) are given the same file. It never appears in argv, logs or output; {@code vmbox api-key
 * NAME} prints it on request, {@code vmbox env NAME} for clients to evaluate.
 */
public final class ApiKeys {
    static final String PREFIX = "vmbox-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    /** The key in {@code file}, made first if there is none yet (two callers at once get the same key). */
    public static String ensure(Path file) {
        if (Files.isRegularFile(file)) {
            return read(file);
        }
        Path dir = SecureFiles.privateDir(file.toAbsolutePath().getParent());
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp",
                    PosixFilePermissions.asFileAttribute(SecureFiles.FILE_0600));
            Files.write(tmp, (key + "\n").getBytes(StandardCharsets.US_ASCII));
            try {
                Files.createLink(file, tmp); // publishes the complete file, never over another one
            } catch (FileAlreadyExistsException raced) {
                return read(file);
            }
            return key;
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot write the API key " + file + ": " + e.getMessage(),
                    "check free disk space and the permissions of " + dir, e);
        } finally {
            SecureFiles.deleteQuietly(tmp);
        }
    }

    /** The key in {@code file}; NOT_FOUND when there is none, SECURITY when the file is readable by others. */
    public static String read(Path file) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw VmboxException.notFound("the instance has no API key yet (" + file + ")",
                    "it is made at the next 'vmbox tunnel start'");
        }
        try {
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")
                    && !Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS).equals(SecureFiles.FILE_0600)) {
                throw new VmboxException(ExitCode.SECURITY, "the API key " + file + " is not private (mode "
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(file)) + ")", "run: chmod 600 " + file);
            }
            String key = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!key.matches("vmbox-[A-Za-z0-9_-]{43}")) {
                throw new VmboxException(ExitCode.FAILED, "the API key file " + file + " is damaged",
                        "remove it; the next 'vmbox tunnel start' makes a new key");
            }
            return key;
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot read the API key " + file + ": " + e.getMessage(),
                    "check the file's permissions", e);
        }
    }
}
