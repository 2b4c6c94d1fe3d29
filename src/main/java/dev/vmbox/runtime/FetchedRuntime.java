package dev.vmbox.runtime;

import java.nio.file.Path;

/**
 * A runtime archive on the host, verified and ready to upload.
 *
 * @param kind      the runtime
 * @param version   its version (the recipe's; for a user bundle the recipe version it is meant for)
 * @param file      the verified file in the cache
 * @param sha256    its digest
 * @param archive   how to unpack it (tar.zst, tar.gz, zip, or "bundle" for a user wheelhouse)
 * @param verifiedAgainst "pinned" (the recipe), "user" (--runtime-sha256) or "none" (a user bundle without
 *                        a checksum: recorded, not checked)
 */
public record FetchedRuntime(RuntimeKind kind, String version, Path file, String sha256, String archive,
        String verifiedAgainst) {
}
