package dev.vmbox.app.tunnel;

import dev.vmbox.app.progress.Progress;
import dev.vmbox.runtime.RuntimeKind;
import java.time.Duration;

/**
 * Asks the model server, through the API tunnel at {@code baseUrl}, whether it serves; returns a one-line
 * answer (e.g. its version). What {@code start} waits for once the tunnel is back. {@code apiKey} is the
 * instance's API key (null when the owner turned it off).
 */
@FunctionalInterface
public interface ApiHealth {
    String await(RuntimeKind runtime, String baseUrl, String apiKey, Duration timeout, Progress.Step step);
}
