package dev.vmbox.app.tunnel;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.store.FileNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The files of one instance's tunnel, in its folder {@code VMBOX_HOME/NAME/tunnel} (0700, files 0600); the names
 * are {@link FileNames}'. The folder's place in VMBOX_HOME is fixed, so the instance, its key and the home that
 * holds the agent follow from it.
 */
public record TunnelFiles(Path dir) {
    /** Longest Unix socket path every supported system accepts (macOS: 104 bytes with the terminating NUL). */
    static final int MAX_SOCKET_PATH = 103;

    /** The agent's and ssh's messages about this tunnel. */
    public Path log() {
        return dir.resolve(FileNames.TUNNEL_LOG);
    }

    /** The previous log, after rotation. */
    public Path oldLog() {
        return dir.resolve(FileNames.TUNNEL_LOG_OLD);
    }

    /** What the agent last reported ({@link TunnelState}). */
    public Path state() {
        return dir.resolve(FileNames.TUNNEL_STATE);
    }

    /** What the tunnel carries ({@link TunnelSettings}), written by the starter, read by the agent. */
    public Path settings() {
        return dir.resolve(FileNames.TUNNEL_SETTINGS);
    }

    /** What the owner wants ({@link TunnelWish}). */
    public Path wish() {
        return dir.resolve(FileNames.TUNNEL_WISH);
    }

    /** The pinned host key for the agent's ssh client. */
    public Path knownHosts() {
        return dir.resolve(FileNames.TUNNEL_KNOWN_HOSTS);
    }

    /** ssh's forward: only the agent connects to it. */
    public Path upstreamSocket() {
        return dir.resolve(FileNames.TUNNEL_UPSTREAM_SOCKET);
    }

    /** The API as a Unix socket, for {@code tunnel start --socket}. */
    public Path apiSocket() {
        return dir.resolve(FileNames.TUNNEL_API_SOCKET);
    }

    /** The pid file an agent of the earlier one-agent-per-instance design left. */
    public Path legacyPid() {
        return dir.resolve(FileNames.TUNNEL_PID_LEGACY);
    }

    /** The instance's folder. */
    public Path instanceDir() {
        return dir.toAbsolutePath().getParent();
    }

    /** The instance's name. */
    public String name() {
        return instanceDir().getFileName().toString();
    }

    /** VMBOX_HOME, where the agent that serves this tunnel lives. */
    public Path home() {
        return instanceDir().getParent();
    }

    /** The instance's API key file. */
    public Path apiKey() {
        return instanceDir().resolve(FileNames.SSH_DIR).resolve(FileNames.API_KEY);
    }

    /** Refuses a socket path too long for the system (BAD_INPUT naming VMBOX_HOME). */
    static Path checkSocketPath(Path socket) {
        if (socket.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new VmboxException(ExitCode.BAD_INPUT, "the socket path " + socket + " is longer than a Unix socket "
                    + "allows (" + MAX_SOCKET_PATH + " bytes)", "use a shorter VMBOX_HOME (or shorter instance names)");
        }
        return socket;
    }
}
