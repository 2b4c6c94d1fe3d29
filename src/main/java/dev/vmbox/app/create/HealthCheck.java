package dev.vmbox.app.create;

import dev.vmbox.app.progress.Progress;
import dev.vmbox.runtime.RuntimeKind;
import java.time.Duration;

/** Asks the runtime, through the tunnel, whether it serves; returns a one-line answer (e.g. its version). */
public interface HealthCheck {
    String await(RuntimeKind runtime, String baseUrl, Duration timeout, Progress.Step step);
}
