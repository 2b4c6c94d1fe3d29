package dev.vmbox.download;

import dev.vmbox.VmboxException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/** SHA-256 helpers: digests of files and validation of user-given checksums. */
public final class Sha256 {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    private Sha256() {
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Lower-case hex digest of a file, streamed. */
    public static String of(Path file) {
        MessageDigest md = newDigest();
        try {
            hashInto(file, md);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " to compute its sha256", e);
        }
        return hex(md.digest());
    }

    /** Streams the file's bytes into {@code digest} (any algorithm). */
    public static void hashInto(Path file, MessageDigest digest) throws IOException {
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                digest.update(buf, 0, n);
            }
        }
    }

    public static String of(byte[] data) {
        return hex(newDigest().digest(data));
    }

    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    public static boolean isValid(String hex) {
        return hex != null && HEX64.matcher(hex).matches();
    }

    /**
     * Normalises a user- or file-given checksum: trims, lower-cases, accepts an optional
     * {@code sha256:} prefix; refuses anything that is not 64 hex digits.
     *
     * @param what what the checksum is for, named in the error
     */
    public static String parse(String text, String what) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("sha256:")) {
            t = t.substring("sha256:".length());
        }
        if (!isValid(t)) {
            throw VmboxException.badInput("the sha256 given for " + what + " is not 64 hex digits",
                    "give the checksum as printed by `sha256sum FILE` (64 characters 0-9a-f)");
        }
        return t;
    }
}
