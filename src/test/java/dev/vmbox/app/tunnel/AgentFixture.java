package dev.vmbox.app.tunnel;

import dev.vmbox.exec.Executables;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.ApiKeys;
import dev.vmbox.ssh.SshTarget;
import dev.vmbox.testing.LocalSshd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Test fixture: the user's tunnel agent for a VMBOX_HOME, run on a thread of the test JVM (as a service, so it
 * stays when no tunnel is wanted), and the CLI's side of it ({@link TunnelControl}) pointed at it.
 */
final class AgentFixture implements AutoCloseable {
    static final Executables EXEC = Executables.fromEnvironment(System.getenv());

    final Path home;
    final TunnelAgent agent;
    final Thread thread;
    final TunnelControl control = new TunnelControl(EXEC);

    private AgentFixture(Path home) {
        this.home = home;
        this.agent = new TunnelAgent(home, EXEC, true);
        this.thread = new Thread(agent::run, "test-agent");
        thread.setDaemon(true);
    }

    static AgentFixture start(Path home) {
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AgentFixture f = new AgentFixture(home);
        f.thread.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!new AgentClient(home).alive()) {
            if (System.nanoTime() > deadline || !f.thread.isAlive()) {
                throw new IllegalStateException("the agent did not start");
            }
            sleep(20);
        }
        return f;
    }

    /** Loopback TCP settings on a free port to {@code remotePort} in the "guest", short backoff. */
    static TunnelSettings settings(String name, SshTarget target, int remotePort) {
        try {
            return TunnelSettings.loopback(name, target, LocalSshd.freePort(), remotePort, RuntimeKind.OLLAMA, null)
                    .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path stateDir(String name) {
        return home.resolve(name).resolve("tunnel");
    }

    TunnelStatus start(TunnelSettings s) {
        return control.start(stateDir(s.name()), s, List.of("/bin/false"), Duration.ofSeconds(30));
    }

    TunnelStatus status(String name) {
        return control.status(stateDir(name));
    }

    boolean stop(String name) {
        return control.stop(stateDir(name), Duration.ofSeconds(10));
    }

    String key(String name) {
        return ApiKeys.read(new TunnelFiles(stateDir(name)).apiKey());
    }

    String log(String name) {
        try {
            return Files.readString(new TunnelFiles(stateDir(name)).log());
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits until the tunnel is up with at least {@code restarts} reconnections. */
    TunnelStatus awaitUp(String name, int restarts, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            TunnelStatus st = status(name);
            if (st.up() && st.restarts() >= restarts) {
                return st;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("tunnel '" + name + "' not up within " + timeout + ": " + st + "\n" + log(name));
            }
            sleep(25);
        }
    }

    @Override
    public void close() {
        agent.requestStop();
        agent.awaitFinished(Duration.ofSeconds(30));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
