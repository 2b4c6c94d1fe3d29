package dev.vmbox.app.tunnel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.DetachedLauncher;
import dev.vmbox.exec.Executables;
import dev.vmbox.security.ApiKeys;
import dev.vmbox.store.SecureFiles;
import dev.vmbox.wait.NotReady;
import dev.vmbox.wait.Poll;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CLI's side of the tunnels: writes what a tunnel should be into its folder ({@link TunnelSettings},
 * {@link TunnelWish}), makes sure the user's agent runs (starting it detached with the given command when it does
 * not), and asks it over its control socket to start, stop or report a tunnel. A tunnel's folder is
 * {@code VMBOX_HOME/NAME/tunnel}: the instance and the home follow from it ({@link TunnelFiles}).
 */
public final class TunnelControl {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration AGENT_START = Duration.ofSeconds(30);

    private final DetachedLauncher launcher;

    public TunnelControl(Executables executables) {
        this.launcher = new DetachedLauncher(executables);
    }

    /**
     * Marks the tunnel wanted, writes {@code settings} as the owner's wish shapes them (a Unix socket for
     * {@code --socket}; the instance's API key, made now if there is none, unless turned off), starts the agent
     * with {@code agentCommand} if none runs, asks it to serve the tunnel and waits up to {@code readyTimeout} until
     * the runtime answers through it. Throws the agent's own error (port in use: IN_USE, host-key mismatch:
     * SECURITY, ...), and FAILED naming the log when it did not come up in time (the agent keeps trying).
     */
    public TunnelStatus start(Path stateDir, TunnelSettings settings, List<String> agentCommand, Duration readyTimeout) {
        TunnelFiles files = new TunnelFiles(stateDir);
        TunnelWish wish = TunnelWish.read(files.wish()).withWanted(true);
        TunnelSettings shaped = shape(settings, wish, files);
        shaped.validate();
        try {
            SecureFiles.privateDir(stateDir);
            shaped.write(files.settings());
            wish.write(files.wish());
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot write the tunnel's settings in " + stateDir + ": " + e.getMessage(),
                    "check the folder's permissions", e);
        }
        AgentClient agent = ensureAgent(files.home(), agentCommand);
        AgentClient.Reply reply = agent.request("START " + files.name(), REQUEST_TIMEOUT).orElseThrow(() ->
                new VmboxException(ExitCode.FAILED, "the tunnel agent did not answer", "see " + new AgentFiles(files.home()).log()));
        if (!reply.ok()) {
            throw failure(reply.json());
        }
        return Poll.until("the tunnel on " + shaped.endpoint(), () -> {
            TunnelStatus st = status(stateDir);
            if ("FAILED".equals(st.phase())) {
                throw failure(TunnelState.read(stateDir));
            }
            if (st.up()) {
                return st;
            }
            throw new NotReady(st.describe());
        }).every(Duration.ofMillis(100)).onTimeout(ExitCode.FAILED, "the tunnel did not come up on " + shaped.endpoint()
                + " within " + readyTimeout.toSeconds() + " s").timeoutHint("see " + files.log() + "; the agent keeps trying "
                + "in the background (vmbox tunnel status " + files.name() + ")").await(readyTimeout);
    }

    /** The settings as the wish wants them: socket or TCP, key or not. */
    static TunnelSettings shape(TunnelSettings settings, TunnelWish wish, TunnelFiles files) {
        TunnelSettings s = settings.withUnixSocket(wish.socket() ? files.apiSocket() : null);
        if (wish.keyOff()) {
            return s.withApiKeyFile(null);
        }
        ApiKeys.ensure(files.apiKey());
        return s.withApiKeyFile(files.apiKey());
    }

    /** The agent of {@code home}, started detached with {@code agentCommand} when none answers. */
    AgentClient ensureAgent(Path home, List<String> agentCommand) {
        AgentClient client = new AgentClient(home);
        if (client.alive()) {
            return client;
        }
        AgentFiles af = new AgentFiles(home);
        SecureFiles.privateDir(af.dir());
        try {
            SecureFiles.privateFile(af.log());
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot write " + af.log() + ": " + e.getMessage(), "check the folder's permissions", e);
        }
        long pid = launcher.launch(agentCommand, Map.of(), home, af.log());
        Poll.until("the tunnel agent", () -> {
            if (client.alive()) {
                return true;
            }
            throw new NotReady("not answering yet");
        }).every(Duration.ofMillis(50)).aliveWhile(() -> {
            if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !client.alive()) {
                throw new VmboxException(ExitCode.FAILED, "the tunnel agent exited right after start", "see " + af.log());
            }
        }).onTimeout(ExitCode.FAILED, "the tunnel agent did not start within " + AGENT_START.toSeconds() + " s")
                .timeoutHint("see " + af.log()).await(AGENT_START);
        return client;
    }

    private static VmboxException failure(Optional<TunnelState> state) {
        return state.map(s -> failure(s.exitCode(), s.lastError(), s.hint()))
                .orElseGet(() -> new VmboxException(ExitCode.FAILED, "the tunnel agent failed", null));
    }

    private static VmboxException failure(String json) {
        try {
            JsonNode n = TunnelState.JSON.readTree(json);
            return failure(n.path("exitCode").asText(null), n.path("message").asText(null), n.path("hint").asText(null));
        } catch (IOException e) {
            return new VmboxException(ExitCode.FAILED, "the tunnel agent failed: " + json, null);
        }
    }

    private static VmboxException failure(String exitCode, String message, String hint) {
        ExitCode code;
        try {
            code = exitCode == null ? ExitCode.FAILED : ExitCode.valueOf(exitCode);
        } catch (IllegalArgumentException e) {
            code = ExitCode.FAILED;
        }
        return new VmboxException(code, message == null ? "the tunnel agent failed" : message, hint);
    }

    /**
     * Marks the tunnel not wanted and asks the agent to stop it (the agent ends itself once no tunnel is wanted).
     * With no agent running, ends an ssh a killed agent left behind. Returns false when nothing was running.
     * {@code timeout} bounds the wait for the agent's answer.
     */
    public boolean stop(Path stateDir, Duration timeout) {
        TunnelFiles files = new TunnelFiles(stateDir);
        TunnelWish wish = TunnelWish.read(files.wish());
        if (wish.wanted()) {
            wish.withWanted(false).write(files.wish());
        }
        Optional<AgentClient.Reply> reply = new AgentClient(files.home()).request("STOP " + files.name(),
                timeout.compareTo(REQUEST_TIMEOUT) > 0 ? timeout : REQUEST_TIMEOUT);
        if (reply.isPresent() && reply.get().ok()) {
            return reply.get().json().contains("\"stopped\":true");
        }
        return Orphans.end(stateDir);
    }

    /** The tunnel as the running agent reports it; not running when no agent serves it. Never throws. */
    public TunnelStatus status(Path stateDir) {
        TunnelFiles files = new TunnelFiles(stateDir);
        boolean autostart = TunnelWish.read(files.wish()).autostart();
        Optional<AgentClient.Reply> reply = new AgentClient(files.home()).request("STATUS " + files.name(), REQUEST_TIMEOUT);
        if (reply.isPresent() && reply.get().ok()) {
            try {
                TunnelState s = TunnelState.JSON.readValue(reply.get().json(), TunnelState.class);
                return new TunnelStatus(!"FAILED".equals(s.phase()) && !"STOPPED".equals(s.phase()), s.pid(), s.endpoint(),
                        "UP".equals(s.phase()), s.phase(), s.lastError(), s.since(), s.restarts(), autostart);
            } catch (IOException e) {
                // fall through: report what the files say
            }
        }
        Optional<TunnelState> last = TunnelState.read(stateDir);
        String phase = last.map(TunnelState::phase).filter(p -> p.equals("FAILED") || p.equals("STOPPED")).orElse(null);
        return new TunnelStatus(false, 0, last.map(TunnelState::endpoint).orElse(null), false, phase,
                last.map(TunnelState::lastError).orElse(null), last.map(TunnelState::since).orElse(null),
                last.map(TunnelState::restarts).orElse(0), autostart);
    }

    /** Records whether the tunnel runs whenever the agent runs as a service. */
    public void setAutostart(Path stateDir, boolean on) {
        TunnelFiles files = new TunnelFiles(stateDir);
        TunnelWish wish = TunnelWish.read(files.wish());
        wish.withAutostart(on).withWanted(wish.wanted() || on).write(files.wish());
    }

    /** The owner's wish for the tunnel. */
    public TunnelWish wish(Path stateDir) {
        return TunnelWish.read(new TunnelFiles(stateDir).wish());
    }

    /** Records socket/TCP and key on/off for the next start. */
    public void setWish(Path stateDir, TunnelWish wish) {
        SecureFiles.privateDir(stateDir);
        wish.write(new TunnelFiles(stateDir).wish());
    }

    /** Asks the agent of {@code home} to end (tests, and {@code autostart off} leaving none). */
    public boolean shutdownAgent(Path home) {
        return new AgentClient(home).request("SHUTDOWN", REQUEST_TIMEOUT).map(AgentClient.Reply::ok).orElse(false);
    }
}
