package dev.vmbox.runtime;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.DownloadListener;
import dev.vmbox.download.DownloadRequest;
import dev.vmbox.download.Downloader;
import dev.vmbox.download.Sha256;
import dev.vmbox.log.EventLog;
import dev.vmbox.spec.HostFile;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Gets a runtime's release archive onto the host for the sealed policy: from {@code --runtime-bundle FILE}
 * when given (air-gapped hosts), else by downloading the pinned release; either way verified by sha256
 * and kept in the content cache.
 */
public record RuntimeFetcher(RuntimeCatalog catalog, Downloader downloader, ContentCache cache, EventLog log) {
    /** The pinned release of {@code kind} (its version, and its archive per platform). */
    public RuntimeRecipe recipe(RuntimeKind kind) {
        return catalog.recipe(kind);
    }

    /**
     * @param platform      the guest platform ({@link GuestPlatform})
     * @param bundle        {@code --runtime-bundle FILE}, if given
     * @param bundleSha256  {@code --runtime-sha256}, if given
     */
    public FetchedRuntime obtain(RuntimeKind kind, String platform, Optional<Path> bundle, Optional<String> bundleSha256,
            DownloadListener listener) {
        RuntimeRecipe recipe = catalog.recipe(kind);
        Optional<RuntimeArtifact> pinned = recipe.artifact(platform);
        Optional<String> userSha = bundleSha256.map(s -> Sha256.parse(s, "--runtime-sha256"));
        if (bundle.isPresent()) {
            Path file = HostFile.require(bundle.get(), "--runtime-bundle");
            if (userSha.isPresent()) {
                Path p = cache.importVerified(file, userSha.get(), "runtime bundle");
                return new FetchedRuntime(kind, recipe.version(), p, userSha.get(),
                        pinned.map(RuntimeArtifact::archive).orElse("bundle"), "user");
            }
            if (pinned.isPresent()) {
                String want = pinned.get().sha256();
                String got = Sha256.of(file);
                if (!got.equals(want)) {
                    throw new VmboxException(ExitCode.SECURITY, "--runtime-bundle " + file + " has sha256 " + got
                            + ", not the pinned " + kind.cliName() + " " + recipe.version() + " release (" + want + ")",
                            "use the file " + pinned.get().url() + ", or give --runtime-sha256 to vouch for another build");
                }
                Path p = cache.importVerified(file, want, "runtime bundle");
                return new FetchedRuntime(kind, recipe.version(), p, want, pinned.get().archive(), "pinned");
            }
            String got = Sha256.of(file);
            log.warn("runtime bundle " + file + " has no pinned checksum; using it as given (sha256 " + got + ")");
            Path p = cache.importVerified(file, got, "runtime bundle");
            return new FetchedRuntime(kind, recipe.version(), p, got, "bundle", "none");
        }
        RuntimeArtifact a = pinned.orElseThrow(() -> noDownload(kind, recipe, platform));
        DownloadRequest req = new DownloadRequest(a.url(), a.sha256(), a.sizeBytes(),
                kind.cliName() + " " + recipe.version() + " (" + platform + ")", java.util.Map.of());
        Path p = downloader.fetch(req, cache, listener);
        return new FetchedRuntime(kind, recipe.version(), p, a.sha256(), a.archive(), "pinned");
    }

    private static VmboxException noDownload(RuntimeKind kind, RuntimeRecipe recipe, String platform) {
        if (kind == RuntimeKind.VLLM) {
            return VmboxException.badInput("vllm has no single release archive to download and pin; the sealed policy"
                    + " needs --runtime-bundle FILE",
                    "on a connected machine: pip download vllm==" + recipe.version() + " -d wheels && tar czf vllm-wheels.tgz"
                            + " wheels; then pass --runtime-bundle vllm-wheels.tgz (and --runtime-sha256)");
        }
        return VmboxException.badInput(kind.cliName() + " " + recipe.version() + " has no pinned release for " + platform,
                "pass the release archive with --runtime-bundle FILE --runtime-sha256 SHA256");
    }
}
