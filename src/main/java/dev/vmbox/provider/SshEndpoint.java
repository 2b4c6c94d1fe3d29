package dev.vmbox.provider;

import dev.vmbox.ssh.JumpHost;
import java.util.Optional;

/**
 * Where the guest's SSH server is reachable (libvirt: a forwarded loopback port). {@code via} is null when
 * that address is on this host; otherwise it is the host the address belongs to (a remote libvirt host),
 * reached with the system ssh client.
 */
public record SshEndpoint(String host, int port, JumpHost via) {
    public SshEndpoint(String host, int port) {
        this(host, port, null);
    }

    public SshEndpoint {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    public Optional<JumpHost> jumpHost() {
        return Optional.ofNullable(via);
    }
}
