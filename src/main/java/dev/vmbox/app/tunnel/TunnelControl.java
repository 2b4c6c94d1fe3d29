package dev.vmbox.app.tunnel;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.DetachedLauncher;
import dev.vmbox.exec.Executables;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts, stops and inspects the detached tunnel agent of one instance; the state folder is the instance's
 * folder (or a sub-folder of it). The command line that runs the agent is handed in by the caller
 * (e.g. {@code java -cp vmbox.jar dev.vmbox.cli.Main tunnel run NAME}), which then calls
 * {@link TunnelAgent#runForeground}; this class does not depend on the CLI.
 */
public final class TunnelControl {
    private final DetachedLauncher launcher;

    public TunnelControl(Executables executables) {
        this.launcher = new DetachedLauncher(executables);
    }

    /**
     * Writes {@code settings} to {@code tunnel.settings.json} in the state folder, launches
     * {@code agentCommand} detached (output to {@code tunnel.log}) and waits up to {@code readyTimeout} for
     * the tunnel to come up. Returns the status: {@link TunnelStatus#up()} is false if the guest was not
     * reachable in time (the agent keeps trying in the background). Throws the agent's own error when it
     * gave up (endpoint in use, host-key mismatch, ...). When an agent already runs, returns its status.
     */
    public TunnelStatus start(Path stateDir, TunnelSettings settings, List<String> agentCommand, Duration readyTimeout) {
        settings.validate();
        TunnelStatus current = status(stateDir);
        if (current.running()) {
            return current;
        }
        TunnelAgent.stopOrphanedSsh(stateDir);
        TunnelAgent.checkEndpointFree(settings);
        try {
            Files.createDirectories(stateDir);
            Files.deleteIfExists(stateDir.resolve(TunnelState.FILE));
            settings.write(stateDir.resolve(TunnelAgent.SETTINGS_FILE));
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot prepare the tunnel state in " + stateDir + ": " + e.getMessage(),
                    "check the folder's permissions", e);
        }
        long pid = launcher.launch(agentCommand, Map.of(), stateDir, stateDir.resolve(TunnelAgent.LOG_FILE));
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (true) {
            Optional<TunnelState> state = TunnelState.read(stateDir);
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            if (state.isPresent() && "FAILED".equals(state.get().phase())) {
                waitGone(pid, Duration.ofSeconds(5));
                throw failure(state.get());
            }
            if (!alive) {
                throw new VmboxException(ExitCode.FAILED, "the tunnel agent for this instance exited right after start"
                        + state.map(s -> s.lastError() == null ? "" : ": " + s.lastError()).orElse(""),
                        "see " + stateDir.resolve(TunnelAgent.LOG_FILE));
            }
            TunnelStatus st = status(stateDir);
            if (st.up() || System.nanoTime() >= deadline) {
                return st;
            }
            sleep(50);
        }
    }

    private static VmboxException failure(TunnelState s) {
        ExitCode code;
        try {
            code = s.exitCode() == null ? ExitCode.FAILED : ExitCode.valueOf(s.exitCode());
        } catch (IllegalArgumentException e) {
            code = ExitCode.FAILED;
        }
        return new VmboxException(code, s.lastError() == null ? "the tunnel agent failed" : s.lastError(), s.hint());
    }

    /**
     * Stops the agent (SIGTERM; after {@code timeout}, SIGKILL) and waits for it to end. Returns false when
     * no agent was running.
     */
    public boolean stop(Path stateDir, Duration timeout) {
        Optional<Long> pid = runningAgentPid(stateDir);
        if (pid.isEmpty()) {
            boolean orphan = TunnelAgent.stopOrphanedSsh(stateDir);
            try {
                Files.deleteIfExists(stateDir.resolve(TunnelAgent.PID_FILE));
            } catch (IOException ignored) {
                // a stale pid file is harmless
            }
            return orphan;
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid.get());
        if (h.isEmpty()) {
            return false;
        }
        h.get().destroy();
        if (!waitGone(pid.get(), timeout)) {
            h.get().descendants().forEach(ProcessHandle::destroyForcibly);
            h.get().destroyForcibly();
            if (!waitGone(pid.get(), Duration.ofSeconds(5))) {
                throw new VmboxException(ExitCode.FAILED, "tunnel agent (pid " + pid.get() + ") did not stop",
                        "stop it by hand: kill -9 " + pid.get());
            }
        }
        return true;
    }

    /** The agent's state: process alive, endpoint reachable, last phase and error. Never throws for a missing agent. */
    public TunnelStatus status(Path stateDir) {
        Optional<Long> pid = runningAgentPid(stateDir);
        Optional<TunnelState> state = TunnelState.read(stateDir);
        boolean reachable = false;
        if (pid.isPresent() && state.isPresent()) {
            reachable = endpointAccepts(state.get().endpoint(), Duration.ofMillis(500));
        }
        return new TunnelStatus(pid.isPresent(), pid.orElse(0L), state.map(TunnelState::endpoint).orElse(null), reachable,
                state.map(TunnelState::phase).orElse(null), state.map(TunnelState::lastError).orElse(null),
                state.map(TunnelState::since).orElse(null), state.map(TunnelState::restarts).orElse(0));
    }

    /** The pid in {@code tunnel.pid} if that process is alive and is the one that wrote it (same start time). */
    static Optional<Long> runningAgentPid(Path stateDir) {
        return readPid(stateDir).filter(p -> {
            Optional<ProcessHandle> h = ProcessHandle.of(p[0]);
            if (h.isEmpty() || !h.get().isAlive()) {
                return false;
            }
            long started = h.get().info().startInstant().map(Instant::toEpochMilli).orElse(0L);
            return p[1] == 0 || started == 0 || Math.abs(started - p[1]) < 2000;
        }).map(p -> p[0]);
    }

    static Optional<long[]> readPid(Path stateDir) {
        try {
            Path f = stateDir.resolve(TunnelAgent.PID_FILE);
            if (!Files.isRegularFile(f)) {
                return Optional.empty();
            }
            String[] parts = Files.readString(f).strip().split("\\s+");
            return Optional.of(new long[] {Long.parseLong(parts[0]), parts.length > 1 ? Long.parseLong(parts[1]) : 0});
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    static boolean endpointAccepts(TunnelSettings s, Duration timeout) {
        return endpointAccepts(s.endpoint(), timeout);
    }

    /** Connects to {@code 127.0.0.1:PORT}, {@code [::1]:PORT} or a Unix socket path and closes again. */
    static boolean endpointAccepts(String endpoint, Duration timeout) {
        if (endpoint == null) {
            return false;
        }
        if (endpoint.startsWith("/")) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                return ch.connect(UnixDomainSocketAddress.of(endpoint));
            } catch (IOException e) {
                return false;
            }
        }
        int colon = endpoint.lastIndexOf(':');
        String host = endpoint.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(endpoint.substring(colon + 1));
        try (Socket sock = new Socket()) {
            sock.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean waitGone(long pid, Duration timeout) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty()) {
            return true;
        }
        CompletableFuture<ProcessHandle> exit = h.get().onExit();
        try {
            exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !h.get().isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !h.get().isAlive();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VmboxException(ExitCode.INTERRUPTED, "interrupted while waiting for the tunnel", null, e);
        }
    }
}
