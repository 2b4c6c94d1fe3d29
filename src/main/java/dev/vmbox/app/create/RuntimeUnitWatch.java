package dev.vmbox.app.create;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.cloudinit.GuestLayout;
import dev.vmbox.ssh.ExecResult;
import dev.vmbox.ssh.SshSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runtime's unit in the guest, watched over SSH while the health step waits for it: a runtime that exits (a model
 * it refuses, a sandbox it cannot live in) is restarted by systemd and would only time the wait out; here its first
 * exit ends the wait at once, and the error names what the runtime itself said (its journal's error lines).
 */
final class RuntimeUnitWatch implements AutoCloseable {
    private static final Duration EXEC = Duration.ofSeconds(20);
    private static final long EVERY_NANOS = Duration.ofSeconds(3).toNanos();
    /** llama-server's log lines: elapsed time, a level letter, the text. */
    private static final Pattern LEVELLED = Pattern.compile("^\\S+ ([EW]) +(.*)$");

    private final java.util.function.Supplier<SshSession> connect;
    private final String runtime;
    private SshSession session;
    private long lastCheck;

    /**
     * @param connect opens the SSH session, at the first check: a runtime that answers at once needs none (each new
     *                session costs a key exchange, a second under software emulation)
     */
    RuntimeUnitWatch(java.util.function.Supplier<SshSession> connect, String runtime) {
        this.connect = connect;
        this.runtime = runtime;
    }

    private SshSession session() {
        if (session == null) {
            session = connect.get();
        }
        return session;
    }

    @Override
    public void close() {
        if (session != null) {
            session.close();
        }
    }

    /** A liveness check: throws (with the runtime's own error lines) once the unit has failed or restarted. */
    void requireUp() {
        long now = System.nanoTime();
        if (lastCheck != 0 && now - lastCheck < EVERY_NANOS) {
            return;
        }
        lastCheck = now;
        ExecResult r = session().exec("systemctl show " + GuestLayout.RUNTIME_UNIT + " -p ActiveState -p NRestarts -p Result",
                EXEC);
        String state = property(r.stdout(), "ActiveState");
        String restarts = property(r.stdout(), "NRestarts");
        if ("failed".equals(state) || restarts != null && !restarts.equals("0")) {
            throw failed(runtime + " exited (" + GuestLayout.RUNTIME_UNIT + ": " + state + ", result "
                    + property(r.stdout(), "Result") + ", " + restarts + " restarts)", null);
        }
    }

    /** {@code cause} with the runtime's own error lines added (after a wait that timed out). */
    VmboxException explain(VmboxException cause) {
        List<String> said = errorLines();
        if (said.isEmpty()) {
            return cause;
        }
        return new VmboxException(cause.exitCode(), cause.getMessage() + "; " + runtime + " said: " + String.join("; ", said),
                cause.hint(), cause);
    }

    private VmboxException failed(String what, Exception cause) {
        List<String> said = errorLines();
        return new VmboxException(ExitCode.FAILED, what + (said.isEmpty() ? "" : ": " + String.join("; ", said)),
                "the runtime could not serve the model: see its whole journal with: vmbox logs NAME (a model it refuses: "
                        + "check the file is a GGUF this llama.cpp supports)", cause);
    }

    /** The runtime's error lines of this boot, oldest first, each once, at most five. */
    List<String> errorLines() {
        ExecResult r;
        try {
            r = session().exec("sudo -n journalctl -u " + GuestLayout.RUNTIME_UNIT + " -b --no-pager -o cat -n 300", EXEC);
        } catch (VmboxException e) {
            return List.of();
        }
        return errorLines(r.stdout());
    }

    static List<String> errorLines(String journal) {
        Set<String> errors = new LinkedHashSet<>();
        List<String> all = new ArrayList<>();
        for (String line : journal.split("\n")) {
            Matcher m = LEVELLED.matcher(line.strip());
            if (m.matches() && m.group(1).equals("E")) {
                errors.add(m.group(2).strip());
            }
            if (!line.isBlank()) {
                all.add(line.strip());
            }
        }
        List<String> out = errors.isEmpty() ? all.subList(Math.max(0, all.size() - 3), all.size()) : new ArrayList<>(errors);
        return out.size() <= 5 ? out : List.of(out.get(0), out.get(1), "…", out.get(out.size() - 2), out.get(out.size() - 1));
    }

    private static String property(String show, String name) {
        for (String line : show.split("\n")) {
            if (line.startsWith(name + "=")) {
                return line.substring(name.length() + 1).strip();
            }
        }
        return null;
    }
}
