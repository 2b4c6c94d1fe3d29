package dev.vmbox.runtime;

import java.net.URI;

/**
 * One pinned release archive of a runtime.
 *
 * @param platform   {@code linux-amd64} or {@code linux-arm64} (the guest's)
 * @param url        where upstream publishes it
 * @param sha256     its digest, checked before it goes anywhere near the guest
 * @param sizeBytes  its size, or -1 when not pinned
 * @param archive    {@code tar.zst}, {@code tar.gz} or {@code zip}: how the guest unpacks it
 * @param provenance how the digest was checked when it was pinned
 */
public record RuntimeArtifact(String platform, URI url, String sha256, long sizeBytes, String archive, String provenance) {
}
