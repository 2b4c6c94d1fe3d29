package dev.vmbox.exec;

import dev.vmbox.log.Redactor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One external program to run: argv, environment additions, working folder, standard input, the
 * exit codes that count as success, and a <b>required</b> timeout. Secrets are never put in argv;
 * values listed in {@link #secrets()} (passed through the environment or stdin) are masked wherever
 * the command is displayed or logged.
 */
public record Command(
        List<String> argv,
        Map<String, String> env,
        Path workDir,
        byte[] stdin,
        Duration timeout,
        Set<Integer> okExitCodes,
        List<String> secrets) {

    public Command {
        argv = List.copyOf(Objects.requireNonNull(argv, "argv"));
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("a command needs at least a program name");
        }
        for (String arg : argv) {
            Objects.requireNonNull(arg, "argv element");
            if (arg.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("argument contains a NUL byte: " + Redactor.redact(arg));
            }
        }
        env = Map.copyOf(env == null ? Map.of() : env);
        Objects.requireNonNull(timeout, "every command needs a timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        okExitCodes = Set.copyOf(okExitCodes == null || okExitCodes.isEmpty() ? Set.of(0) : okExitCodes);
        secrets = List.copyOf(secrets == null ? List.of() : secrets);
    }

    /** A command with default settings: exit code 0 is success, no stdin, inherited environment. */
    public static Command of(Duration timeout, String... argv) {
        return new Command(List.of(argv), Map.of(), null, null, timeout, Set.of(0), List.of());
    }

    public static Command of(Duration timeout, List<String> argv) {
        return new Command(argv, Map.of(), null, null, timeout, Set.of(0), List.of());
    }

    public String program() {
        return argv.get(0);
    }

    public Command withEnv(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(env);
        copy.put(key, value);
        return new Command(argv, copy, workDir, stdin, timeout, okExitCodes, secrets);
    }

    public Command withWorkDir(Path dir) {
        return new Command(argv, env, dir, stdin, timeout, okExitCodes, secrets);
    }

    public Command withStdin(byte[] input) {
        return new Command(argv, env, workDir, input == null ? null : input.clone(), timeout, okExitCodes, secrets);
    }

    public Command withTimeout(Duration newTimeout) {
        return new Command(argv, env, workDir, stdin, newTimeout, okExitCodes, secrets);
    }

    /** Exit codes (besides those already accepted) that the caller handles itself, e.g. "not found". */
    public Command allowExitCodes(Integer... codes) {
        Set<Integer> copy = new java.util.HashSet<>(okExitCodes);
        copy.addAll(List.of(codes));
        return new Command(argv, env, workDir, stdin, timeout, copy, secrets);
    }

    public Command withSecrets(Collection<String> values) {
        List<String> copy = new ArrayList<>(secrets);
        copy.addAll(values);
        return new Command(argv, env, workDir, stdin, timeout, okExitCodes, copy);
    }

    /**
     * The command as a person would type it, shell-quoted, with secrets masked. Environment
     * additions are shown by name only: their values may be secret.
     */
    public String display() {
        StringBuilder sb = new StringBuilder();
        if (!env.isEmpty()) {
            sb.append(env.keySet().stream().sorted().map(k -> k + "=…").collect(Collectors.joining(" "))).append(' ');
        }
        sb.append(argv.stream().map(Command::shellQuote).collect(Collectors.joining(" ")));
        return Redactor.redact(sb.toString(), secrets);
    }

    static String shellQuote(String arg) {
        if (!arg.isEmpty() && arg.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Command c && argv.equals(c.argv) && env.equals(c.env)
                && Objects.equals(workDir, c.workDir) && java.util.Arrays.equals(stdin, c.stdin)
                && timeout.equals(c.timeout) && okExitCodes.equals(c.okExitCodes) && secrets.equals(c.secrets);
    }

    @Override
    public int hashCode() {
        return Objects.hash(argv, env, workDir, java.util.Arrays.hashCode(stdin), timeout, okExitCodes);
    }

    @Override
    public String toString() {
        return display();
    }
}
