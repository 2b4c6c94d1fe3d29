package dev.vmbox.ssh;

import dev.vmbox.VmboxException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where and as whom to log in: the guest's sshd address, the admin user, the instance's private key
 * file (0600) and the guest's pinned host public key ({@code "ssh-ed25519 AAAA..."}).
 */
public record SshTarget(String host, int port, String user, Path privateKey, String pinnedHostKey) {
    public SshTarget {
        Objects.requireNonNull(privateKey, "privateKey");
        if (host == null || !host.matches("[A-Za-z0-9.:\\[\\]_-]+") || host.startsWith("-")) {
            throw VmboxException.badInput("invalid SSH host: " + host, "use an IP address or a host name");
        }
        if (port < 1 || port > 65535) {
            throw VmboxException.badInput("invalid SSH port: " + port, "use a port between 1 and 65535");
        }
        if (user == null || !user.matches("[a-z_][a-z0-9_.-]{0,31}")) {
            throw VmboxException.badInput("invalid SSH user name: " + user, "use a lower-case POSIX user name");
        }
        PinnedHostKey.parse(pinnedHostKey);
    }

    public PinnedHostKey hostKey() {
        return PinnedHostKey.parse(pinnedHostKey);
    }

    /** {@code user@host:port}, for messages. */
    public String display() {
        return user + "@" + host + ":" + port;
    }
}
