package dev.vmbox.image;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.Digest;
import dev.vmbox.download.DownloadListener;
import dev.vmbox.download.DownloadRequest;
import dev.vmbox.download.Downloader;
import dev.vmbox.download.UrlPolicy;
import dev.vmbox.store.FileNames;
import dev.vmbox.wait.Deadline;
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
 *
 * <p>A cloud image comes through vmbox's one download stack ({@link Downloader}): the publisher's checksum
 * list first (bounded in size), then the image into the digest-keyed download cache (resumed after an
 * interruption, ended by the stall guard when the server stops sending), and only the verified file is
 * moved into the image's folder.
 */
public final class ImageCache implements ImageResolver {
    /** The default image: minimal Debian built locally from Debian's signed packages. */
    public static final String BUILT_IMAGE = "vmbox-debian-12";

    private final Path root;
    private final Downloader downloader;
    private final ContentCache downloads;
    private final Map<String, CloudImage> catalog;
    private final Duration downloadTimeout;

    /**
     * @param home            the vmbox home folder (VMBOX_HOME)
     * @param downloader      fetches checksum lists and images
     * @param downloads       the digest-keyed download cache the image passes through (and resumes from)
     * @param catalog         the cloud images {@code --image} accepts, by name
     * @param downloadTimeout how long one image download may take in all
     */
    public ImageCache(Path home, Downloader downloader, ContentCache downloads, Map<String, CloudImage> catalog,
            Duration downloadTimeout) {
        this.root = home.resolve(FileNames.CACHE_DIR).resolve(FileNames.IMAGES_DIR);
        this.downloader = Objects.requireNonNull(downloader, "downloader");
        this.downloads = Objects.requireNonNull(downloads, "downloads");
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
                    "run: " + ImageBuilder.BUILD_COMMAND + "   (about 5 minutes; needs mmdebstrap), or pick a cloud image"
                            + " with --image " + String.join("|", catalog.keySet()));
        }
        CloudImage image = catalog.get(name);
        if (image == null) {
            throw VmboxException.badInput("unknown image '" + name + "'", "known images: " + knownNames());
        }
        return download(image);
    }

    /** Downloads and verifies a cloud image into the cache (replacing nothing that is already there). */
    public ResolvedImage download(CloudImage image) {
        Deadline deadline = Deadline.in(downloadTimeout);
        Path folder = folderOf(image.name());
        Path staging = root.resolve("." + image.name() + ".download");
        try {
            createPrivateDirectories(root);
            Digest digest = downloader.publishedDigest(image.checksumsUri(), image.fileName(), image.algorithm(),
                    Downloader.MAX_CHECKSUM_LIST_BYTES);
            Path verified = downloader.fetch(DownloadRequest.of(image.imageUri(), digest).withName(image.fileName()),
                    downloads, DownloadListener.NONE, deadline);
            deleteTree(staging);
            Files.createDirectories(staging);
            Files.move(verified, staging.resolve(ResolvedImage.DISK));
            Files.writeString(staging.resolve("SOURCE"), image.imageUri() + "\n" + image.algorithm().jcaName() + " "
                    + digest.hex() + " (verified against " + image.checksumsUri() + ")\n");
            Files.move(staging, folder, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (VmboxException e) {
            if (Downloader.unreachable(e)) {
                throw new VmboxException(ExitCode.UNAVAILABLE, "cannot reach " + image.folder().getHost() + " to fetch "
                        + UrlPolicy.safe(image.imageUri()) + ": " + e.getMessage(),
                        "check the network, or build the default image locally instead: " + ImageBuilder.BUILD_COMMAND, e);
            }
            throw e;
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

    /**
     * Creates {@code dir} and each missing folder above it, each 0700 (the vmbox home holds private keys);
     * returns the folders it created, outermost first.
     */
    static List<Path> createPrivateDirectories(Path dir) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path p = dir.toAbsolutePath(); p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.add(0, p);
        }
        List<Path> created = new ArrayList<>();
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (Files.isDirectory(p)) {
                    continue; // made by another process meanwhile: not ours
                }
                throw e;
            }
            created.add(p);
            try {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: nothing to tighten
            }
        }
        return List.copyOf(created);
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
