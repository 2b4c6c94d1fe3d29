package dev.vmbox.app.create;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.app.progress.Progress;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.Downloader;
import dev.vmbox.log.EventLog;
import dev.vmbox.model.ModelRef;
import dev.vmbox.model.fetch.ModelFetcher;
import dev.vmbox.provider.Provider;
import dev.vmbox.runtime.GuestPlatform;
import dev.vmbox.runtime.RuntimeArtifact;
import dev.vmbox.runtime.RuntimeCatalog;
import dev.vmbox.runtime.RuntimeFetcher;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.cloudinit.GpuKind;
import dev.vmbox.spec.ApiAddress;
import dev.vmbox.spec.ByteSize;
import dev.vmbox.spec.EgressPolicy;
import dev.vmbox.spec.GpuRequest;
import dev.vmbox.spec.VmSpec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.Mockito;

/** The fetch window's guest-side downloads: what the host decides, and the command the guest runs. */
class GuestDownloadTest {
    @TempDir
    Path tmp;

    private static final String SHA = "a".repeat(64);

    @Test
    void guestDownloadsAreHttpsOnlyIntoTheStagingFolder() {
        assertThrows(IllegalArgumentException.class, () -> new Payload.GuestDownload(URI.create("http://example.org/x"),
                SHA, 1, Payload.RUNTIME_ARCHIVE));
        assertThrows(IllegalArgumentException.class, () -> new Payload.GuestDownload(URI.create("https://example.org/x"),
                "not-a-sha", 1, Payload.RUNTIME_ARCHIVE));
        assertThrows(IllegalArgumentException.class, () -> new Payload.GuestDownload(URI.create("https://example.org/x"),
                SHA, 1, "model/../../etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> new Payload.GuestDownload(URI.create("https://example.org/x"),
                SHA, 1, "/etc/passwd"));
    }

    @Test
    void theGuestsCurlRefusesAnythingButHttpsAndIsBounded() {
        Payload.GuestDownload d = new Payload.GuestDownload(
                URI.create("https://registry.ollama.ai/v2/library/qwen2.5/blobs/sha256:" + SHA), SHA, 10,
                "model/blobs/sha256-" + SHA);
        String cmd = GuestInstaller.guestDownloadCommand(d, Duration.ofMinutes(7));
        assertTrue(cmd.contains("--proto =https --proto-redir =https"), cmd);
        assertTrue(cmd.contains("--max-time 420"), cmd);
        assertTrue(cmd.contains("-o /var/tmp/vmbox-install/model/blobs/sha256-" + SHA + ".part"), cmd);
        assertTrue(cmd.startsWith("mkdir -p /var/tmp/vmbox-install/model/blobs && curl "), cmd);
        assertTrue(cmd.endsWith(" https://registry.ollama.ai/v2/library/qwen2.5/blobs/sha256:" + SHA), cmd);
    }

