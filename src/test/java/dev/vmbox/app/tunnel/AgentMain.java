package dev.vmbox.app.tunnel;

import dev.vmbox.exec.Executables;
import java.nio.file.Path;

/** Test entry point standing in for {@code vmbox tunnel run NAME}: runs the agent from a state folder's settings. */
public final class AgentMain {
    private AgentMain() {
    }

    public static void main(String[] args) {
        Path state = Path.of(args[0]);
        TunnelAgent.runForeground(TunnelSettings.read(new TunnelFiles(state).settings()), state,
                Executables.fromEnvironment(System.getenv()));
    }
}
