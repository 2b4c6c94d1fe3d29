package dev.vmbox.app.tunnel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Executables;
import dev.vmbox.spec.InstanceName;
import dev.vmbox.store.FileNames;
import dev.vmbox.store.SecureFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The one tunnel agent of a VMBOX_HOME: a small long-running process that holds the endpoints of every instance
 * whose tunnel is wanted ({@link Tunnel}). The CLI talks to it over a control socket ({@code _agent/agent.sock},
 * 0600 in a 0700 folder, the caller's uid checked); what each tunnel should be is on disk in its instance's folder
 * ({@link TunnelSettings}, {@link TunnelWish}), so an agent that starts again (after a crash, as a service at
 * login) serves the same tunnels without being told.
 *
 * <p>It starts on demand ({@code vmbox create}, {@code start}, {@code tunnel start}) and ends when no tunnel is
 * wanted any more, unless it runs as a service ({@code --service}: systemd user unit or launchd agent), which also
 * serves the tunnels marked for autostart. One agent per VMBOX_HOME (a file lock). At start it ends, by pid, the
 * ssh processes a killed agent left behind ({@link Orphans}: only those whose command line names that instance's
 * socket).
 * When the agent is gone, nothing serves: the endpoints were its own sockets.
 */
public final class TunnelAgent {
    /**
     * JVM flags for the agent: a small resident process (serial GC, small heap, C1 only with one compiler thread
     * and a small code cache, small thread stacks, no perf-data file, small cached I/O buffers, class data
     * sharing). README "The model API tunnel" has what it costs.
     */
    public static final List<String> JVM_FLAGS = List.of("-XX:+UseSerialGC", "-Xms4m", "-Xmx24m", "-XX:TieredStopAtLevel=1",
            "-XX:CICompilerCount=1", "-XX:ReservedCodeCacheSize=12m", "-XX:MaxMetaspaceSize=48m", "-Xss256k",
            "-XX:-UsePerfData", "-Djdk.nio.maxCachedBufferSize=65536", "-Xshare:auto");
    private static final Duration IDLE_EXIT = Duration.ofSeconds(2);

    /**
     * {@code classPath} with every entry made absolute: the agent runs in VMBOX_HOME (and as a service from
     * anywhere), not in the folder the CLI was started from.
     */
    public static String absoluteClassPath(String classPath) {
        List<String> out = new ArrayList<>();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty()) {
                out.add(Path.of(entry).toAbsolutePath().normalize().toString());
            }
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    private final Path home;
    private final AgentFiles files;
    private final Executables executables;
    private final boolean service;
    private final Map<String, Tunnel> tunnels = new ConcurrentHashMap<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "agent-timer");
        t.setDaemon(true);
        return t;
    });
    private volatile long lastRequest = System.nanoTime();

    /** @param service run as a service: serve autostart tunnels too, and stay when none is wanted */
    public TunnelAgent(Path home, Executables executables, boolean service) {
        this.home = home.toAbsolutePath();
        this.files = new AgentFiles(this.home);
        this.executables = executables;
        this.service = service;
    }

    /**
     * Runs the agent in this process until SIGTERM/SIGINT or until no tunnel is wanted (not as a service); a
     * shutdown hook ends every tunnel cleanly. The body of {@code vmbox tunnel run}.
     */
    public static void runForeground(Path home, Executables executables, boolean service) {
        TunnelAgent agent = new TunnelAgent(home, executables, service);
        Thread hook = new Thread(() -> {
            agent.requestStop();
            agent.awaitFinished(Duration.ofSeconds(15));
        }, "agent-stop");
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
     * Serves until {@link #requestStop()} (or, not as a service, until no tunnel is wanted). Throws IN_USE when
     * another agent already serves this VMBOX_HOME.
     */
    public void run() {
        SecureFiles.privateDir(files.dir());
        TunnelFiles.checkSocketPath(files.socket());
        try (FileChannel lockFile = SecureFiles.openPrivate(files.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = takeLock(lockFile)) {
            if (lock == null) {
                throw new VmboxException(ExitCode.IN_USE, "a tunnel agent already serves " + home
                        + runningPid().map(p -> " (pid " + p + ")").orElse(""), "it serves every instance: nothing to do");
            }
            ProcessHandle self = ProcessHandle.current();
            SecureFiles.writeAtomically(files.pid(), (self.pid() + " "
                    + self.info().startInstant().map(Instant::toEpochMilli).orElse(0L) + "\n").getBytes(StandardCharsets.US_ASCII));
            log("agent started (pid " + self.pid() + (service ? ", as a service" : "") + ") for " + home);
            for (Path stateDir : tunnelDirs()) {
                if (Orphans.end(stateDir)) {
                    log("ended the ssh (or old agent) a killed agent left behind for '" + new TunnelFiles(stateDir).name() + "'");
                }
            }
            try (ServerSocketChannel control = bindControl()) {
                reconcile();
                Thread t = new Thread(() -> serveControl(control), "agent-control");
                t.setDaemon(true);
                t.start();
                while (!stop.await(250, TimeUnit.MILLISECONDS)) {
                    if (!service && idle()) {
                        log("no tunnel is wanted: agent ends");
                        break;
                    }
                }
            } finally {
                for (Tunnel tunnel : tunnels.values()) {
                    tunnel.close();
                }
                tunnels.clear();
                Files.deleteIfExists(files.socket());
                Files.deleteIfExists(files.pid());
                log("agent stopped");
            }
        } catch (IOException e) {
            throw new VmboxException(ExitCode.FAILED, "the tunnel agent cannot use " + files.dir() + ": " + e.getMessage(),
                    "check the folder's permissions", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            timer.shutdownNow();
            finished.countDown();
        }
    }

    /**
     * The agent lock. A service takes over from an agent started on demand (which it asks to end: its tunnels are
     * then served by the service, after a moment's gap); an agent started on demand leaves a running one be.
     */
    private FileLock takeLock(FileChannel lockFile) throws IOException, InterruptedException {
        FileLock lock = lockFile.tryLock();
        if (lock != null || !service) {
            return lock;
        }
        new AgentClient(home).request("SHUTDOWN", Duration.ofSeconds(10));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (lock == null && System.nanoTime() < deadline) {
            Thread.sleep(100);
            lock = lockFile.tryLock();
        }
        return lock;
    }

    private boolean idle() {
        boolean serving = tunnels.values().stream().anyMatch(t -> !"FAILED".equals(t.state().phase()));
        return !serving && System.nanoTime() - lastRequest > IDLE_EXIT.toNanos();
    }

    private ServerSocketChannel bindControl() throws IOException {
        Path socket = files.socket();
        Files.deleteIfExists(socket); // ours: we hold the lock
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(socket));
        SecureFiles.restrict(socket);
        return ch;
    }

    /** Every instance's tunnel folder that has settings. */
    private List<Path> tunnelDirs() {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(home)) {
            s.filter(p -> !p.getFileName().toString().startsWith("_") && Files.isDirectory(p))
                    .map(p -> p.resolve(FileNames.TUNNEL_DIR))
                    .filter(Files::isDirectory)
                    .sorted()
                    .forEach(out::add);
        } catch (IOException e) {
            log("cannot list " + home + ": " + e.getMessage());
        }
        return out;
    }

    /** Serves every tunnel that is wanted (and, as a service, every autostart one). */
    private void reconcile() {
        for (Path dir : tunnelDirs()) {
            TunnelFiles tf = new TunnelFiles(dir);
            if (Files.isRegularFile(tf.settings()) && TunnelWish.read(tf.wish()).serve(service)) {
                try {
                    start(tf.name());
                } catch (VmboxException e) {
                    log("tunnel of '" + tf.name() + "' not started: " + e.getMessage());
                }
            }
        }
    }

    /** (Re)starts a tunnel from its settings on disk; a running one with the same settings is kept. */
    TunnelState start(String name) {
        Path stateDir = stateDir(name);
        TunnelSettings s = TunnelSettings.read(new TunnelFiles(stateDir).settings());
        Tunnel old = tunnels.get(name);
        if (old != null) {
            if (old.settings().equals(s) && !"FAILED".equals(old.state().phase())) {
                return old.state();
            }
            tunnels.remove(name);
            old.close();
        }
        try {
            Tunnel t = Tunnel.open(s, stateDir, executables, timer);
            tunnels.put(name, t);
            return t.state();
        } catch (VmboxException e) {
            try {
                new TunnelState(ProcessHandle.current().pid(), s.endpoint(), TunnelState.Phase.FAILED.name(), e.getMessage(),
                        e.exitCode().name(), e.hint(), Instant.now().toString(), 0, 0).write(stateDir);
            } catch (IOException | VmboxException ignored) {
                // the caller gets the error anyway
            }
            throw e;
        }
    }

    private boolean stopTunnel(String name) {
        Tunnel t = tunnels.remove(name);
        if (t == null) {
            return false;
        }
        t.close();
        return true;
    }

    private Path stateDir(String name) {
        return home.resolve(InstanceName.of(name).value()).resolve(FileNames.TUNNEL_DIR);
    }

    private void serveControl(ServerSocketChannel control) {
        while (control.isOpen()) {
            try (SocketChannel ch = control.accept()) {
                if (!sameUser(ch)) {
                    log("refused a control connection from another user");
                    continue;
                }
                timer.schedule(() -> {
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // closing
                    }
                }, 5, TimeUnit.SECONDS);
                String request = readLine(ch);
                String reply = request == null ? "ERR {}" : handle(request);
                lastRequest = System.nanoTime();
                ByteBuffer out = ByteBuffer.wrap((reply + "\n").getBytes(StandardCharsets.UTF_8));
                while (out.hasRemaining()) {
                    ch.write(out);
                }
            } catch (IOException e) {
                if (!control.isOpen()) {
                    return;
                }
            } catch (RuntimeException e) {
                log("control request failed: " + e);
            }
        }
    }

    /** The caller runs as this agent's user (kernel peer credentials), where the platform tells. */
    private static boolean sameUser(SocketChannel ch) {
        try {
            jdk.net.UnixDomainPrincipal peer = ch.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED);
            return peer.user().getName().equals(System.getProperty("user.name"));
        } catch (UnsupportedOperationException | IOException e) {
            return true; // the socket's 0600 mode in a 0700 folder still applies
        }
    }

    private static String readLine(SocketChannel ch) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(1024);
        while (in.hasRemaining() && ch.read(in) >= 0) {
            if (in.position() > 0 && in.get(in.position() - 1) == '\n') {
                return new String(in.array(), 0, in.position() - 1, StandardCharsets.UTF_8).strip();
            }
        }
        return null;
    }

    String handle(String request) {
        String[] w = request.split(" ", 2);
        String arg = w.length > 1 ? w[1] : "";
        try {
            return switch (w[0]) {
                case "PING" -> "OK " + json().put("pid", ProcessHandle.current().pid()).put("service", service);
                case "START" -> "OK " + TunnelState.JSON.writeValueAsString(start(arg));
                case "STOP" -> "OK " + json().put("stopped", stopTunnel(InstanceName.of(arg).value()));
                case "STATUS" -> {
                    Tunnel t = tunnels.get(InstanceName.of(arg).value());
                    yield t == null ? "NONE" : "OK " + TunnelState.JSON.writeValueAsString(t.state());
                }
                case "SHUTDOWN" -> {
                    requestStop();
                    yield "OK {}";
                }
                default -> "ERR " + json().put("exitCode", ExitCode.BAD_INPUT.name()).put("message", "unknown request");
            };
        } catch (VmboxException e) {
            return "ERR " + json().put("exitCode", e.exitCode().name()).put("message", e.getMessage()).put("hint", e.hint());
        } catch (IOException e) {
            return "ERR " + json().put("exitCode", ExitCode.INTERNAL.name()).put("message", e.getMessage());
        }
    }

    private static ObjectNode json() {
        return TunnelState.JSON.createObjectNode();
    }

    private Optional<Long> runningPid() {
        try {
            String[] p = Files.readString(files.pid()).strip().split("\\s+");
            long pid = Long.parseLong(p[0]);
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(h -> pid);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void log(String message) {
        try {
            SecureFiles.appendPrivate(files.log(), Instant.now() + " " + message + "\n");
        } catch (IOException ignored) {
            // nowhere else to say it
        }
    }

    /** Fails with a clear IN_USE error when {@code address:port} cannot be bound (another program has it). */
    public static void checkPortFree(java.net.InetAddress address, String shown, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(address, port));
        } catch (IOException e) {
            throw new VmboxException(ExitCode.IN_USE, "port " + port + " on " + shown
                    + " is already in use by another program", "pick another port with --port, or stop that program");
        }
    }
}
