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
    private static final String MODELS = "/v1/models";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
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

    /**
     * Waits until the runtime's OpenAI-style model list ({@code GET /v1/models}) names {@code model}, within
     * {@code timeout}; returns the names it serves. For llama-server, whose list names the alias it was given.
     */
    public String awaitModel(String baseUrl, String model, String apiKey, Duration timeout, Poll.Liveness alive,
                             Progress.Step step) {
        return Poll.until("the model " + model + " in " + baseUrl + MODELS, () -> servedModels(baseUrl, model, apiKey))
                .aliveWhile(alive)
                .onWait((seen, waited) -> step.detail("waiting for the model list (" + seen + ")"))
                .timeoutHint("see the runtime's journal with: vmbox logs NAME")
                .await(timeout);
    }

    /** The ids {@code GET /v1/models} lists, when {@code model} is one of them; {@link NotReady} otherwise. */
    public String servedModels(String baseUrl, String model, String apiKey) {
        Answer a = get(baseUrl + MODELS, apiKey, 1 << 20);
        if (a.status != 200) {
            throw new NotReady("GET " + MODELS + " answered " + a.status);
        }
        java.util.List<String> ids = new java.util.ArrayList<>();
        try {
            com.fasterxml.jackson.databind.JsonNode data = JSON.readTree(a.body).path("data");
            for (com.fasterxml.jackson.databind.JsonNode m : data) {
                ids.add(m.path("id").asText());
            }
        } catch (IOException e) {
            throw new NotReady("GET " + MODELS + " answered no JSON: " + e.getMessage());
        }
        if (!ids.contains(model)) {
            throw new NotReady("GET " + MODELS + " lists " + ids + ", not " + model);
        }
        return String.join(", ", ids);
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
        return get(url, apiKey, 300);
    }

    private Answer get(String url, String apiKey, int keep) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
            if (apiKey != null) {
                b.header("Authorization", "Bearer " + apiKey);
            }
            HttpResponse<String> r = http().send(b.build(), HttpResponse.BodyHandlers.ofString());
            String body = r.body() == null ? "" : r.body();
            return new Answer(r.statusCode(), body.length() > keep ? body.substring(0, keep) : body);
        } catch (IOException e) {
            throw new NotReady(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted", null, e);
        }
    }

    private record Answer(int status, String body) {
    }
}
