package dev.vmbox.model.fetch;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.DownloadListener;
import dev.vmbox.download.DownloadRequest;
import dev.vmbox.download.Downloader;
import dev.vmbox.download.Sha256;
import dev.vmbox.download.UrlPolicy;
import dev.vmbox.model.ModelRef;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The host side of pulling an Ollama model for a sealed guest: fetch the manifest from the registry,
 * download every blob by digest with verification, and lay them out as Ollama's models folder so the
 * guest's Ollama serves the model without ever reaching the network.
 *
 * <p>Registry protocol (Docker distribution v2, as Ollama's own client uses it):
 * {@code GET <base>/v2/<namespace>/<name>/manifests/<tag>} with
 * {@code Accept: application/vnd.docker.distribution.manifest.v2+json}, then
 * {@code GET <base>/v2/<namespace>/<name>/blobs/sha256:<hex>} per blob (the registry redirects blob
 * requests to its CDN over https).
 */
public final class OllamaRegistry {
    public static final URI DEFAULT_BASE = URI.create("https://registry.ollama.ai");
    /** The host name used in the on-disk layout, whatever base URL served the files. */
    public static final String REGISTRY_HOST = "registry.ollama.ai";
    static final String MANIFEST_ACCEPT = "application/vnd.docker.distribution.manifest.v2+json";
    static final long MAX_MANIFEST_BYTES = 1L << 20;

    private final URI base;
    private final Downloader downloader;

    public OllamaRegistry(URI base, Downloader downloader) {
        UrlPolicy.require(base, "the Ollama registry");
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.downloader = downloader;
    }

    public OllamaRegistry(Downloader downloader) {
        this(DEFAULT_BASE, downloader);
    }

    public URI manifestUri(ModelRef.Ollama ref) {
        return base.resolve("v2/" + ref.namespace() + "/" + ref.name() + "/manifests/" + ref.tag());
    }

    public URI blobUri(ModelRef.Ollama ref, OllamaManifest.Layer layer) {
        return base.resolve("v2/" + ref.namespace() + "/" + ref.name() + "/blobs/" + layer.digest());
    }

    /**
     * Fetches and checks the manifest.
     *
     * @param expectedDigest the manifest's sha256 when the user pinned it (e.g. from {@code ollama show}),
     *                       else empty: the manifest is then trusted on TLS alone, and every blob it names is
     *                       still verified by digest
     */
    public OllamaManifest manifest(ModelRef.Ollama ref, Optional<String> expectedDigest) {
        Downloader.SmallResponse r = downloader.get(manifestUri(ref), Map.of("Accept", MANIFEST_ACCEPT), MAX_MANIFEST_BYTES);
        if (r.status() == 404) {
            throw VmboxException.badInput("model " + ref.canonical() + " is not in the Ollama registry",
                    "check the name and tag on https://ollama.com/library");
        }
        if (r.status() != 200) {
            throw VmboxException.failed("the Ollama registry answered HTTP " + r.status() + " for the manifest of "
                    + ref.canonical(), "try again later", null);
        }
        OllamaManifest m = OllamaManifest.parse(r.body(), ref.canonical());
        if (expectedDigest.isPresent()) {
            String want = Sha256.parse(expectedDigest.get(), "the manifest of " + ref.canonical());
            if (!want.equals(m.digest())) {
                throw new VmboxException(ExitCode.SECURITY, "the manifest of " + ref.canonical() + " has sha256 "
                        + m.digest() + ", not the expected " + want,
                        "the model was changed upstream or the registry answer was altered; check the digest you pinned");
            }
        }
        return m;
    }

    /**
     * Downloads (or finds in the cache) every blob and writes the layout under {@code stagingDir/models}.
     * Blobs are hard-linked from the cache where the file system allows it, copied otherwise.
     */
    public StagedOllamaModel stage(ModelRef.Ollama ref, OllamaManifest manifest, Path stagingDir, ContentCache cache,
            DownloadListener listener) {
        Path models = stagingDir.toAbsolutePath().normalize().resolve("models");
        Path blobsDir = models.resolve("blobs");
        Path manifestFile = models.resolve("manifests").resolve(REGISTRY_HOST).resolve(ref.namespace())
                .resolve(ref.name()).resolve(ref.tag());
        List<Path> blobs = new ArrayList<>();
        Path modelBlob = null;
        try {
            Files.createDirectories(blobsDir);
            Files.createDirectories(manifestFile.getParent());
            for (OllamaManifest.Layer layer : manifest.blobs()) {
                DownloadRequest req = new DownloadRequest(blobUri(ref, layer), layer.sha256(), layer.size(),
                        ref.canonical() + " " + shortType(layer.mediaType()), Map.of());
                Path cached = downloader.fetch(req, cache, listener);
                Path target = blobsDir.resolve(layer.blobFileName());
                place(cached, target);
                blobs.add(target);
                if (layer.mediaType().equals(OllamaManifest.MODEL_MEDIA_TYPE) && modelBlob == null) {
                    modelBlob = target;
                }
            }
            Path tmp = manifestFile.resolveSibling(manifestFile.getFileName() + ".tmp");
            Files.write(tmp, manifest.raw());
            Files.move(tmp, manifestFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw VmboxException.failed("cannot lay out " + ref.canonical() + " under " + models + ": " + e.getMessage(),
                    "check the free disk space and permissions there", e);
        }
        return new StagedOllamaModel(models, manifestFile, blobs, modelBlob, manifest);
    }

    /** The first {@code maxBytes} of a blob (to read a GGUF header before downloading the weights). */
    public byte[] prefix(ModelRef.Ollama ref, OllamaManifest.Layer layer, long maxBytes) {
        Downloader.SmallResponse r = downloader.getPrefix(blobUri(ref, layer), Map.of(), maxBytes);
        if (r.status() != 200 && r.status() != 206) {
            throw VmboxException.failed("the Ollama registry answered HTTP " + r.status() + " for a blob of "
                    + ref.canonical(), "try again later", null);
        }
        return r.body();
    }

    private static void place(Path cached, Path target) throws IOException {
        if (Files.isRegularFile(target) && Files.size(target) == Files.size(cached)) {
            if (Files.isSameFile(cached, target) || Sha256.of(target).equals(cached.getFileName().toString())) {
                return;
            }
        }
        Files.deleteIfExists(target);
        try {
            Files.createLink(target, cached);
        } catch (IOException | UnsupportedOperationException e) {
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.copy(cached, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String shortType(String mediaType) {
        int i = mediaType.lastIndexOf('.');
        return i >= 0 ? mediaType.substring(i + 1) : mediaType;
    }
}
