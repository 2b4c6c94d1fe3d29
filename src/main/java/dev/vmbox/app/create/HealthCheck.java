package dev.vmbox.app.create;

import dev.vmbox.app.progress.Progress;
import dev.vmbox.runtime.RuntimeKind;
import java.time.Duration;

/**
 * Asks the runtime, through the tunnel, whether it serves; returns a one-line answer (e.g. its version).
 * {@code apiKey} is the instance's API key, sent as a bearer token (null: none).
 */
public interface HealthCheck {
    String await(RuntimeKind runtime, String baseUrl, String apiKey, Duration timeout, Progress.Step step);
}
