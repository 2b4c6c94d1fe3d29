package dev.vmbox.image;

import dev.vmbox.download.Sha256;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A runtime image in the cache: its folder and the manifest beside it.
 *
 * @param name           the image's name ({@code vmbox-llama-cpp-testing})
 * @param folder         its folder in the image cache
 * @param manifest       what is inside it
 * @param manifestSha256 sha256 of its {@value ImageManifest#FILE}, which an instance made from it records
 */
public record RuntimeImage(String name, Path folder, ImageManifest manifest, String manifestSha256) {
    public RuntimeImage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(folder, "folder");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(manifestSha256, "manifestSha256");
    }

    /** The runtime image in {@code folder}; empty when the folder holds no complete image with a manifest. */
    public static Optional<RuntimeImage> in(String name, Path folder) {
        if (ResolvedImage.fromFolder(name, folder).isEmpty()) {
            return Optional.empty();
        }
        return ImageManifest.in(folder).map(m -> new RuntimeImage(name, folder, m,
                Sha256.of(folder.resolve(ImageManifest.FILE))));
    }

    /** One line for people: "llama.cpp 1:0.7.0+dfsg-2 from Debian testing (forky), amd64". */
    public String describe() {
        ImageManifest m = manifest;
        return m.runtime() + (m.runtimePackage() == null ? "" : " " + m.runtimePackage().version()) + " from Debian "
                + m.suite() + (m.codename() == null ? "" : " (" + m.codename() + ")") + ", " + m.architecture();
    }
}
