package dev.vmbox.runtime;

import java.util.Objects;

/**
 * One request of a runtime's health check: {@code GET path} must answer 200 (and contain {@code mustContain} when
 * given); until it does, the runtime is not ready.
 *
 * @param path        the URL path ({@code /health})
 * @param mustContain text the answer must hold, or null
 * @param busyNote    said beside a 503 while the runtime loads its model, or null
 */
public record HealthProbe(String path, String mustContain, String busyNote) {
    public HealthProbe {
        Objects.requireNonNull(path, "path");
    }

    public static HealthProbe get(String path) {
        return new HealthProbe(path, null, null);
    }
}
