package dev.vmbox.ssh;

import dev.vmbox.VmboxException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and as whom to log in: the guest's sshd address, the admin user, the instance's private key
 * file (0600) and the guest's pinned host public key ({@code "ssh-ed25519 AAAA..."}). {@code jump} is null
 * when {@code host:port} is reachable from here; otherwise it is the host through which it is reached
 * ({@code host} and {@code port} are then as seen from that host).
 */
public record SshTarget(String host, int port, String user, Path privateKey, String pinnedHostKey, JumpHost jump) {
    public SshTarget(String host, int port, String user, Path privateKey, String pinnedHostKey) {
        this(host, port, user, privateKey, pinnedHostKey, null);
    }

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

    public Optional<JumpHost> jumpHost() {
        return Optional.ofNullable(jump);
    }

    /** {@code user@host:port} (and the hop, if any), for messages. */
    public String display() {
        return user + "@" + host + ":" + port + (jump == null ? "" : " via " + jump.display());
    }
}