    @Test
    void inTheFetchWindowThePinnedRuntimeIsFetchedByTheGuestNotTheHost() throws Exception {
        Path gguf = Files.copy(Path.of(System.getProperty("vmbox.repo", ".")).resolve(
                "src/test/resources/fixtures/gguf/tiny-llama.gguf"), tmp.resolve("tiny.gguf"));
        ContentCache cache = new ContentCache(tmp.resolve("cache"));
        Downloader neverUsed = Downloader.create(EventLog.NONE);
        RuntimeFetcher runtimes = new RuntimeFetcher(RuntimeCatalog.builtIn(), neverUsed, cache, EventLog.NONE);
        ModelFetcher models = new ModelFetcher(Optional.empty(), Optional.empty(), cache, tmp.resolve("staging"));
        HostPayloadSource source = new HostPayloadSource(runtimes, models, tmp.resolve("staging"),
                new HostPayloadSource.Options(ModelRef.parse(gguf.toString()), Optional.empty(), Optional.empty(),
                        Optional.empty(), Optional.empty(), GuestPlatform.LINUX_AMD64, true));
        VmSpec spec = new VmSpec("fw", 2, ByteSize.ofGiB(2), ByteSize.ofGiB(13), null, EgressPolicy.FETCH_WINDOW,
                GpuRequest.NONE);
        CreateRequest req = new CreateRequest(spec, new CreateRequest.Chosen(Mockito.mock(Provider.class), "test", Map.of()),
                new CreateRequest.GuestRuntime(RuntimeKind.OLLAMA, 11434, 1L << 30), ApiAddress.loopback(11434), gguf.toString(),
                GpuKind.NONE, CreateRequest.DEFAULT_ADMIN, false, Duration.ofMinutes(5));
        Payload p = source.fetch(req, Progress.NONE.begin("fetch"));

        RuntimeArtifact pinned = RuntimeCatalog.builtIn().recipe(RuntimeKind.OLLAMA).artifact(GuestPlatform.LINUX_AMD64)
                .orElseThrow();
        assertNull(p.runtimeBundle(), "the host downloads no runtime");
        assertEquals(1, p.guestDownloads().size());
        Payload.GuestDownload d = p.guestDownloads().get(0);
        assertEquals(Payload.RUNTIME_ARCHIVE, d.stagePath());
        assertEquals(pinned.url(), d.url());
        assertEquals(pinned.sha256(), d.sha256());
        assertEquals("tar.zst", p.runtimeArchive());
        assertEquals("tiny:latest", p.modelName(), "a local model file is still uploaded by the host");
        assertEquals(3, p.modelFiles().size());
    }

    @Test
    void aRuntimeThatCannotBeDownloadedSaysHowToSupplyItOffline() throws Exception {
        int closed = dev.vmbox.testing.LocalSshd.freePort();
        RuntimeArtifact unreachable = new RuntimeArtifact(GuestPlatform.LINUX_AMD64,
                URI.create("http://127.0.0.1:" + closed + "/ollama-linux-amd64.tar.zst"), SHA, -1, "tar.zst", "test");
        RuntimeCatalog catalog = new RuntimeCatalog(java.util.List.of(new dev.vmbox.runtime.RuntimeRecipe(RuntimeKind.OLLAMA,
                "0.0.1", java.util.List.of(unreachable))));
        ContentCache cache = new ContentCache(tmp.resolve("cache"));
        Downloader downloader = Downloader.create(new Downloader.Options(Duration.ofSeconds(2), Duration.ofSeconds(2), 1, 1,
                Duration.ofMillis(250)), EventLog.NONE);
        HostPayloadSource source = new HostPayloadSource(new RuntimeFetcher(catalog, downloader, cache, EventLog.NONE),
                new ModelFetcher(Optional.empty(), Optional.empty(), cache, tmp.resolve("staging")), tmp.resolve("staging"),
                new HostPayloadSource.Options(ModelRef.parse("qwen2.5:0.5b"), Optional.empty(), Optional.empty(),
                        Optional.empty(), Optional.empty(), GuestPlatform.LINUX_AMD64, false));
        VmSpec spec = new VmSpec("off", 2, ByteSize.ofGiB(2), ByteSize.ofGiB(13), null, EgressPolicy.SEALED, GpuRequest.NONE);
        CreateRequest req = new CreateRequest(spec, new CreateRequest.Chosen(Mockito.mock(Provider.class), "test", Map.of()),
                new CreateRequest.GuestRuntime(RuntimeKind.OLLAMA, 11434, 1L << 30), ApiAddress.loopback(11434), "qwen2.5:0.5b",
                GpuKind.NONE, CreateRequest.DEFAULT_ADMIN, false, Duration.ofMinutes(1));
        dev.vmbox.VmboxException e = assertThrows(dev.vmbox.VmboxException.class,
                () -> source.fetch(req, Progress.NONE.begin("fetch")));
        assertTrue(e.getMessage().startsWith("cannot download the ollama release"), e.getMessage());
        assertTrue(e.hint().contains("--runtime-bundle FILE") && e.hint().contains("air-gapped"), e.hint());
        assertEquals(-1, e.getMessage().indexOf('\n'), "one line");
    }
}
