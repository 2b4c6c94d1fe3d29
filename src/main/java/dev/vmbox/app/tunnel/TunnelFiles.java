package dev.vmbox.app.tunnel;

import dev.vmbox.store.FileNames;
import java.nio.file.Path;

/** The files of one tunnel agent in its state folder (an instance's {@code tunnel/}); names from {@link FileNames}. */
public record TunnelFiles(Path dir) {
    /** Pid and start time of the running agent. */
    public Path pid() {
        return dir.resolve(FileNames.TUNNEL_PID);
    }

    /** The agent's and ssh's messages. */
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

    /** What the agent carries ({@link TunnelSettings}), written by the starter, read by the agent. */
    public Path settings() {
        return dir.resolve(FileNames.TUNNEL_SETTINGS);
    }

    /** The pinned host key for the agent's ssh client. */
    public Path knownHosts() {
        return dir.resolve(FileNames.TUNNEL_KNOWN_HOSTS);
    }
}
