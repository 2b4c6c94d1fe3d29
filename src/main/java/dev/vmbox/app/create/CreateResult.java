package dev.vmbox.app.create;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What create made: the API endpoint on the host, the model name and the time each step took.
 *
 * @param name      instance name
 * @param endpoint  the API on the host, e.g. http://127.0.0.1:11434
 * @param modelName the name the runtime serves the model under
 * @param steps     step name to duration, in order
 * @param total     the whole create
 * @param notes     things the user should know (warnings, unverified inputs)
 */
public record CreateResult(String name, String endpoint, String modelName, Map<String, Duration> steps,
                           Duration total, List<String> notes) {
}
