package dev.vmbox.image;

/** Turns an image name into a base image on this host, fetching and verifying it when that is allowed. */
@FunctionalInterface
public interface ImageResolver {
    /** Throws {@link dev.vmbox.VmboxException} (NOT_FOUND with the command to run) when it cannot. */
    ResolvedImage resolve(String imageName);
}
