package dev.vmbox.app.tunnel;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.tunnel.http.HttpRelay;
import dev.vmbox.exec.BackgroundProcess;
import dev.vmbox.exec.ExecutableNotFoundException;
import dev.vmbox.exec.Executables;
import dev.vmbox.security.ApiKeys;
import dev.vmbox.ssh.SshCommandLine;
import dev.vmbox.store.SecureFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One instance's tunnel inside the agent. The agent itself holds the host endpoint (a TCP listener on the API
 * address, or a Unix socket) from {@link #open} to {@link #close}: it is never released while ssh reconnects, so
 * no other program can take it in between ({@link TunnelEndpoint}). Each accepted connection is relayed request by
 * request ({@link HttpRelay}: Host, Origin and key checked first) to a private Unix socket that the instance's own
 * {@code ssh -N -L} forwards to the runtime's port in the guest; OpenSSH keeps its per-channel flow control
 * (decision 0001).
 *
 * <p>UP means that a request reached the runtime: an HTTP request for its health path went through ssh's socket
 * and an HTTP answer came back. It is asked again every few seconds while up. When ssh exits (guest rebooted,
 * sshd restarted, keepalive timeout) it is started again after a backoff from {@code backoffMin} doubling to
 * {@code backoffMax}, reset once the tunnel was up. A host key other than the pinned one ends the tunnel for
 * good (FAILED, SECURITY), and the endpoint is closed.
 */
final class Tunnel implements Closeable {
    private static final long PROBE_EVERY_UP_MS = 10_000;

    private final TunnelSettings settings;
    private final Path stateDir;
    private final TunnelFiles files;
    private final TunnelLog tunnelLog;
    private final HealthProbe health;
    private final Executables executables;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private TunnelEndpoint endpoint;
    private volatile BackgroundProcess ssh;
    private volatile TunnelState.Phase phase = TunnelState.Phase.CONNECTING;
    private volatile String lastError;
    private volatile VmboxException failure;
    private volatile Instant since = Instant.now();
    private volatile int restarts;

    private Tunnel(TunnelSettings settings, Path stateDir, Executables executables, ScheduledExecutorService timer) {
        this.settings = settings;
        this.stateDir = stateDir;
        this.files = new TunnelFiles(stateDir);
        this.tunnelLog = new TunnelLog(files);
        this.health = new HealthProbe(settings.runtime(), settings.remotePort(), files.upstreamSocket(), timer);
        this.executables = executables;
    }

    /**
     * Takes the endpoint and starts the tunnel. Throws (nothing held) when the settings are wrong, the API key is
     * missing, or the endpoint is taken by another program (IN_USE).
     */
    static Tunnel open(TunnelSettings settings, Path stateDir, Executables executables, ScheduledExecutorService timer) {
        Tunnel t = new Tunnel(settings, stateDir, executables, timer);
        t.openChecked();
        return t;
    }

    TunnelSettings settings() {
        return settings;
    }

    private void openChecked() {
        settings.validate();
        TunnelFiles.checkSocketPath(files.upstreamSocket());
        SecureFiles.privateDir(stateDir);
        tunnelLog.rotate();
        String key = settings.apiKeyFile() == null ? null : ApiKeys.read(settings.apiKeyFile());
        endpoint = TunnelEndpoint.open(settings, key, files.upstreamSocket(),
                () -> stopped() || phase == TunnelState.Phase.FAILED, tunnelLog);
        try {
            settings.target().hostKey().writeKnownHosts(files.knownHosts());
        } catch (IOException e) {
            endpoint.closeListeners();
            throw new VmboxException(ExitCode.FAILED, "cannot write " + files.knownHosts() + ": " + e.getMessage(),
                    "check the folder's permissions", e);
        } catch (RuntimeException e) {
            endpoint.closeListeners();
            throw e;
        }
        settings.exposureWarning().ifPresent(w -> log("WARNING: " + w));
        log("tunnel " + settings.endpoint() + " -> " + settings.remoteHost() + ":" + settings.remotePort() + " in '"
                + settings.name() + "' via " + settings.target().display() + " (host key "
                + settings.target().hostKey().fingerprint() + ")" + (key == null ? "; API key off" : ""));
        phase(TunnelState.Phase.CONNECTING, 0);
        Thread supervisor = new Thread(this::supervise, "tunnel-" + settings.name());
        supervisor.setDaemon(true);
        supervisor.start();
    }

    private void supervise() {
        List<String> argv;
        try {
            argv = SshCommandLine.forward(settings.target(), files.knownHosts(), settings.ssh(), files.upstreamSocket(),
                    settings.remoteHost(), settings.remotePort());
        } catch (VmboxException e) {
            fail(e);
            return;
        }
        long backoff = settings.backoffMin().toMillis();
        try {
            while (!stopped()) {
                phase(TunnelState.Phase.CONNECTING, 0);
                long logOffset = tunnelLog.size();
                BackgroundProcess p;
                try {
                    p = BackgroundProcess.start(argv, Map.of(), files.log(), executables);
                } catch (ExecutableNotFoundException e) {
                    fail(new VmboxException(ExitCode.UNAVAILABLE, "the OpenSSH client 'ssh' is not installed; the tunnel needs it",
                            Executables.installHint("ssh"), e));
                    return;
                }
                ssh = p;
                phase(TunnelState.Phase.CONNECTING, p.pid());
                boolean wasUp = watch(p);
                ssh = null;
                if (stopped()) {
                    break;
                }
                String reason = tunnelLog.sshReason(logOffset);
                if (reason.contains("Host key verification failed") || reason.contains("IDENTIFICATION HAS CHANGED")) {
                    fail(new VmboxException(ExitCode.SECURITY, "the guest of '" + settings.name() + "' presented a host key other "
                            + "than the pinned " + settings.target().hostKey().fingerprint() + "; tunnel stopped",
                            "someone may be intercepting the connection, or the VM was replaced outside vmbox; inspect or recreate it"));
                    return;
                }
                Integer code = p.waitFor(Duration.ZERO);
                lastError = reason.isEmpty() ? "ssh exited with status " + code : reason;
                if (wasUp) {
                    backoff = settings.backoffMin().toMillis();
                }
                restarts++;
                log("tunnel down: " + lastError + "; reconnecting in " + backoff + " ms");
                phase(TunnelState.Phase.BACKOFF, 0);
                if (stop.await(backoff, TimeUnit.MILLISECONDS)) {
                    break;
                }
                backoff = Math.min(backoff * 2, settings.backoffMax().toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            BackgroundProcess p = ssh;
            if (p != null) {
                p.stop(Duration.ofSeconds(3));
            }
            ssh = null;
            finished.countDown();
        }
    }

    /**
     * Waits for ssh to exit or a stop request, asking the runtime's health path through ssh's socket: first
     * often until it answers (UP), then every few seconds. Returns whether the tunnel was up.
     */
    private boolean watch(BackgroundProcess p) throws InterruptedException {
        boolean up = false;
        long started = System.nanoTime();
        long nextProbe = 0;
        long nextLogCheck = 0;
        int misses = 0;
        while (true) {
            if (stopped()) {
                p.stop(Duration.ofSeconds(3));
                return up;
            }
            if (p.waitFor(Duration.ofMillis(50)) != null) {
                return up;
            }
            long now = System.nanoTime();
            if (now >= nextLogCheck) {
                nextLogCheck = now + 10_000_000_000L;
                tunnelLog.truncateIfLarge();
            }
            if (now < nextProbe || !Files.exists(files.upstreamSocket())) {
                continue;
            }
            String answer = health.probe();
            now = System.nanoTime();
            if (answer.startsWith("HTTP/")) {
                misses = 0;
                if (phase != TunnelState.Phase.UP) {
                    up = true;
                    lastError = null;
                    log("tunnel up on " + settings.endpoint() + ": the runtime answered " + answer + " (ssh pid " + p.pid() + ")");
                    phase(TunnelState.Phase.UP, p.pid());
                }
                nextProbe = now + PROBE_EVERY_UP_MS * 1_000_000;
            } else {
                boolean early = now - started < 5_000_000_000L;
                nextProbe = now + (early ? 200 : 2_000) * 1_000_000L;
                if (phase == TunnelState.Phase.UP && ++misses >= 2 || phase != TunnelState.Phase.UP && !early) {
                    if (!answer.equals(lastError)) {
                        lastError = answer;
                        log("the runtime does not answer through the tunnel: " + answer);
                    }
                    if (phase != TunnelState.Phase.CONNECTING) {
                        phase(TunnelState.Phase.CONNECTING, p.pid());
                    }
                }
            }
        }
    }

    /** The tunnel as the agent reports it. */
    TunnelState state() {
        VmboxException f = failure;
        BackgroundProcess p = ssh;
        return new TunnelState(ProcessHandle.current().pid(), settings.endpoint(), phase.name(), f != null ? f.getMessage() : lastError,
                f != null ? f.exitCode().name() : null, f != null ? f.hint() : null, since.toString(), restarts, p == null ? 0 : p.pid());
    }

    private boolean stopped() {
        return stop.getCount() == 0;
    }

    /** Gives up: FAILED with the error, the endpoint released. */
    private void fail(VmboxException e) {
        failure = e;
        lastError = e.getMessage();
        log("FAILED: " + e.getMessage() + (e.hint() == null ? "" : " (hint: " + e.hint() + ")"));
        endpoint.closeListeners();
        phase(TunnelState.Phase.FAILED, 0);
        finished.countDown();
    }

    /** Releases the endpoint and ends ssh and every open connection; waits for the supervisor. */
    @Override
    public void close() {
        stop.countDown();
        endpoint.closeListeners();
        endpoint.closeRelays();
        BackgroundProcess p = ssh;
        if (p != null) {
            p.stop(Duration.ofSeconds(3));
        }
        try {
            finished.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(files.upstreamSocket());
        } catch (IOException ignored) {
            // ssh removes it too
        }
        if (phase != TunnelState.Phase.FAILED) {
            log("tunnel stopped");
            phase(TunnelState.Phase.STOPPED, 0);
        }
    }

    private void phase(TunnelState.Phase p, long sshPid) {
        if (p != phase) {
            since = Instant.now();
        }
        phase = p;
        try {
            TunnelState s = state();
            new TunnelState(s.pid(), s.endpoint(), s.phase(), s.lastError(), s.exitCode(), s.hint(), s.since(), s.restarts(),
                    sshPid).write(stateDir);
        } catch (IOException | VmboxException e) {
            log("cannot write state: " + e.getMessage());
        }
    }

    private void log(String message) {
        tunnelLog.log(message);
    }
}
