package dev.vmbox.security;

import dev.vmbox.VmboxException;
import dev.vmbox.spec.Names;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Checks OpenSSH public key lines before they go into a guest or a known_hosts file: exactly
 * {@code ssh-ed25519 BASE64 [comment]} on one line, the base64 blob well formed and naming the same
 * key type, the comment plain printable ASCII. Anything else is refused, not repaired.
 */
public final class PublicKeys {
    public static final String ED25519 = "ssh-ed25519";
    private static final int MAX_LINE = 1024;
    private static final Pattern COMMENT = Pattern.compile("[\\x21-\\x7e]([\\x20-\\x7e]{0,254})?");

    private PublicKeys() {
    }

    /** Returns the key line, stripped of surrounding whitespace, or throws BAD_INPUT naming {@code what}. */
    public static String requireEd25519(String line, String what) {
        if (line == null || line.isBlank()) {
            throw VmboxException.badInput("the " + what + " is empty", "give an OpenSSH ed25519 public key line");
        }
        String s = line.strip();
        if (s.length() > MAX_LINE) {
            throw VmboxException.badInput("the " + what + " is too long (" + s.length() + " characters)",
                    "give one OpenSSH ed25519 public key line, as in a .pub file");
        }
        String[] parts = s.split(" ", 3);
        if (parts.length < 2 || !ED25519.equals(parts[0])) {
            throw VmboxException.badInput("the " + what + " " + Names.forMessage(s) + " is not an ssh-ed25519 public key",
                    "give the content of an ed25519 .pub file: 'ssh-ed25519 AAAA… comment'");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw VmboxException.badInput("the " + what + " has a malformed key (bad base64)",
                    "copy the .pub file's line unchanged");
        }
        if (!embeddedTypeIs(blob, ED25519) || blob.length != 4 + ED25519.length() + 4 + 32) {
            throw VmboxException.badInput("the " + what + " has a malformed ed25519 key blob",
                    "copy the .pub file's line unchanged");
        }
        if (parts.length == 3 && !COMMENT.matcher(parts[2]).matches()) {
            throw VmboxException.badInput("the " + what + " has a comment with characters that are not allowed: "
                    + Names.forMessage(parts[2]), "use a comment of printable ASCII characters on one line, or none");
        }
        return s;
    }

    /** The key without its comment: {@code ssh-ed25519 BASE64}. */
    public static String withoutComment(String line) {
        String[] parts = requireEd25519(line, "public key").split(" ", 3);
        return parts[0] + " " + parts[1];
    }

    private static boolean embeddedTypeIs(byte[] blob, String type) {
        if (blob.length < 4) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(blob);
        int len = b.getInt();
        if (len != type.length() || blob.length < 4 + len) {
            return false;
        }
        return new String(blob, 4, len, StandardCharsets.US_ASCII).equals(type);
    }
}
