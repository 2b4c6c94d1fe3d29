package dev.vmbox.image;

import dev.vmbox.VmboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The base images under {@code VMBOX_HOME/_cache/images/<name>/}: the locally built Debian image
 * ({@value #BUILT_IMAGE}, made by {@link ImageBuilder}) and official cloud images from
 * {@link CloudImage#catalog()}, downloaded and verified on first use. A folder only ever appears complete
 * (builds and downloads finish in a temp name and are moved into place).
 */
public final class ImageCache implements ImageResolver {
    /** The default image: minimal Debian built locally from Debian's signed packages. */
    public static final String BUILT_IMAGE = "vmbox-debian-12";

    private final Path root;
    private final ImageDownloader downloader;
    private final Map<String, CloudImage> catalog;
    private final Duration downloadTimeout;

    /**
     * @param home            the vmbox home folder (VMBOX_HOME)
     * @param downloader      fetches and verifies cloud images
     * @param catalog         the cloud images {@code --image} accepts, by name
     * @param downloadTimeout how long one image download may take
     */
    public ImageCache(Path home, ImageDownloader downloader, Map<String, CloudImage> catalog, Duration downloadTimeout) {
        this.root = home.resolve("_cache").resolve("images");
        this.downloader = Objects.requireNonNull(downloader, "downloader");
        this.catalog = Map.copyOf(catalog);
        this.downloadTimeout = downloadTimeout;
    }

    public Path root() {
        return root;
    }

    public Path folderOf(String name) {
        if (!name.matches("[a-z0-9][a-z0-9.-]*")) {
            throw VmboxException.badInput("invalid image name '" + name + "'", "known images: " + knownNames());
        }
        return root.resolve(name);
    }

    /** The image if it is already in the cache; never downloads or builds. */
    public Optional<ResolvedImage> cached(String name) {
        return ResolvedImage.fromFolder(name, folderOf(name));
    }

    @Override
    public ResolvedImage resolve(String name) {
        Optional<ResolvedImage> hit = cached(name);
        if (hit.isPresent()) {
            return hit.get();
        }
        if (name.equals(BUILT_IMAGE)) {
            throw VmboxException.notFound("the default image " + BUILT_IMAGE + " has not been built yet",
                    "run: sudo vmbox image build   (about 5 minutes; needs mmdebstrap), or pick a cloud image with --image "
                            + String.join("|", catalog.keySet()));
        }
        CloudImage image = catalog.get(name);
        if (image == null) {
            throw VmboxException.badInput("unknown image '" + name + "'", "known images: " + knownNames());
        }
        return download(image);
    }

    /** Downloads and verifies a cloud image into the cache (replacing nothing that is already there). */
    public ResolvedImage download(CloudImage image) {
        Path folder = folderOf(image.name());
        Path staging = root.resolve("." + image.name() + ".download");
        try {
            createPrivateDirectories(root);
            Files.createDirectories(staging);
            String checksum = downloader.download(image, staging.resolve(ResolvedImage.DISK), downloadTimeout);
            Files.writeString(staging.resolve("SOURCE"), image.imageUri() + "\n" + image.algorithm() + " " + checksum
                    + " (verified against " + image.checksumsUri() + ")\n");
            Files.move(staging, folder, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw VmboxException.failed("cannot store image " + image.name() + " in " + root + ": " + e.getMessage(),
                    "check free space and permissions of the vmbox home folder", e);
        } finally {
            deleteTree(staging);
        }
        return cached(image.name()).orElseThrow();
    }

    /** The images now in the cache. */
    public List<ResolvedImage> list() {
        List<ResolvedImage> images = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return images;
        }
        try (Stream<Path> s = Files.list(root)) {
            s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted()
                    .forEach(p -> ResolvedImage.fromFolder(p.getFileName().toString(), p).ifPresent(images::add));
        } catch (IOException e) {
            throw VmboxException.failed("cannot list " + root + ": " + e.getMessage(), "check its permissions", e);
        }
        return images;
    }

    private String knownNames() {
        List<String> names = new ArrayList<>();
        names.add(BUILT_IMAGE);
        names.addAll(catalog.keySet());
        return String.join(", ", names);
    }

    static void createPrivateDirectories(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            try {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: nothing to tighten
            }
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort cleanup of a temp folder
                }
            });
        } catch (IOException ignored) {
            // best effort cleanup of a temp folder
        }
    }
}
