package dev.vmbox.app.tunnel;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.BackgroundProcess;
import dev.vmbox.exec.ExecutableNotFoundException;
import dev.vmbox.exec.Executables;
import dev.vmbox.ssh.SshCommandLine;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The tunnel agent: keeps {@code settings.endpoint()} on the host connected to the runtime port in the guest,
 * for as long as it runs. It drives the system OpenSSH client ({@code ssh -N -L}, argv from
 * {@link SshCommandLine#forward}) because OpenSSH gives each forwarded connection its own channel window and
 * buffers, so a client that stops reading never stalls the others (JSch's forwarder does; see
 * docs/decisions/0001-tunnel-uses-openssh-client.md). When ssh exits (guest rebooted, sshd restarted,
 * network gone, keepalive timeout) the agent starts it again after a backoff that doubles from
 * {@code backoffMin} to {@code backoffMax} and resets once the tunnel was up.
 *
 * <p>Files in the state folder ({@link TunnelFiles}, all 0600 in a 0700 folder): the pid file (pid and start
 * time), the log (agent and ssh messages), the state ({@link TunnelState}), the settings and the pinned key.
 * A host-key mismatch ends the agent with a SECURITY failure: it never retries against a different key.
 */
public final class TunnelAgent {
    static final long LOG_ROTATE_BYTES = 1024 * 1024;

    private final TunnelSettings settings;
    private final Path stateDir;
    private final TunnelFiles files;
    private final Executables executables;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile BackgroundProcess child;
    private int restarts;
    private String lastError;

    public TunnelAgent(TunnelSettings settings, Path stateDir, Executables executables) {
        this.settings = settings;
        this.stateDir = stateDir;
        this.files = new TunnelFiles(stateDir);
        this.executables = executables;
    }

    /**
     * Runs the agent in this process until SIGTERM/SIGINT (a shutdown hook stops it cleanly: ssh ended, pid
     * file removed, state STOPPED). This is what {@code vmbox tunnel run NAME} calls in the detached process.
     */
    public static void runForeground(TunnelSettings settings, Path stateDir, Executables executables) {
        TunnelAgent agent = new TunnelAgent(settings, stateDir, executables);
        Thread hook = new Thread(() -> {
            agent.requestStop();
            agent.awaitFinished(Duration.ofSeconds(10));
        }, "tunnel-agent-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            agent.run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running
            }
        }
    }

    /**
     * {@link #runForeground} with the settings that {@link TunnelControl#start} wrote into the state folder:
     * the body of {@code vmbox tunnel run NAME}.
     */
    public static void runFromStateDir(Path stateDir, Executables executables) {
        runForeground(TunnelSettings.read(new TunnelFiles(stateDir).settings()), stateDir, executables);
    }

    /** Asks a running agent to stop; {@link #run} returns soon after. */
    public void requestStop() {
        stop.countDown();
    }

    public boolean awaitFinished(Duration timeout) {
        try {
            return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs until {@link #requestStop()}. Throws (after recording phase FAILED) when the tunnel cannot start
     * at all (bad settings, endpoint taken, another agent running, ssh missing) or the guest presents a
     * host key other than the pinned one.
     */
    public void run() {
        // checked before anything is written: a second agent must not touch the running one's files
        Optional<Long> other = TunnelControl.runningAgentPid(stateDir).filter(pid -> pid != ProcessHandle.current().pid());
        if (other.isPresent()) {
            finished.countDown();
            throw new VmboxException(ExitCode.FAILED, "a tunnel agent for '" + settings.name() + "' is already running (pid "
                    + other.get() + ")", "stop it first: vmbox tunnel stop " + settings.name());
        }
        try {
            SecureFiles.privateDir(stateDir);
            rotateLog();
            runChecked();
        } catch (VmboxException e) {
            fail(e);
            throw e;
        } catch (IOException e) {
            VmboxException v = new VmboxException(ExitCode.FAILED, "tunnel agent for '" + settings.name()
                    + "' cannot write its state in " + stateDir + ": " + e.getMessage(), "check the folder's permissions", e);
            fail(v);
            throw v;
        } finally {
            finished.countDown();
        }
    }

    private void runChecked() throws IOException {
        settings.validate();
        settings.exposureWarning().ifPresent(w -> log("WARNING: " + w));
        stopOrphanedSsh(stateDir);
        checkEndpointFree(settings);
        ProcessHandle self = ProcessHandle.current();
        SecureFiles.writeAtomically(files.pid(), (self.pid() + " "
                + self.info().startInstant().map(Instant::toEpochMilli).orElse(0L) + "\n").getBytes(StandardCharsets.US_ASCII));
        SecureFiles.privateFile(files.log());
        Path knownHosts = files.knownHosts();
        settings.target().hostKey().writeKnownHosts(knownHosts);
        List<String> argv = SshCommandLine.forward(settings.target(), knownHosts, settings.ssh(), settings.sshBind(),
                settings.remoteHost(), settings.remotePort());
        log("starting tunnel " + settings.endpoint() + " -> " + settings.remoteHost() + ":" + settings.remotePort()
                + " in '" + settings.name() + "' via " + settings.target().display() + " (host key "
                + settings.target().hostKey().fingerprint() + ")");
        long backoff = settings.backoffMin().toMillis();
        try {
            while (!stopRequested()) {
                phase(TunnelState.Phase.CONNECTING, 0);
                long logOffset = logSize();
                BackgroundProcess ssh;
                try {
                    ssh = BackgroundProcess.start(argv, Map.of(), files.log(), executables);
                } catch (ExecutableNotFoundException e) {
                    throw new VmboxException(ExitCode.UNAVAILABLE, "the OpenSSH client 'ssh' is not installed; the tunnel needs it",
                            Executables.installHint("ssh"), e);
                }
                child = ssh;
                boolean wasUp = superviseUntilExit(ssh);
                child = null;
                if (stopRequested()) {
                    break;
                }
                String reason = sshReason(logOffset);
                if (reason.contains("Host key verification failed") || reason.contains("IDENTIFICATION HAS CHANGED")) {
                    throw new VmboxException(ExitCode.SECURITY, "the guest of '" + settings.name() + "' presented a host key other than the pinned "
                            + settings.target().hostKey().fingerprint() + "; tunnel stopped",
                            "someone may be intercepting the connection, or the VM was replaced outside vmbox; inspect or recreate it");
                }
                lastError = describe(reason, ssh);
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
            BackgroundProcess c = child;
            if (c != null) {
                c.stop(Duration.ofSeconds(3));
            }
        }
        log("tunnel stopped");
        phase(TunnelState.Phase.STOPPED, 0);
        Files.deleteIfExists(files.pid());
    }

    /** Waits for ssh to exit or a stop request; marks the tunnel UP once the endpoint accepts connections. */
    private boolean superviseUntilExit(BackgroundProcess ssh) throws InterruptedException {
        boolean up = false;
        long nextProbe = 0;
        long nextLogCheck = 0;
        while (true) {
            if (stop.await(0, TimeUnit.MILLISECONDS)) {
                ssh.stop(Duration.ofSeconds(3));
                return up;
            }
            if (ssh.waitFor(Duration.ofMillis(up ? 250 : 25)) != null) {
                return up;
            }
            if (up && System.nanoTime() >= nextLogCheck) {
                nextLogCheck = System.nanoTime() + 10_000_000_000L;
                truncateLogIfLarge();
            }
            if (!up && System.nanoTime() >= nextProbe) {
                nextProbe = System.nanoTime() + 50_000_000L;
                if (TunnelControl.endpointAccepts(settings, Duration.ofMillis(200))) {
                    up = true;
                    lastError = null;
                    log("tunnel up on " + settings.endpoint() + " (ssh pid " + ssh.pid() + ")");
                    phase(TunnelState.Phase.UP, ssh.pid());
                }
            }
        }
    }

    private boolean stopRequested() {
        return stop.getCount() == 0;
    }

    private static String describe(String reason, BackgroundProcess ssh) {
        Integer code = ssh.waitFor(Duration.ZERO);
        if (reason.contains("Address already in use") || reason.contains("cannot listen")) {
            return "the host endpoint is in use by another program (" + reason + ")";
        }
        return reason.isEmpty() ? "ssh exited with status " + code : reason;
    }

    /** Refuses to start when something else already listens on the endpoint. */
    static void checkEndpointFree(TunnelSettings s) {
        if (s.unixSocket() != null) {
            if (Files.exists(s.unixSocket()) && TunnelControl.endpointAccepts(s, Duration.ofMillis(300))) {
                throw new VmboxException(ExitCode.IN_USE, "socket " + s.unixSocket() + " is already in use by another program",
                        "choose another path, or stop the program that serves it");
            }
            return;
        }
        checkPortFree(s.bindInetAddress(), s.bindAddress(), s.port());
    }

    /**
     * An agent killed with SIGKILL leaves its ssh behind, still holding the endpoint. Ends that ssh if the last
     * state names it and its command line still points at this state folder's known_hosts file.
     */
    static boolean stopOrphanedSsh(Path stateDir) {
        return TunnelState.read(stateDir).filter(st -> st.sshPid() > 0).flatMap(st -> ProcessHandle.of(st.sshPid())).map(h -> {
            String marker = new TunnelFiles(stateDir).knownHosts().toAbsolutePath().toString();
            boolean ours = h.info().arguments().map(args -> String.join(" ", args).contains(marker)).orElse(false);
            if (!ours || !h.isAlive()) {
                return false;
            }
            h.destroy();
            try {
                h.onExit().get(3, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
            return true;
        }).orElse(false);
    }

    private void rotateLog() throws IOException {
        Path log = files.log();
        if (Files.isRegularFile(log) && Files.size(log) > LOG_ROTATE_BYTES) {
            Files.move(log, files.oldLog(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Keeps a long-running agent's log bounded: ssh appends to it (one line per refused forward, e.g. while
     * the runtime is down), so it is copied to the old log and truncated in place; ssh's O_APPEND writes
     * continue at the new end.
     */
    private void truncateLogIfLarge() {
        Path log = files.log();
        try {
            if (Files.isRegularFile(log) && Files.size(log) > LOG_ROTATE_BYTES) {
                Files.copy(log, files.oldLog(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                SecureFiles.restrict(files.oldLog());
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(log, StandardOpenOption.WRITE)) {
                    ch.truncate(0);
                }
                log("log rotated to " + files.oldLog().getFileName());
            }
        } catch (IOException e) {
            // a large log is better than a dead tunnel
        }
    }

    private long logSize() {
        try {
            Path log = files.log();
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The last lines ssh wrote since {@code offset}, joined in one line. */
    private String sshReason(long offset) {
        Path log = files.log();
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(offset > len ? 0 : offset, len - 4096); // offset > len: the log was truncated meanwhile
            byte[] buf = new byte[(int) Math.max(0, len - from)];
            f.seek(from);
            f.readFully(buf);
            List<String> lines = new ArrayList<>();
            for (String line : new String(buf, StandardCharsets.UTF_8).split("\\R")) {
                if (!line.isBlank() && !line.startsWith("20")) {
                    lines.add(line.strip());
                }
            }
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    private void phase(TunnelState.Phase phase, long sshPid) {
        writeState(new TunnelState(ProcessHandle.current().pid(), settings.endpoint(), phase.name(), lastError, null, null,
                Instant.now().toString(), restarts, sshPid));
    }

    private void fail(VmboxException e) {
        lastError = e.getMessage();
        log("FAILED: " + e.getMessage() + (e.hint() == null ? "" : " (hint: " + e.hint() + ")"));
        writeState(new TunnelState(ProcessHandle.current().pid(), settings.endpoint(), TunnelState.Phase.FAILED.name(),
                e.getMessage(), e.exitCode().name(), e.hint(), Instant.now().toString(), restarts, 0));
        try {
            Path pid = files.pid();
            if (TunnelControl.readPid(stateDir).map(p -> p[0] == ProcessHandle.current().pid()).orElse(false)) {
                Files.deleteIfExists(pid);
            }
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    private void writeState(TunnelState state) {
        try {
            state.write(stateDir);
        } catch (IOException | VmboxException e) {
            log("cannot write state: " + e.getMessage());
        }
    }

    private void log(String message) {
        try {
            SecureFiles.appendPrivate(files.log(), Instant.now() + " " + message + "\n");
        } catch (IOException ignored) {
            // the state file still tells the story
        }
    }

    /** Fails with a clear UNAVAILABLE error when {@code address:port} cannot be bound (another program has it). */
    public static void checkPortFree(java.net.InetAddress address, String shown, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(address, port));
        } catch (IOException e) {
            throw new VmboxException(ExitCode.IN_USE, "port " + port + " on " + shown
                    + " is already in use by another program", "pick another port with --port, or stop that program");
        }
    }
}
