package dev.vmbox.ssh;

import dev.vmbox.store.SecureFiles;
import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;

/**
 * The one host key an instance's sshd may present, in OpenSSH public-key form
 * ({@code ssh-ed25519 AAAA... [comment]}). vmbox makes the guest's host key itself and pins it; it never
 * learns a key from the network (no trust-on-first-use).
 */
public final class PinnedHostKey {
    /** The alias under which the key is stored in an OpenSSH known_hosts file written by vmbox. */
    public static final String KNOWN_HOSTS_ALIAS = "vmbox-pinned-host";

    private static final Set<String> ACCEPTED_TYPES = Set.of("ssh-ed25519", "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "ssh-rsa");

    private final String type;
    private final byte[] blob;

    private PinnedHostKey(String type, byte[] blob) {
        this.type = type;
        this.blob = blob;
    }

    /** Parses {@code "ssh-ed25519 AAAA... comment"}; bad input is a BAD_INPUT error. */
    public static PinnedHostKey parse(String publicKeyLine) {
        if (publicKeyLine == null || publicKeyLine.isBlank()) {
            throw VmboxException.badInput("no pinned SSH host key given",
                    "the instance record must hold the guest's host public key (ssh-ed25519 AAAA...)");
        }
        String[] parts = publicKeyLine.strip().split("\\s+");
        if (parts.length < 2 || !ACCEPTED_TYPES.contains(parts[0])) {
            throw VmboxException.badInput("pinned SSH host key is not an OpenSSH public key line",
                    "expected 'ssh-ed25519 AAAA...' (the content of a .pub file)");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw VmboxException.badInput("pinned SSH host key is not valid base64", "copy the whole .pub line");
        }
        String embedded = embeddedType(blob);
        if (!parts[0].equals(embedded)) {
            throw VmboxException.badInput("pinned SSH host key says '" + parts[0] + "' but contains a '"
                    + embedded + "' key", "copy the whole .pub line unchanged");
        }
        return new PinnedHostKey(parts[0], blob);
    }

    private static String embeddedType(byte[] blob) {
        try {
            ByteBuffer b = ByteBuffer.wrap(blob);
            int len = b.getInt();
            if (len <= 0 || len > 64 || len > b.remaining()) {
                return "?";
            }
            byte[] name = new byte[len];
            b.get(name);
            return new String(name, StandardCharsets.US_ASCII);
        } catch (RuntimeException e) {
            return "?";
        }
    }

    public String type() {
        return type;
    }

    public byte[] blob() {
        return blob.clone();
    }

    public boolean matches(byte[] presented) {
        return presented != null && MessageDigest.isEqual(blob, presented);
    }

    /** The key's algorithm name as offered in the SSH handshake. */
    String hostKeyAlgorithm() {
        return type.equals("ssh-rsa") ? "rsa-sha2-512,rsa-sha2-256" : type;
    }

    /** {@code SHA256:...} as OpenSSH prints it. */
    public String fingerprint() {
        return fingerprint(blob);
    }

    public static String fingerprint(byte[] keyBlob) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(keyBlob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public key line without comment. */
    public String toOpenSsh() {
        return type + " " + Base64.getEncoder().encodeToString(blob);
    }

    /**
     * Writes an OpenSSH known_hosts file holding only this key under {@link #KNOWN_HOSTS_ALIAS}, mode
     * 0600, for the system {@code ssh} client (see {@link SshCommandLine}).
     */
    public void writeKnownHosts(Path file) throws IOException {
        SecureFiles.writeAtomically(file, (KNOWN_HOSTS_ALIAS + " " + toOpenSsh() + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PinnedHostKey k && type.equals(k.type) && Arrays.equals(blob, k.blob);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(blob);
    }

    @Override
    public String toString() {
        return type + " " + fingerprint();
    }
}
