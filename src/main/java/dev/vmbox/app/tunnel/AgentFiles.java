package dev.vmbox.app.tunnel;

import dev.vmbox.store.FileNames;
import java.nio.file.Path;

/** The files of the one tunnel agent of a VMBOX_HOME, in {@code VMBOX_HOME/_agent} (0700, files 0600). */
public record AgentFiles(Path home) {
    public Path dir() {
        return home.resolve(FileNames.AGENT_DIR);
    }

    /** The control socket: the CLI asks the agent to start, stop and report tunnels here. */
    public Path socket() {
        return dir().resolve(FileNames.AGENT_SOCKET);
    }

    /** The agent's pid and start time. */
    public Path pid() {
        return dir().resolve(FileNames.AGENT_PID);
    }

    /** Locked by the running agent for its whole life: a second agent for the same home refuses to start. */
    public Path lock() {
        return dir().resolve(FileNames.AGENT_LOCK);
    }

    /** The agent's own messages (each tunnel's are in its folder). */
    public Path log() {
        return dir().resolve(FileNames.AGENT_LOG);
    }
}
