package dev.vmbox.app.tunnel;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.DetachedLauncher;
import dev.vmbox.exec.Executables;
import dev.vmbox.store.SecureFiles;
import dev.vmbox.wait.NotReady;
import dev.vmbox.wait.Poll;
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
     * Writes {@code settings} to the state folder, launches {@code agentCommand} detached (output to the
     * tunnel's log) and waits up to {@code readyTimeout} for the tunnel to come up. Throws the agent's own
     * error when it gave up (endpoint in use, host-key mismatch, ...), and FAILED naming the log when it
     * exited or did not come up in time (the agent then keeps trying in the background). When an agent
     * already runs, returns its status.
     */
    public TunnelStatus start(Path stateDir, TunnelSettings settings, List<String> agentCommand, Duration readyTimeout) {
        settings.validate();
        TunnelStatus current = status(stateDir);
        if (current.running()) {
            return current;
        }
        TunnelFiles files = new TunnelFiles(stateDir);
        TunnelAgent.stopOrphanedSsh(stateDir);
        TunnelAgent.checkEndpointFree(settings);
        try {
            SecureFiles.privateDir(stateDir);
            Files.deleteIfExists(files.state());
            settings.write(files.settings());
            SecureFiles.privateFile(files.log());
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot prepare the tunnel state in " + stateDir + ": " + e.getMessage(),
                    "check the folder's permissions", e);
        }
        long pid = launcher.launch(agentCommand, Map.of(), stateDir, files.log());
        return Poll.until("the tunnel on " + settings.endpoint(), () -> {
            Optional<TunnelState> state = TunnelState.read(stateDir);
            if (state.isPresent() && TunnelState.Phase.FAILED.name().equals(state.get().phase())) {
                waitGone(pid, Duration.ofSeconds(5));
                throw failure(state.get());
            }
            TunnelStatus st = status(stateDir);
            if (st.up()) {
                return st;
            }
            throw new NotReady(st.describe());
        }).every(Duration.ofMillis(50)).aliveWhile(() -> {
            if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                Optional<TunnelState> state = TunnelState.read(stateDir);
                if (state.isPresent() && TunnelState.Phase.FAILED.name().equals(state.get().phase())) {
                    throw failure(state.get());
                }
                throw new VmboxException(ExitCode.FAILED, "the tunnel agent for this instance exited right after start"
                        + state.map(s -> s.lastError() == null ? "" : ": " + s.lastError()).orElse(""), "see " + files.log());
            }
        }).onTimeout(ExitCode.FAILED, "the tunnel did not come up on " + settings.endpoint() + " within "
                + readyTimeout.toSeconds() + " s").timeoutHint("see " + files.log() + "; the agent keeps trying in the "
                + "background (vmbox tunnel status " + settings.name() + ")").await(readyTimeout);
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
                Files.deleteIfExists(new TunnelFiles(stateDir).pid());
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

    /** The pid in the pid file if that process is alive and is the one that wrote it (same start time). */
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
            Path f = new TunnelFiles(stateDir).pid();
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
}
