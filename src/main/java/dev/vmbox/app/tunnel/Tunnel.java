package dev.vmbox.app.tunnel;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.tunnel.http.Conn;
import dev.vmbox.app.tunnel.http.EndpointPolicy;
import dev.vmbox.app.tunnel.http.HttpRelay;
import dev.vmbox.exec.BackgroundProcess;
import dev.vmbox.exec.ExecutableNotFoundException;
import dev.vmbox.exec.Executables;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.security.ApiKeys;
import dev.vmbox.ssh.SshCommandLine;
import dev.vmbox.store.SecureFiles;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One instance's tunnel inside the agent. The agent itself holds the host endpoint (a TCP listener on the API
 * address, or a Unix socket) from {@link #open} to {@link #close}: it is never released while ssh reconnects, so
 * no other program can take it in between. Each accepted connection is relayed request by request
 * ({@link HttpRelay}: Host, Origin and key checked first) to a private Unix socket that the instance's own
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
    static final long LOG_ROTATE_BYTES = 1024 * 1024;
    static final int MAX_CONNECTIONS = 256;
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    private static final long PROBE_EVERY_UP_MS = 10_000;
    private static final long UPSTREAM_WAIT_MS = 10_000;

    private final TunnelSettings settings;
    private final Path stateDir;
    private final TunnelFiles files;
    private final Executables executables;
    private final ScheduledExecutorService timer;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final List<Closeable> listeners = new ArrayList<>();
    private final Set<HttpRelay> relays = ConcurrentHashMap.newKeySet();
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private EndpointPolicy policy;
    private String unavailable;
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
        this.executables = executables;
        this.timer = timer;
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
        rotateLog();
        String key = settings.apiKeyFile() == null ? null : ApiKeys.read(settings.apiKeyFile());
        unavailable = "the tunnel to the model server of '" + settings.name() + "' is down or the server does not answer; "
                + "the tunnel reconnects by itself (vmbox tunnel status " + settings.name() + ")";
        try {
            if (settings.unixSocket() != null) {
                policy = new EndpointPolicy(Set.of(), true, key, publicPaths(settings.runtime()), settings.name());
                bindUnix(settings.unixSocket());
            } else {
                InetAddress address = settings.bindInetAddress();
                policy = new EndpointPolicy(EndpointPolicy.tcpHosts(address, settings.port()), false, key,
                        publicPaths(settings.runtime()), settings.name());
                bindTcp(address, settings.port(), true);
                // the other loopback too, so "localhost" (which may resolve to ::1 first) cannot reach someone else
                InetAddress companion = companion(address);
                if (companion != null) {
                    try {
                        bindTcp(companion, settings.port(), false);
                    } catch (VmboxException e) {
                        log("note: " + e.getMessage() + "; clients that use 'localhost' may reach that program: use 127.0.0.1");
                    }
                }
            }
            settings.target().hostKey().writeKnownHosts(files.knownHosts());
        } catch (IOException e) {
            closeListeners();
            throw new VmboxException(ExitCode.FAILED, "cannot write " + files.knownHosts() + ": " + e.getMessage(),
                    "check the folder's permissions", e);
        } catch (RuntimeException e) {
            closeListeners();
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

    static EndpointPolicy.PublicPaths publicPaths(RuntimeKind runtime) {
        return switch (runtime) {
            case OLLAMA -> EndpointPolicy.PublicPaths.ollama();
            case LLAMA_CPP -> EndpointPolicy.PublicPaths.llamaServer();
            case VLLM -> EndpointPolicy.PublicPaths.vllm();
        };
    }

    /** The path whose answer means the runtime is reached: Ollama's {@code /}, the others' {@code /health}. */
    static String healthPath(RuntimeKind runtime) {
        return runtime == RuntimeKind.OLLAMA ? "/" : "/health";
    }

    private static InetAddress companion(InetAddress a) {
        try {
            if (a.getHostAddress().equals("127.0.0.1")) {
                return InetAddress.getByName("::1");
            }
            if (a.getHostAddress().equals("0:0:0:0:0:0:0:1")) {
                return InetAddress.getByName("127.0.0.1");
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private void bindTcp(InetAddress address, int port, boolean primary) {
        ServerSocket server;
        try {
            server = new ServerSocket();
            try {
                server.bind(new InetSocketAddress(address, port), 128);
            } catch (IOException e) {
                server.close();
                throw e;
            }
        } catch (BindException e) {
            String shown = address.getHostAddress().contains(":") ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
            if (!primary && e.getMessage() != null && e.getMessage().contains("Cannot assign")) {
                return; // no IPv6 loopback on this host: nothing to hold
            }
            throw new VmboxException(ExitCode.IN_USE, "port " + port + " on " + shown + " is already in use by another program",
                    "pick another port with --port, or stop that program");
        } catch (IOException e) {
            if (!primary) {
                return;
            }
            throw new VmboxException(ExitCode.FAILED, "cannot listen on " + settings.endpoint() + ": " + e.getMessage(),
                    "check the address", e);
        }
        listeners.add(server);
        Thread t = new Thread(() -> acceptTcp(server), "endpoint-" + settings.name());
        t.setDaemon(true);
        t.start();
    }

    private void bindUnix(Path socket) {
        SecureFiles.privateDir(socket.toAbsolutePath().getParent());
        try {
            // the folder is ours (0700): a socket file there is a stale one of this tunnel
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            SecureFiles.restrict(socket);
            listeners.add(server);
            listeners.add(() -> Files.deleteIfExists(socket));
            Thread t = new Thread(() -> acceptUnix(server), "endpoint-" + settings.name());
            t.setDaemon(true);
            t.start();
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "cannot listen on " + socket + ": " + e.getMessage(),
                    "check the folder's permissions", e);
        }
    }

    private void acceptTcp(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                serve(Conn.of(s));
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private void acceptUnix(ServerSocketChannel server) {
        while (server.isOpen()) {
            try {
                serve(Conn.of(server.accept()));
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    private void serve(Conn client) throws IOException {
        if (!slots.tryAcquire()) {
            try (client) {
                OutputStream out = client.out();
                out.write(new dev.vmbox.app.tunnel.http.HttpRefusal(503, "too many connections to this endpoint").response());
                out.flush();
            }
            return;
        }
        HttpRelay[] self = new HttpRelay[1];
        HttpRelay relay = new HttpRelay(client, this::openUpstream, policy, unavailable, () -> {
            slots.release();
            relays.remove(self[0]);
        });
        self[0] = relay;
        relays.add(relay);
        Thread t = new Thread(relay, "relay-" + settings.name());
        t.setDaemon(true);
        t.start();
    }

    /** A connection to the runtime through ssh's socket; waits a little while the tunnel reconnects. */
    private Conn openUpstream() throws IOException {
        long deadline = System.nanoTime() + UPSTREAM_WAIT_MS * 1_000_000;
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(files.upstreamSocket());
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(address);
                return Conn.of(ch);
            } catch (IOException e) {
                ch.close();
                if (stopped() || phase == TunnelState.Phase.FAILED || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
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
                long logOffset = logSize();
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
                String reason = sshReason(logOffset);
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
                truncateLogIfLarge();
            }
            if (now < nextProbe || !Files.exists(files.upstreamSocket())) {
                continue;
            }
            String answer = probe();
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

    /** One request for the health path through ssh's socket: the status line, or why there is none. */
    String probe() {
        String request = "GET " + healthPath(settings.runtime()) + " HTTP/1.1\r\nHost: 127.0.0.1:" + settings.remotePort()
                + "\r\nUser-Agent: vmbox-agent\r\nAccept: */*\r\nConnection: close\r\n\r\n";
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ScheduledFuture<?> deadline = timer.schedule(() -> {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing
                }
            }, PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            try {
                ch.connect(UnixDomainSocketAddress.of(files.upstreamSocket()));
                ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                ByteBuffer in = ByteBuffer.allocate(64);
                while (in.hasRemaining()) {
                    if (ch.read(in) < 0) {
                        break;
                    }
                    String got = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
                    int eol = got.indexOf('\r');
                    if (eol > 0) {
                        return got.substring(0, eol);
                    }
                }
                String got = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
                return got.startsWith("HTTP/") ? got.strip() : "no HTTP answer from port " + settings.remotePort()
                        + " in the guest (is the runtime running?)";
            } finally {
                deadline.cancel(false);
            }
        } catch (IOException e) {
            return "no answer through ssh (" + e.getClass().getSimpleName() + ")";
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
        closeListeners();
        phase(TunnelState.Phase.FAILED, 0);
        finished.countDown();
    }

    /** Releases the endpoint and ends ssh and every open connection; waits for the supervisor. */
    @Override
    public void close() {
        stop.countDown();
        closeListeners();
        for (HttpRelay r : relays) {
            r.close();
        }
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

    private void closeListeners() {
        synchronized (listeners) {
            for (Closeable c : listeners) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
            listeners.clear();
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

    void log(String message) {
        try {
            SecureFiles.appendPrivate(files.log(), Instant.now() + " " + message + "\n");
        } catch (IOException ignored) {
            // the state still tells the story
        }
    }

    private void rotateLog() {
        Path log = files.log();
        try {
            if (Files.isRegularFile(log) && Files.size(log) > LOG_ROTATE_BYTES) {
                Files.move(log, files.oldLog(), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException ignored) {
            // a large log is better than no tunnel
        }
    }

    /**
     * Keeps a long-running tunnel's log bounded: ssh appends to it (one line per refused forward, e.g. while
     * the runtime is down), so it is copied to the old log and truncated in place; ssh's O_APPEND writes
     * continue at the new end.
     */
    private void truncateLogIfLarge() {
        Path log = files.log();
        try {
            if (Files.isRegularFile(log) && Files.size(log) > LOG_ROTATE_BYTES) {
                Files.copy(log, files.oldLog(), StandardCopyOption.REPLACE_EXISTING);
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
}
