package dev.vmbox.testing;

import dev.vmbox.cli.CliEnvironment;
import dev.vmbox.cli.Vmbox;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/** Runs the real CLI in-process with a private VMBOX_HOME, a chosen PATH and a fixture system root. */
public final class CliHarness {
    private final Map<String, String> env = new HashMap<>();
    private Path systemRoot = Path.of("/");

    public CliHarness(Path home) {
        env.put("VMBOX_HOME", home.toString());
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("HOME", home.getParent().toString());
    }

    public CliHarness env(String key, String value) {
        env.put(key, value);
        return this;
    }

    public CliHarness systemRoot(Path root) {
        this.systemRoot = root;
        return this;
    }

    public Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliEnvironment e = new CliEnvironment(Map.copyOf(env), systemRoot, "Linux", Clock.systemUTC());
        int code = Vmbox.run(e, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    public record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
