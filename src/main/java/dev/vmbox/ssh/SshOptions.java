package dev.vmbox.ssh;

import java.time.Duration;
import java.util.Objects;

/**
 * Connection settings. Algorithms are not configurable: vmbox offers only curve25519 key exchange,
 * the pinned host key's type, AES-GCM/AES-CTR ciphers and SHA-2 MACs.
 *
 * @param connectTimeout     TCP connect + handshake + authentication, per attempt
 * @param channelTimeout     opening one channel (exec, sftp)
 * @param keepaliveInterval  server-alive probe interval on an idle connection
 * @param keepaliveCountMax  unanswered probes before the connection is declared dead
 * @param connectAttempts    attempts when the server is not reachable yet (refused, reset); never retried
 *                           for host-key or authentication failures
 */
public record SshOptions(Duration connectTimeout, Duration channelTimeout, Duration keepaliveInterval,
                         int keepaliveCountMax, int connectAttempts) {
    public SshOptions {
        Objects.requireNonNull(connectTimeout);
        Objects.requireNonNull(channelTimeout);
        Objects.requireNonNull(keepaliveInterval);
        if (connectTimeout.isNegative() || connectTimeout.isZero() || channelTimeout.isNegative() || channelTimeout.isZero()
                || keepaliveInterval.toMillis() < 100 || keepaliveCountMax < 1 || connectAttempts < 1) {
            throw new IllegalArgumentException("invalid SSH options");
        }
    }

    public static SshOptions defaults() {
        return new SshOptions(Duration.ofSeconds(15), Duration.ofSeconds(15), Duration.ofSeconds(10), 3, 3);
    }

    public SshOptions withKeepalive(Duration interval, int countMax) {
        return new SshOptions(connectTimeout, channelTimeout, interval, countMax, connectAttempts);
    }

    public SshOptions withConnectAttempts(int attempts) {
        return new SshOptions(connectTimeout, channelTimeout, keepaliveInterval, keepaliveCountMax, attempts);
    }

    public SshOptions withConnectTimeout(Duration timeout) {
        return new SshOptions(timeout, channelTimeout, keepaliveInterval, keepaliveCountMax, connectAttempts);
    }

    static final String KEX = "curve25519-sha256,curve25519-sha256@libssh.org";
    static final String CIPHERS = "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes256-ctr";
    static final String MACS = "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512";
    static final String PUBKEY_ALGORITHMS = "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256";
}
