package dev.vmbox.image;

import java.util.Optional;

/** Turns an image name into a base image on this host, fetching and verifying it when that is allowed. */
@FunctionalInterface
public interface ImageResolver {
    /** Throws {@link dev.vmbox.VmboxException} (NOT_FOUND with the command to run) when it cannot. */
    ResolvedImage resolve(String imageName);

    /** The image if it is on this host already; never downloads or builds (a dry run asks this). */
    default Optional<ResolvedImage> cached(String imageName) {
        return Optional.empty();
    }
}
