package dev.vmbox.provider;

/** Where the guest's SSH server is reachable from this host (libvirt: a forwarded loopback port). */
public record SshEndpoint(String host, int port) {
    public SshEndpoint {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }
}
