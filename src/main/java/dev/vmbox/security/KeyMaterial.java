package dev.vmbox.security;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The keys of one instance, all made on the host by {@link SshKeys#generate}: the client key vmbox
 * logs in with, and the guest's host key that goes into the seed and is pinned in known_hosts.
 * Private key files are 0600 in a 0700 folder.
 *
 * @param clientPrivateKey    file of the client's private key (what {@code ssh -i} takes)
 * @param clientPublicKey     the client's public key line, for the guest's authorized_keys
 * @param hostPrivateKey      file of the guest's host private key
 * @param hostKey             the guest's host key pair, as text, for the seed and known_hosts
 */
public record KeyMaterial(Path clientPrivateKey, String clientPublicKey, Path hostPrivateKey, HostKeyPair hostKey) {
    public KeyMaterial {
        Objects.requireNonNull(clientPrivateKey, "clientPrivateKey");
        Objects.requireNonNull(hostPrivateKey, "hostPrivateKey");
        Objects.requireNonNull(hostKey, "hostKey");
        clientPublicKey = PublicKeys.requireEd25519(clientPublicKey, "client public key");
    }
}
