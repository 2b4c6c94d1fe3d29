package dev.vmbox.model.fetch;

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

/** hf: references against a Hub API served on 127.0.0.1, in the shape of GET /api/models/{repo}/tree/{rev}. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HuggingFaceFilesTest {
    @TempDir
    Path tmp;

    private LoopbackHttpServer server;
    private final byte[] gguf = "GGUF\3\0\0\0 weights".getBytes(StandardCharsets.ISO_8859_1);

    @BeforeEach
    void setUp() throws IOException {
        server = new LoopbackHttpServer();
        String listing = "[{\"type\":\"file\",\"oid\":\"0a1b2c\",\"size\":134,\"path\":\"m-Q4_K_M.gguf\",\"lfs\":{\"oid\":\""
                + Sha256.of(gguf) + "\",\"size\":" + gguf.length + ",\"pointerSize\":134}},"
                + "{\"type\":\"file\",\"oid\":\"9f8e7d\",\"size\":12,\"path\":\"small.gguf\"},"
                + "{\"type\":\"directory\",\"oid\":\"1\",\"size\":0,\"path\":\"sub\"}]";
        server.serve("/api/models/org/repo/tree/main", listing.getBytes(StandardCharsets.UTF_8));
        server.serve("/api/models/org/repo/tree/main/sub", ("[{\"type\":\"file\",\"oid\":\"1\",\"size\":1,\"path\":\"sub/x.gguf\","
                + "\"lfs\":{\"oid\":\"" + Sha256.of(gguf) + "\",\"size\":" + gguf.length + "}}]").getBytes(StandardCharsets.UTF_8));
        server.redirect("/org/repo/resolve/main/m-Q4_K_M.gguf", "/cdn-lfs/blob");
        server.serve("/cdn-lfs/blob", gguf);
        server.serve("/org/repo/resolve/main/small.gguf", gguf);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private HuggingFaceFiles hub(Optional<String> token) {
        return new HuggingFaceFiles(server.base(), Downloader.create(EventLog.NONE), token);
    }

    private static ModelRef.HuggingFace ref(String s) {
        return (ModelRef.HuggingFace) ModelRef.parse(s);
    }

    @Test
    void resolvesTheLfsSha256AndDownloadsVerified() throws IOException {
        HuggingFaceFiles hub = hub(Optional.of("hf_secret_token_value_123456"));
        HuggingFaceFiles.Resolved r = hub.resolve(ref("hf:org/repo/m-Q4_K_M.gguf"), Optional.empty());
        assertEquals(Sha256.of(gguf), r.sha256());
        assertEquals(gguf.length, r.sizeBytes());
        assertEquals("huggingface-api", r.shaSource());
        assertEquals(server.base().resolve("org/repo/resolve/main/m-Q4_K_M.gguf"), r.url());
        Path p = hub.download(r, new ContentCache(tmp.resolve("cache")), DownloadListener.NONE);
        assertArrayEquals(gguf, Files.readAllBytes(p));
        assertEquals("Bearer hf_secret_token_value_123456", server.requests().get(0).header("Authorization"));
        assertEquals("/cdn-lfs/blob", server.requests().get(server.requests().size() - 1).path());
    }

    @Test
    void filesInSubfoldersAndUserChecksums() {
        HuggingFaceFiles hub = hub(Optional.empty());
        assertEquals(Sha256.of(gguf), hub.resolve(ref("hf:org/repo/sub/x.gguf"), Optional.empty()).sha256());
        assertEquals("huggingface-api+user",
                hub.resolve(ref("hf:org/repo/m-Q4_K_M.gguf"), Optional.of(Sha256.of(gguf).toUpperCase())).shaSource());
        VmboxException e = assertThrows(VmboxException.class,
                () -> hub.resolve(ref("hf:org/repo/m-Q4_K_M.gguf"), Optional.of("1".repeat(64))));
        assertEquals(ExitCode.SECURITY, e.exitCode());
    }

    @Test
    void unverifiableFilesNeedAUserChecksum() {
        HuggingFaceFiles hub = hub(Optional.empty());
        VmboxException e = assertThrows(VmboxException.class,
                () -> hub.resolve(ref("hf:org/repo/small.gguf"), Optional.empty()));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("cannot verify"), e.getMessage());
        assertTrue(e.hint().contains("--model-sha256"));
        assertEquals("user", hub.resolve(ref("hf:org/repo/small.gguf"), Optional.of(Sha256.of(gguf))).shaSource());
    }

    @Test
    void missingRepositoryOrFile() {
        HuggingFaceFiles hub = hub(Optional.empty());
        VmboxException repo = assertThrows(VmboxException.class,
                () -> hub.resolve(ref("hf:org/nope/m.gguf"), Optional.empty()));
        assertEquals(ExitCode.BAD_INPUT, repo.exitCode());
        assertTrue(repo.getMessage().contains("HTTP 404"), repo.getMessage());
        VmboxException file = assertThrows(VmboxException.class,
                () -> hub.resolve(ref("hf:org/repo/other.gguf"), Optional.empty()));
        assertTrue(file.getMessage().contains("there is no file other.gguf"), file.getMessage());
    }

    @Test
    void listingSizesAreByteCountsOrUnknown() {
        String sha = "a".repeat(64);
        for (String size : new String[] {"-5", "1.5", "\"12\"", "1e30", "null", "99999999999999999999"}) {
            byte[] body = ("[{\"type\":\"file\",\"path\":\"m.gguf\",\"size\":" + size + ",\"lfs\":{\"oid\":\"" + sha
                    + "\",\"size\":" + size + "}}]").getBytes(StandardCharsets.UTF_8);
            assertEquals(Optional.of(new HuggingFaceFiles.Listed(sha, -1)), HuggingFaceFiles.listed(body, "m.gguf", "hf:o/r/m.gguf"),
                    size);
        }
        byte[] plain = "[{\"type\":\"file\",\"path\":\"m.gguf\",\"size\":12}]".getBytes(StandardCharsets.UTF_8);
        assertEquals(Optional.of(new HuggingFaceFiles.Listed(null, 12)), HuggingFaceFiles.listed(plain, "m.gguf", "hf:o/r/m.gguf"));
        assertEquals(Optional.empty(), HuggingFaceFiles.listed("{}".getBytes(StandardCharsets.UTF_8), "m.gguf", "hf:o/r/m.gguf"));
        VmboxException notJson = assertThrows(VmboxException.class,
                () -> HuggingFaceFiles.listed("[{".getBytes(StandardCharsets.UTF_8), "m.gguf", "hf:o/r/m.gguf"));
        assertEquals(ExitCode.FAILED, notJson.exitCode());
    }
}
