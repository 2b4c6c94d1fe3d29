package dev.vmbox.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: what a real shell makes of shell code such as {@code vmbox env}'s output. The code is evaluated as a
 * user does ({@code eval "$(vmbox env NAME)"} in sh, {@code ... | source} in fish) in a bare environment, and one
 * variable's value comes back exactly (no trailing newline added or removed).
 */
public final class ShellEval {
    public static final Path FISH = Path.of("/usr/bin/fish");

    private ShellEval() {
    }

    /** {@code variable}'s value after {@code /bin/sh} evaluated {@code code}, run in {@code dir}. */
    public static String sh(String code, String variable, Path dir) {
        return run(List.of("/bin/sh", "-c", "eval \"$(cat)\" && printf '%s' \"$" + variable + "\""), code, dir);
    }

    /** {@code variable}'s value after fish sourced {@code code} from its standard input, run in {@code dir}. */
    public static String fish(String code, String variable, Path dir) {
        return run(List.of(FISH.toString(), "--no-config", "-c", "source; printf '%s' \"$" + variable + "\""), code, dir);
    }

    private static String run(List<String> cmd, String stdin, Path dir) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
            pb.environment().clear();
            pb.environment().put("PATH", "/usr/bin:/bin");
            pb.environment().put("HOME", dir.toString());
            Process p = pb.start();
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new AssertionError(cmd + " failed: " + err + "\n--- code\n" + stdin);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
