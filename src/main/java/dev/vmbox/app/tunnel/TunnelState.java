package dev.vmbox.app.tunnel;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * What the agent last reported, in {@code tunnel.state.json} of the instance folder.
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

    /** Agent phases. */
    public enum Phase { CONNECTING, UP, BACKOFF, STOPPED, FAILED }

    static final String FILE = "tunnel.state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    void write(Path stateDir) throws IOException {
        Path file = stateDir.resolve(FILE);
        Path tmp = stateDir.resolve(FILE + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(this));
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static Optional<TunnelState> read(Path stateDir) {
        Path file = stateDir.resolve(FILE);
        try {
            return Files.isRegularFile(file) ? Optional.of(JSON.readValue(file.toFile(), TunnelState.class)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
