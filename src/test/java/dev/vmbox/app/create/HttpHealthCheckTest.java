package dev.vmbox.app.create;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.testing.LoopbackHttpServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The runtimes' health checks through a real HTTP server on loopback, and the wait that ends when the VM died. */
class HttpHealthCheckTest {
    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void eachRuntimeIsAskedItsOwnEndpoints() throws Exception {
        try (LoopbackHttpServer server = new LoopbackHttpServer()) {
            server.serve("/", text("Ollama is running")).serve("/api/version", text("{\"version\":\"0.32.7\"}\n"));
            String url = server.base().toString().replaceAll("/$", "");
            assertEquals("Ollama answers, {\"version\":\"0.32.7\"}", new HttpHealthCheck().check(RuntimeKind.OLLAMA, url, null));
        }
        try (LoopbackHttpServer server = new LoopbackHttpServer()) {
            server.serve("/health", 503, text("{\"status\":\"loading model\"}"), Map.of());
            String url = server.base().toString().replaceAll("/$", "");
            dev.vmbox.wait.NotReady busy = assertThrows(dev.vmbox.wait.NotReady.class,
                    () -> new HttpHealthCheck().check(RuntimeKind.LLAMA_CPP, url, null));
            assertEquals("GET /health answered 503 (model loading)", busy.getMessage());
        }
    }

    @Test
    void theInstancesApiKeyGoesAsABearerToken() throws Exception {
        try (LoopbackHttpServer server = new LoopbackHttpServer()) {
            server.serve("/health", text("{\"status\":\"ok\"}")).serve("/v1/models", text("{\"data\":[]}"));
            String url = server.base().toString().replaceAll("/$", "");
            new HttpHealthCheck().check(RuntimeKind.VLLM, url, "vmbox-key");
            assertEquals("Bearer vmbox-key", server.requests().get(1).header("Authorization"), "/v1/models needs the key");
        }
    }

    @Test
    void theWaitEndsAtOnceWhenTheVmOrTheTunnelDied() throws Exception {
        try (LoopbackHttpServer server = new LoopbackHttpServer()) {
            server.serve("/health", 503, text("loading"), Map.of());
            String url = server.base().toString().replaceAll("/$", "");
            AtomicInteger checks = new AtomicInteger();
            long t0 = System.nanoTime();
            VmboxException e = assertThrows(VmboxException.class, () -> new HttpHealthCheck().await(RuntimeKind.LLAMA_CPP,
                    url, null, Duration.ofMinutes(3), () -> {
                        if (checks.incrementAndGet() == 2) {
                            throw new VmboxException(ExitCode.FAILED, "the VM is stopped while waiting for llama.cpp", null);
                        }
                    }, Progress.NONE.begin("health")));
            assertEquals("the VM is stopped while waiting for llama.cpp", e.getMessage());
            assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 10, "not the 3 minutes of the timeout");
        }
    }

    @Test
    void aRuntimeThatNeverAnswersTimesOutNamingWhatWasSeen() throws Exception {
        try (LoopbackHttpServer server = new LoopbackHttpServer()) {
            server.serve("/health", 503, text("loading"), Map.of());
            String url = server.base().toString().replaceAll("/$", "");
            VmboxException e = assertThrows(VmboxException.class, () -> new HttpHealthCheck().await(RuntimeKind.VLLM, url, null,
                    Duration.ofSeconds(2), Progress.NONE.begin("health")));
            assertEquals(ExitCode.TIMEOUT, e.exitCode());
            assertTrue(e.getMessage().contains("vllm at " + url) && e.getMessage().contains("GET /health answered 503"),
                    e.getMessage());
            assertTrue(e.hint().contains("vmbox logs"), e.hint());
        }
    }

    @Test
    void theModelListMustNameTheModel() throws Exception {
        try (LoopbackHttpServer server = new LoopbackHttpServer()) {
            server.serve("/v1/models", text("{\"object\":\"list\",\"data\":[{\"id\":\"tiny-llama.gguf\",\"object\":\"model\"}]}"));
            String url = server.base().toString().replaceAll("/$", "");
            assertEquals("tiny-llama.gguf", new HttpHealthCheck().servedModels(url, "tiny-llama.gguf", "vmbox-key"));
            assertEquals("Bearer vmbox-key", server.requests().get(0).header("Authorization"));
            dev.vmbox.wait.NotReady other = assertThrows(dev.vmbox.wait.NotReady.class,
                    () -> new HttpHealthCheck().servedModels(url, "another.gguf", null));
            assertEquals("GET /v1/models lists [tiny-llama.gguf], not another.gguf", other.getMessage());
        }
        try (LoopbackHttpServer server = new LoopbackHttpServer()) {
            server.serve("/v1/models", text("<html>not json"));
            String url = server.base().toString().replaceAll("/$", "");
            assertTrue(assertThrows(dev.vmbox.wait.NotReady.class, () -> new HttpHealthCheck().servedModels(url, "m", null))
                    .getMessage().startsWith("GET /v1/models answered no JSON"));
        }
    }
}
