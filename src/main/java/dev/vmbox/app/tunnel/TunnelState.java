package dev.vmbox.app.tunnel;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the agent reports about one tunnel: over its control socket while it runs, and in the tunnel folder's
 * state file ({@link TunnelFiles#state()}), which outlives it (the last error, and the ssh pid an agent killed
 * with SIGKILL leaves behind for the next one to end).
 *
 * @param pid       the agent's pid
 * @param endpoint  where it listens (host side)
 * @param phase     {@link Phase} name
 * @param lastError the last failure, one line, or null
 * @param exitCode  for phase FAILED: the vmbox exit-code name that describes the failure
 * @param hint      for phase FAILED: what the user can do
 * @param since     when the phase began (ISO-8601)
 * @param restarts  how many times the SSH connection was re-established
 * @param sshPid    pid of the ssh client process, 0 when none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TunnelState(long pid, String endpoint, String phase, String lastError, String exitCode, String hint,
                          String since, int restarts, long sshPid) {

    /**
     * Phases: CONNECTING (ssh starting, or the runtime not answering yet), UP (a request reached the runtime's
     * health path through ssh), BACKOFF (waiting to reconnect), STOPPED, FAILED (given up: see the error).
     */
    public enum Phase { CONNECTING, UP, BACKOFF, STOPPED, FAILED }

    static final ObjectMapper JSON = new ObjectMapper();

    /** Replaces the state file atomically (0600). */
    void write(Path stateDir) throws IOException {
        SecureFiles.writeAtomically(new TunnelFiles(stateDir).state(), JSON.writeValueAsBytes(this));
    }

    static Optional<TunnelState> read(Path stateDir) {
        Path file = new TunnelFiles(stateDir).state();
        try {
            return Files.isRegularFile(file) ? Optional.of(JSON.readValue(file.toFile(), TunnelState.class)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
