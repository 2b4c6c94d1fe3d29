package dev.vmbox.app.tunnel;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Executables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A tunnel agent run on a thread of the current process, for as long as one command needs it (e.g. health
 * checks during {@code vmbox create} before the detached agent takes over, or end-to-end tests). Same
 * behaviour and state files as the detached agent; {@link #close()} stops it.
 */
public final class InProcessTunnel implements AutoCloseable {
    private final TunnelAgent agent;
    private final Thread thread;
    private final Path stateDir;
    private volatile VmboxException failure;

    private InProcessTunnel(TunnelAgent agent, Path stateDir) {
        this.agent = agent;
        this.stateDir = stateDir;
        this.thread = new Thread(this::run, "vmbox-tunnel");
        this.thread.setDaemon(true);
    }

    /** Starts the agent and waits up to {@code readyTimeout} for the endpoint to accept connections. */
    public static InProcessTunnel start(TunnelSettings settings, Path stateDir, Executables executables, Duration readyTimeout) {
        InProcessTunnel t = new InProcessTunnel(new TunnelAgent(settings, stateDir, executables), stateDir);
        t.thread.start();
        TunnelControl control = new TunnelControl(executables);
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (true) {
            if (t.failure != null) {
                throw t.failure;
            }
            TunnelStatus st = control.status(stateDir);
            if (st.up()) {
                return t;
            }
            if (System.nanoTime() >= deadline) {
                t.close();
                throw new VmboxException(ExitCode.TIMEOUT, "tunnel to '" + settings.name() + "' did not come up within "
                        + readyTimeout.toSeconds() + " s" + Optional.ofNullable(st.lastError()).map(e -> ": " + e).orElse(""),
                        "check that the instance is running; details in " + new TunnelFiles(stateDir).log());
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                t.close();
                Thread.currentThread().interrupt();
                throw new VmboxException(ExitCode.INTERRUPTED, "interrupted while starting the tunnel", null, e);
            }
        }
    }

    private void run() {
        try {
            agent.run();
        } catch (VmboxException e) {
            failure = e;
        }
    }

    public TunnelStatus status(Executables executables) {
        return new TunnelControl(executables).status(stateDir);
    }

    @Override
    public void close() {
        agent.requestStop();
        agent.awaitFinished(Duration.ofSeconds(10));
    }
}
