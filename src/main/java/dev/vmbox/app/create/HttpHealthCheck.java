package dev.vmbox.app.create;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.runtime.HealthProbe;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.wait.NotReady;
import dev.vmbox.wait.Poll;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The runtime's own health endpoints ({@link RuntimeKind#healthProbes()}: Ollama {@code GET /} "Ollama is running"
 * then {@code /api/version}; llama-server {@code GET /health}, 503 while the model loads; vLLM {@code GET /health}
 * then {@code /v1/models}), asked through the tunnel until they answer, the time is up, or the VM or the tunnel
 * died (the liveness check).
 */
public final class HttpHealthCheck implements HealthCheck {
    private HttpClient http;

    /** Made on first use: commands that never check health (list, status) do not pay for an HTTP client. */
    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .proxy(java.net.ProxySelector.of(null))
                    .build();
        }
        return http;
    }

    @Override
    public String await(RuntimeKind runtime, String baseUrl, String apiKey, Duration timeout, Poll.Liveness alive,
                        Progress.Step step) {
        return Poll.until(runtime.cliName() + " at " + baseUrl, () -> check(runtime, baseUrl, apiKey))
                .aliveWhile(alive)
                .onWait((seen, waited) -> step.detail("waiting for " + runtime.cliName() + " (" + seen + ")"))
                .timeoutHint("see the runtime's journal with: vmbox logs NAME")
                .await(timeout);
    }

    /** One round of checks; {@link NotReady} when the runtime is not (yet) healthy. */
    public String check(RuntimeKind runtime, String baseUrl, String apiKey) {
        String body = "";
        for (HealthProbe probe : runtime.healthProbes()) {
            Answer a = get(baseUrl + probe.path(), apiKey);
            if (a.status != 200 || (probe.mustContain() != null && !a.body.contains(probe.mustContain()))) {
                throw new NotReady("GET " + probe.path() + " answered " + a.status
                        + (a.status == 503 && probe.busyNote() != null ? " (" + probe.busyNote() + ")" : ""));
            }
            body = a.body;
        }
        return runtime.healthy(body);
    }

    private Answer get(String url, String apiKey) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
            if (apiKey != null) {
                b.header("Authorization", "Bearer " + apiKey);
            }
            HttpResponse<String> r = http().send(b.build(), HttpResponse.BodyHandlers.ofString());
            String body = r.body() == null ? "" : r.body();
            return new Answer(r.statusCode(), body.length() > 300 ? body.substring(0, 300) : body);
        } catch (IOException e) {
            throw new NotReady(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted", null, e);
        }
    }

    private record Answer(int status, String body) {
    }
}
