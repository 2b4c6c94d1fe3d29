package dev.vmbox.app.create;

import dev.vmbox.app.progress.Progress;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.wait.Poll;
import java.time.Duration;

/**
 * Asks the runtime, through the tunnel, whether it serves; returns a one-line answer (e.g. its version).
 * {@code apiKey} is the instance's API key, sent as a bearer token (null: none), which the endpoint asks for.
 */
public interface HealthCheck {
    /**
     * Waits until the runtime answers healthy at {@code baseUrl}, within {@code timeout}; {@code alive} throws when
     * what the answer depends on died (the VM, the tunnel), which ends the wait at once.
     */
    String await(RuntimeKind runtime, String baseUrl, String apiKey, Duration timeout, Poll.Liveness alive, Progress.Step step);

    /** {@link #await(RuntimeKind, String, String, Duration, Poll.Liveness, Progress.Step)} without a liveness check. */
    default String await(RuntimeKind runtime, String baseUrl, String apiKey, Duration timeout, Progress.Step step) {
        return await(runtime, baseUrl, apiKey, timeout, () -> { }, step);
    }
}
