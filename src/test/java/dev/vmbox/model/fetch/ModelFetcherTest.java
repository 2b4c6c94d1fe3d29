package dev.vmbox.model.fetch;

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
import dev.vmbox.model.ModelRef;
import dev.vmbox.model.gguf.GgmlType;
import dev.vmbox.model.gguf.GgufValueType;
import dev.vmbox.model.gguf.GgufWriter;
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

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ModelFetcherTest {
    @TempDir
    Path tmp;

    private LoopbackHttpServer server;
    private Path ggufFile;
    private byte[] gguf;
    private final byte[] config = "{}".getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void setUp() throws IOException {
        ggufFile = new GgufWriter()
                .kv("general.architecture", GgufValueType.STRING, "llama")
                .kv("llama.block_count", GgufValueType.UINT32, 2)
                .kv("llama.embedding_length", GgufValueType.UINT32, 64)
                .kv("llama.attention.head_count", GgufValueType.UINT32, 4)
                .tensor("w", GgmlType.F16, 64, 4)
                .write(tmp.resolve("local.gguf"));
        gguf = Files.readAllBytes(ggufFile);
        server = new LoopbackHttpServer();
        String manifest = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
                + "\"digest\":\"sha256:" + Sha256.of(config) + "\",\"size\":2},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.ollama.image.model\",\"digest\":\"sha256:" + Sha256.of(gguf) + "\",\"size\":"
                + gguf.length + "}]}";
        server.serve("/v2/library/tiny/manifests/latest", manifest.getBytes(StandardCharsets.UTF_8));
        server.serve("/v2/library/tiny/blobs/sha256:" + Sha256.of(gguf), gguf);
        server.serve("/v2/library/tiny/blobs/sha256:" + Sha256.of(config), config);
        server.serve("/api/models/org/repo/tree/main", ("[{\"type\":\"file\",\"path\":\"m.gguf\",\"lfs\":{\"oid\":\""
                + Sha256.of(gguf) + "\",\"size\":" + gguf.length + "}}]").getBytes(StandardCharsets.UTF_8));
        server.serve("/org/repo/resolve/main/m.gguf", gguf);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private ModelFetcher online() {
        Downloader d = Downloader.create(EventLog.NONE);
        return new ModelFetcher(Optional.of(new OllamaRegistry(server.base(), d)),
                Optional.of(new HuggingFaceFiles(server.base(), d, Optional.empty())),
                new ContentCache(tmp.resolve("cache")), tmp.resolve("staging"));
    }

    private ModelFetcher airGapped() {
        return new ModelFetcher(Optional.empty(), Optional.empty(), new ContentCache(tmp.resolve("cache")),
                tmp.resolve("staging"));
    }

    @Test
    void ollamaModelIsStagedAndReadFromItsRealHeader() {
        FetchedModel f = online().fetch(ModelRef.parse("tiny"), Optional.empty(), Optional.empty(), DownloadListener.NONE);
        assertEquals("registry", f.verifiedAgainst());
        assertEquals(Sha256.of(gguf), f.sha256());
        assertEquals("tiny:latest", f.info().name());
        assertEquals(2, f.info().blockCount());
        assertTrue(f.ollamaLayout().isPresent());
        assertTrue(Files.isRegularFile(f.ollamaLayout().get().manifestFile()));
    }

    @Test
    void huggingFaceFileIsDownloadedVerified() {
        FetchedModel f = online().fetch(ModelRef.parse("hf:org/repo/m.gguf"), Optional.empty(), Optional.empty(),
                DownloadListener.NONE);
        assertEquals("huggingface-api", f.verifiedAgainst());
        assertEquals("llama", f.info().architecture());
    }

    @Test
    void localFilesAreCheckedAgainstTheGivenChecksum() {
        ModelRef ref = ModelRef.parse(ggufFile.toString());
        assertEquals("none", airGapped().fetch(ref, Optional.empty(), Optional.empty(), DownloadListener.NONE)
                .verifiedAgainst());
        assertEquals("user", airGapped().fetch(ref, Optional.empty(), Optional.of(Sha256.of(gguf)), DownloadListener.NONE)
                .verifiedAgainst());
        VmboxException e = assertThrows(VmboxException.class, () -> airGapped().fetch(ref, Optional.empty(),
                Optional.of("2".repeat(64)), DownloadListener.NONE));
        assertEquals(ExitCode.SECURITY, e.exitCode());
    }

    @Test
    void airGappedHostsPassTheModelFile() throws IOException {
        FetchedModel f = airGapped().fetch(ModelRef.parse("llama3.1:8b"), Optional.of(ggufFile), Optional.of(Sha256.of(gguf)),
                DownloadListener.NONE);
        assertEquals("user", f.verifiedAgainst());
        assertEquals("llama3.1:8b", f.info().name());
        VmboxException e = assertThrows(VmboxException.class,
                () -> airGapped().fetch(ModelRef.parse("llama3.1:8b"), Optional.empty(), Optional.empty(), DownloadListener.NONE));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.hint().contains("--model-file"));
        // an hf: reference with a local copy is checked against the Hub's digest when the Hub is reachable
        Path other = Files.write(tmp.resolve("other.gguf"), gguf);
        Files.write(other, "changed".getBytes(StandardCharsets.UTF_8), java.nio.file.StandardOpenOption.APPEND);
        assertEquals(ExitCode.SECURITY, assertThrows(VmboxException.class, () -> online().fetch(
                ModelRef.parse("hf:org/repo/m.gguf"), Optional.of(other), Optional.empty(), DownloadListener.NONE)).exitCode());
        assertEquals("huggingface-api", online().fetch(ModelRef.parse("hf:org/repo/m.gguf"), Optional.of(ggufFile),
                Optional.empty(), DownloadListener.NONE).verifiedAgainst());
    }
}
