package dev.vmbox.model.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.download.Downloader;
import dev.vmbox.download.Sha256;
import dev.vmbox.log.EventLog;
import dev.vmbox.model.ModelCatalog;
import dev.vmbox.model.ModelInfo;
import dev.vmbox.model.ModelRef;
import dev.vmbox.model.gguf.GgmlType;
import dev.vmbox.model.gguf.GgufValueType;
import dev.vmbox.model.gguf.GgufWriter;
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

/** Sizing facts without downloading whole models: local headers, the catalogue, and ranged header reads. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ModelInspectorTest {
    @TempDir
    Path tmp;

    private LoopbackHttpServer server;
    private byte[] gguf;

    @BeforeEach
    void setUp() throws IOException {
        Path f = new GgufWriter()
                .kv("general.architecture", GgufValueType.STRING, "qwen2")
                .kv("general.file_type", GgufValueType.UINT32, 7)
                .kv("qwen2.block_count", GgufValueType.UINT32, 4)
                .kv("qwen2.context_length", GgufValueType.UINT32, 32768)
                .kv("qwen2.embedding_length", GgufValueType.UINT32, 256)
                .kv("qwen2.attention.head_count", GgufValueType.UINT32, 4)
                .kv("qwen2.attention.head_count_kv", GgufValueType.UINT32, 2)
                .tensor("token_embd.weight", GgmlType.Q8_0, 256, 1024)
                .write(tmp.resolve("m.gguf"));
        gguf = Files.readAllBytes(f);
        server = new LoopbackHttpServer();
        String manifest = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
                + "\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":2},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.ollama.image.model\",\"digest\":\"sha256:" + Sha256.of(gguf) + "\",\"size\":"
                + gguf.length + "}]}";
        server.serve("/v2/someone/custom/manifests/latest", manifest.getBytes(StandardCharsets.UTF_8));
        server.serve("/v2/someone/custom/blobs/sha256:" + Sha256.of(gguf), gguf);
        server.serve("/api/models/org/repo/tree/main", ("[{\"type\":\"file\",\"path\":\"m.gguf\",\"size\":1,\"lfs\":{\"oid\":\""
                + Sha256.of(gguf) + "\",\"size\":" + gguf.length + "}}]").getBytes(StandardCharsets.UTF_8));
        server.serve("/org/repo/resolve/main/m.gguf", gguf);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private ModelInspector online() {
        Downloader d = Downloader.create(EventLog.NONE);
        return new ModelInspector(ModelCatalog.builtIn(), Optional.of(new OllamaRegistry(server.base(), d)),
                Optional.of(new HuggingFaceFiles(server.base(), d, Optional.empty())), tmp.resolve("t"), 4096);
    }

    @Test
    void localFileIsReadInFull() {
        ModelInfo m = online().inspect(ModelRef.parse(tmp.resolve("m.gguf").toString()), Optional.empty());
        assertEquals("qwen2", m.architecture());
        assertEquals("Q8_0", m.quantization());
        assertEquals(256 * 1024, m.parameterCount());
    }

    @Test
    void catalogueNamesNeedNoNetwork() {
        ModelInspector offline = new ModelInspector(ModelCatalog.builtIn(), Optional.empty(), Optional.empty(), tmp, 4096);
        assertEquals("catalogue", offline.inspect(ModelRef.parse("llama3.1:8b"), Optional.empty()).source());
        VmboxException e = assertThrows(VmboxException.class,
                () -> offline.inspect(ModelRef.parse("someone/custom"), Optional.empty()));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.hint().contains("--model-file"));
    }

    @Test
    void unknownOllamaModelIsSizedFromARangedHeaderRead() {
        assertTrue(gguf.length > 4096 * 10, "the file is much larger than the prefix read");
        ModelInfo m = online().inspect(ModelRef.parse("someone/custom"), Optional.empty());
        assertEquals(4, m.blockCount());
        assertEquals(2, m.headCountKv());
        assertEquals(gguf.length, m.weightsBytes());
        assertTrue(m.source().startsWith("registry:"));
        LoopbackHttpServer.Request blob = server.requests().get(server.requests().size() - 1);
        assertEquals("bytes=0-4095", blob.header("Range"));
        try (var left = Files.list(tmp.resolve("t"))) {
            assertEquals(0, left.count(), "temporary header file removed");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void huggingFaceFileIsSizedFromARangedHeaderRead() {
        ModelInfo m = online().inspect(ModelRef.parse("hf:org/repo/m.gguf"), Optional.empty());
        assertEquals("qwen2", m.architecture());
        assertEquals(gguf.length, m.weightsBytes());
        assertTrue(m.source().startsWith("huggingface:"));
    }

    @Test
    void headerLargerThanThePrefixIsAClearError() throws IOException {
        List<Object> toks = new java.util.ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            toks.add("token-" + i);
        }
        Path f = new GgufWriter().kv("general.architecture", GgufValueType.STRING, "qwen2")
                .kv("tokenizer.ggml.tokens", GgufValueType.ARRAY, new GgufWriter.Arr(GgufValueType.STRING, toks))
                .write(tmp.resolve("big.gguf"));
        byte[] big = Files.readAllBytes(f);
        server.serve("/api/models/org/big/tree/main", ("[{\"type\":\"file\",\"path\":\"big.gguf\",\"lfs\":{\"oid\":\""
                + Sha256.of(big) + "\",\"size\":" + big.length + "}}]").getBytes(StandardCharsets.UTF_8));
        server.serve("/org/big/resolve/main/big.gguf", big);
        VmboxException e = assertThrows(VmboxException.class,
                () -> online().inspect(ModelRef.parse("hf:org/big/big.gguf"), Optional.empty()));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("beyond the first 4096 bytes fetched"), e.getMessage());
    }
}
