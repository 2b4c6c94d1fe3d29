package dev.vmbox.security;

import java.util.Objects;

/**
 * The guest's SSH host key, made on the host: the private key in OpenSSH format (it goes into the
 * seed, nowhere else) and the public key line ({@code ssh-ed25519 AAAA… comment}) that vmbox pins.
 * {@link #toString()} never shows the private key.
 */
public record HostKeyPair(String privateKeyOpenSsh, String publicKey) {
    public HostKeyPair {
        Objects.requireNonNull(privateKeyOpenSsh, "privateKeyOpenSsh");
        if (!privateKeyOpenSsh.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----")
                || !privateKeyOpenSsh.strip().endsWith("-----END OPENSSH PRIVATE KEY-----")) {
            throw new IllegalArgumentException("not an OpenSSH private key");
        }
        publicKey = PublicKeys.requireEd25519(publicKey, "host public key");
    }

    @Override
    public String toString() {
        return "HostKeyPair[publicKey=" + publicKey + ", privateKey=(hidden)]";
    }
}
