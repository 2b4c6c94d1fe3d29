package dev.vmbox.app.create;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.progress.Progress;
import dev.vmbox.runtime.RuntimeKind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The runtime's own health endpoints, asked through the tunnel until they answer or the time is up:
 * Ollama {@code GET /} ("Ollama is running") then {@code /api/version}; llama-server {@code GET /health}
 * (503 while the model loads); vLLM {@code GET /health} then {@code /v1/models}.
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
    public String await(RuntimeKind runtime, String baseUrl, String apiKey, Duration timeout, Progress.Step step) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (true) {
            try {
                return check(runtime, baseUrl, apiKey);
            } catch (NotYet e) {
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new VmboxException(ExitCode.TIMEOUT, runtime.cliName() + " did not answer at " + baseUrl + " within "
                        + timeout.toSeconds() + " s (last: " + last + ")",
                        "see the runtime's journal with: vmbox logs NAME");
            }
            step.detail("waiting for " + runtime.cliName() + " (" + last + ")");
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmboxException(ExitCode.INTERRUPTED, "interrupted", null, e);
            }
        }
    }

    /** One round of checks; {@link NotYet} when the runtime is not (yet) healthy. */
    public String check(RuntimeKind runtime, String baseUrl, String apiKey) {
        return switch (runtime) {
            case OLLAMA -> {
                Answer root = get(baseUrl + "/", apiKey);
                if (root.status != 200 || !root.body.contains("Ollama is running")) {
                    throw new NotYet("GET / answered " + root.status);
                }
                Answer v = get(baseUrl + "/api/version", apiKey);
                if (v.status != 200) {
                    throw new NotYet("GET /api/version answered " + v.status);
                }
                yield "Ollama answers, " + v.body.strip();
            }
            case LLAMA_CPP -> {
                Answer h = get(baseUrl + "/health", apiKey);
                if (h.status != 200) {
                    throw new NotYet("GET /health answered " + h.status + (h.status == 503 ? " (model loading)" : ""));
                }
                yield "llama-server answers " + h.body.strip();
            }
            case VLLM -> {
                Answer h = get(baseUrl + "/health", apiKey);
                if (h.status != 200) {
                    throw new NotYet("GET /health answered " + h.status);
                }
                Answer m = get(baseUrl + "/v1/models", apiKey);
                if (m.status != 200) {
                    throw new NotYet("GET /v1/models answered " + m.status);
                }
                yield "vLLM answers, models " + m.body.strip();
            }
        };
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
            throw new NotYet(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted", null, e);
        }
    }

    private record Answer(int status, String body) {
    }

    /** The runtime is not healthy yet; the message says what was seen. */
    public static final class NotYet extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotYet(String message) {
            super(message);
        }
    }
}
