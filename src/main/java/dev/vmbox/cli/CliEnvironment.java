package dev.vmbox.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * What the outside world hands vmbox: environment variables, the root of /sys /proc /dev (a fixture
 * tree in tests), the OS name and a clock. Nothing below the CLI reads System.getenv().
 */
public record CliEnvironment(Map<String, String> env, Path systemRoot, String osName, Clock clock) {
    public static CliEnvironment system() {
        return new CliEnvironment(System.getenv(), Path.of("/"), System.getProperty("os.name", "Linux"),
                Clock.systemUTC());
    }

    public CliEnvironment withEnv(Map<String, String> newEnv) {
        return new CliEnvironment(Map.copyOf(newEnv), systemRoot, osName, clock);
    }
}
