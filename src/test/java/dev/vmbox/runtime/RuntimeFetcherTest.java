package dev.vmbox.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.DownloadListener;
import dev.vmbox.download.Downloader;
import dev.vmbox.download.Sha256;
import dev.vmbox.log.EventLog;
import dev.vmbox.testing.LoopbackHttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RuntimeFetcherTest {
    @TempDir
    Path tmp;

    private LoopbackHttpServer server;
    private final byte[] archive = "pretend ollama archive".getBytes(StandardCharsets.US_ASCII);
    private RuntimeFetcher fetcher;
    private ContentCache cache;

    @BeforeEach
    void setUp() throws IOException {
        server = new LoopbackHttpServer();
        server.serve("/ollama-linux-amd64.tar.zst", archive);
        RuntimeCatalog catalog = new RuntimeCatalog(List.of(
                new RuntimeRecipe(RuntimeKind.OLLAMA, "9.9.9", List.of(new RuntimeArtifact("linux-amd64",
                        server.base().resolve("ollama-linux-amd64.tar.zst"), Sha256.of(archive), archive.length,
                        "tar.zst", "test"))),
                new RuntimeRecipe(RuntimeKind.VLLM, "0.22.1", List.of())));
        cache = new ContentCache(tmp.resolve("cache"));
        fetcher = new RuntimeFetcher(catalog, Downloader.create(EventLog.NONE), cache, EventLog.NONE);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void downloadsThePinnedRelease() throws IOException {
        FetchedRuntime f = fetcher.obtain(RuntimeKind.OLLAMA, "linux-amd64", Optional.empty(), Optional.empty(),
                DownloadListener.NONE);
        assertArrayEquals(archive, Files.readAllBytes(f.file()));
        assertEquals("pinned", f.verifiedAgainst());
        assertEquals("tar.zst", f.archive());
        assertEquals("9.9.9", f.version());
    }

    @Test
    void bundleMustBeThePinnedFileUnlessTheUserVouchesForAnother() throws IOException {
        Path good = Files.write(tmp.resolve("good.tar.zst"), archive);
        FetchedRuntime f = fetcher.obtain(RuntimeKind.OLLAMA, "linux-amd64", Optional.of(good), Optional.empty(),
                DownloadListener.NONE);
        assertEquals("pinned", f.verifiedAgainst());
        assertTrue(server.requests().isEmpty(), "air-gapped: no download");

        Path other = Files.write(tmp.resolve("other.tar.zst"), "a different build".getBytes(StandardCharsets.US_ASCII));
        VmboxException e = assertThrows(VmboxException.class, () -> fetcher.obtain(RuntimeKind.OLLAMA, "linux-amd64",
                Optional.of(other), Optional.empty(), DownloadListener.NONE));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().contains("not the pinned ollama 9.9.9"), e.getMessage());

        FetchedRuntime vouched = fetcher.obtain(RuntimeKind.OLLAMA, "linux-amd64", Optional.of(other),
                Optional.of(Sha256.of(other)), DownloadListener.NONE);
        assertEquals("user", vouched.verifiedAgainst());
        assertEquals(ExitCode.SECURITY, assertThrows(VmboxException.class, () -> fetcher.obtain(RuntimeKind.OLLAMA,
                "linux-amd64", Optional.of(other), Optional.of(Sha256.of(archive)), DownloadListener.NONE)).exitCode());
    }

    @Test
    void vllmNeedsABundle() throws IOException {
        VmboxException e = assertThrows(VmboxException.class, () -> fetcher.obtain(RuntimeKind.VLLM, "linux-amd64",
                Optional.empty(), Optional.empty(), DownloadListener.NONE));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("--runtime-bundle"), e.getMessage());
        assertTrue(e.hint().contains("pip download vllm==0.22.1"), e.hint());
        Path wheels = Files.write(tmp.resolve("vllm-wheels.tgz"), new byte[] {1, 2, 3});
        FetchedRuntime f = fetcher.obtain(RuntimeKind.VLLM, "linux-amd64", Optional.of(wheels), Optional.empty(),
                DownloadListener.NONE);
        assertEquals("none", f.verifiedAgainst());
        assertEquals(Sha256.of(wheels), f.sha256());
    }

    @Test
    void missingPlatformAndMissingBundleFile() {
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> fetcher.obtain(RuntimeKind.OLLAMA,
                "linux-arm64", Optional.empty(), Optional.empty(), DownloadListener.NONE)).exitCode());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> fetcher.obtain(RuntimeKind.OLLAMA,
                "linux-amd64", Optional.of(tmp.resolve("nope")), Optional.empty(), DownloadListener.NONE)).exitCode());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> fetcher.obtain(RuntimeKind.OLLAMA,
                "linux-amd64", Optional.empty(), Optional.of("not-a-sha"), DownloadListener.NONE)).exitCode());
    }

    @Test
    void builtInCatalogueIsWellFormed() {
        RuntimeCatalog c = RuntimeCatalog.builtIn();
        RuntimeRecipe ollama = c.recipe(RuntimeKind.OLLAMA);
        assertEquals("0.32.7", ollama.version());
        RuntimeArtifact amd64 = ollama.artifact(GuestPlatform.LINUX_AMD64).orElseThrow();
        assertEquals("https", amd64.url().getScheme());
        assertEquals("ed1e39fe8fea90bd7f4c723bd949a2cea3153e111220ec0a183ea5b8dc8b2cae", amd64.sha256());
        assertTrue(amd64.url().getPath().endsWith("/v0.32.7/ollama-linux-amd64.tar.zst"));
        RuntimeArtifact llama = c.recipe(RuntimeKind.LLAMA_CPP).artifact(GuestPlatform.LINUX_AMD64).orElseThrow();
        assertEquals(16998357, llama.sizeBytes());
        assertTrue(llama.url().getPath().contains("/b11146/"));
        assertTrue(c.recipe(RuntimeKind.VLLM).artifacts().isEmpty());
        assertEquals(GuestPlatform.LINUX_ARM64, GuestPlatform.fromArch("aarch64"));
        assertEquals(RuntimeKind.LLAMA_CPP, RuntimeKind.parse("llama-server"));
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> RuntimeKind.parse("tgi")).exitCode());
    }
}
