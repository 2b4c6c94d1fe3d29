package dev.vmbox.model.fetch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.ContentCache;
import dev.vmbox.download.DownloadListener;
import dev.vmbox.download.Downloader;
import dev.vmbox.download.Sha256;
import dev.vmbox.log.EventLog;
import dev.vmbox.model.ModelRef;
import dev.vmbox.testing.LoopbackHttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The host side of an Ollama pull, against a registry served on 127.0.0.1. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OllamaRegistryTest {
    @TempDir
    Path tmp;

    private LoopbackHttpServer server;
    private OllamaRegistry registry;
    private ContentCache cache;
    private final byte[] model = "GGUF\3\0\0\0 pretend weights".getBytes(StandardCharsets.ISO_8859_1);
    private final byte[] template = "{{ .Prompt }}".getBytes(StandardCharsets.UTF_8);
    private final byte[] config = "{\"model_format\":\"gguf\"}".getBytes(StandardCharsets.UTF_8);
    private final ModelRef.Ollama ref = (ModelRef.Ollama) ModelRef.parse("tiny:1b");

    private static String layer(String type, byte[] data) {
        return "{\"mediaType\":\"" + type + "\",\"digest\":\"sha256:" + Sha256.of(data) + "\",\"size\":" + data.length + "}";
    }

    private byte[] manifest() {
        return ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                + "\"config\":" + layer("application/vnd.docker.container.image.v1+json", config) + ",\"layers\":["
                + layer("application/vnd.ollama.image.model", model) + ","
                + layer("application/vnd.ollama.image.template", template) + "]}").getBytes(StandardCharsets.UTF_8);
    }

    @BeforeEach
    void setUp() throws IOException {
        server = new LoopbackHttpServer();
        server.serve("/v2/library/tiny/manifests/1b", manifest());
        // the registry redirects blob requests to its CDN
        server.redirect("/v2/library/tiny/blobs/sha256:" + Sha256.of(model), "/cdn/model");
        server.serve("/cdn/model", model);
        server.serve("/v2/library/tiny/blobs/sha256:" + Sha256.of(template), template);
        server.serve("/v2/library/tiny/blobs/sha256:" + Sha256.of(config), config);
        registry = new OllamaRegistry(server.base(), Downloader.create(EventLog.NONE));
        cache = new ContentCache(tmp.resolve("cache"));
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void stagesTheLayoutOllamaExpects() throws IOException {
        OllamaManifest m = registry.manifest(ref, Optional.empty());
        assertEquals("application/vnd.docker.distribution.manifest.v2+json",
                server.requests().get(0).header("Accept"));
        assertEquals(Sha256.of(manifest()), m.digest());
        assertEquals(model.length, m.modelLayer().orElseThrow().size());

        StagedOllamaModel s = registry.stage(ref, m, tmp.resolve("stage"), cache, DownloadListener.NONE);
        Path models = tmp.resolve("stage").resolve("models");
        assertEquals(models, s.modelsDir());
        Path manifestFile = models.resolve("manifests/registry.ollama.ai/library/tiny/1b");
        assertEquals(manifestFile, s.manifestFile());
        assertArrayEquals(manifest(), Files.readAllBytes(manifestFile));
        assertArrayEquals(model, Files.readAllBytes(models.resolve("blobs/sha256-" + Sha256.of(model))));
        assertArrayEquals(template, Files.readAllBytes(models.resolve("blobs/sha256-" + Sha256.of(template))));
        assertArrayEquals(config, Files.readAllBytes(models.resolve("blobs/sha256-" + Sha256.of(config))));
        assertEquals(models.resolve("blobs/sha256-" + Sha256.of(model)), s.modelBlob());
        assertEquals(3, s.blobs().size());
        try (var files = Files.walk(models)) {
            assertEquals(6, files.filter(Files::isRegularFile).count() + 2, "only the manifest and three blobs");
        }

        // a second stage uses the cache: no blob is fetched again
        int before = server.requests().size();
        registry.stage(ref, m, tmp.resolve("stage2"), cache, DownloadListener.NONE);
        assertEquals(before, server.requests().size());
    }

    @Test
    void pinnedManifestDigestIsChecked() {
        assertEquals(Sha256.of(manifest()), registry.manifest(ref, Optional.of(Sha256.of(manifest()))).digest());
        VmboxException e = assertThrows(VmboxException.class,
                () -> registry.manifest(ref, Optional.of("0".repeat(64))));
        assertEquals(ExitCode.SECURITY, e.exitCode());
    }

    @Test
    void unknownModelIsBadInput() {
        VmboxException e = assertThrows(VmboxException.class,
                () -> registry.manifest((ModelRef.Ollama) ModelRef.parse("nosuch:latest"), Optional.empty()));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("nosuch:latest is not in the Ollama registry"), e.getMessage());
    }

    @Test
    void hostileManifestsAreRefused() {
        String[] bad = {
            "not json",
            "[]",
            "{\"schemaVersion\":1}",
            "{\"schemaVersion\":2,\"config\":" + layer("application/vnd.docker.container.image.v1+json", config)
                    + ",\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"sha256:../../../etc/passwd\",\"size\":1}]}",
            "{\"schemaVersion\":2,\"config\":" + layer("application/vnd.docker.container.image.v1+json", config)
                    + ",\"layers\":[" + layer("application/vnd.ollama.image.template", template) + "]}",
            "{\"schemaVersion\":2,\"config\":" + layer("application/vnd.docker.container.image.v1+json", config)
                    + ",\"layers\":[" + layer("text/html", template) + "]}",
            "{\"schemaVersion\":2,\"config\":" + layer("application/vnd.docker.container.image.v1+json", config)
                    + ",\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"sha256:"
                    + Sha256.of(model) + "\",\"size\":-5}]}",
        };
        for (String b : bad) {
            server.serve("/v2/library/evil/manifests/latest", b.getBytes(StandardCharsets.UTF_8));
            VmboxException e = assertThrows(VmboxException.class,
                    () -> registry.manifest((ModelRef.Ollama) ModelRef.parse("evil"), Optional.empty()), b);
            assertEquals(ExitCode.BAD_INPUT, e.exitCode(), b);
        }
    }

    @Test
    void aBlobWithTheWrongContentIsRefusedAndNotStaged() {
        server.serve("/cdn/model", "tampered weights".getBytes(StandardCharsets.UTF_8));
        OllamaManifest m = registry.manifest(ref, Optional.empty());
        VmboxException e = assertThrows(VmboxException.class,
                () -> registry.stage(ref, m, tmp.resolve("stage"), cache, DownloadListener.NONE));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertFalse(Files.exists(tmp.resolve("stage/models/blobs/sha256-" + Sha256.of(model))));
        assertFalse(Files.exists(tmp.resolve("stage/models/manifests/registry.ollama.ai/library/tiny/1b")));
    }
}
