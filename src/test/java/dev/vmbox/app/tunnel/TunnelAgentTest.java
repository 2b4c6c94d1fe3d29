package dev.vmbox.app.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.Executables;
import dev.vmbox.ssh.SshTarget;
import dev.vmbox.testing.LocalSshd;
import dev.vmbox.testing.LoopbackBackend;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URL;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The tunnel agent against a real sshd on 127.0.0.1, with a loopback backend standing in for the model server. */
@Timeout(90)
class TunnelAgentTest {
    static final Executables EXEC = Executables.fromEnvironment(System.getenv());

    @TempDir
    static Path tmp;
    static LocalSshd sshd;
    static LoopbackBackend backend;
    static HttpServer http;
    static byte[] httpBody;
    static Running shared;
    static Running sharedHttp;

    /** An agent running on a thread of this JVM. */
    record Running(TunnelAgent agent, Thread thread, TunnelSettings settings, Path stateDir) implements AutoCloseable {
        static Running start(TunnelSettings settings, Path stateDir) {
            TunnelAgent agent = new TunnelAgent(settings, stateDir, EXEC);
            Thread t = new Thread(() -> {
                try {
                    agent.run();
                } catch (VmboxException ignored) {
                    // recorded in the state file
                }
            }, "agent-" + settings.name());
            t.setDaemon(true);
            t.start();
            Running r = new Running(agent, t, settings, stateDir);
            r.awaitUp(Duration.ofSeconds(20));
            return r;
        }

        void awaitUp(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (new TunnelControl(EXEC).status(stateDir).up()) {
                    return;
                }
                sleep(25);
            }
            throw new AssertionError("tunnel not up within " + timeout + ": " + new TunnelControl(EXEC).status(stateDir) + " log: " + log());
        }

        String log() {
            try {
                return Files.readString(new TunnelFiles(stateDir).log());
            } catch (IOException e) {
                return "";
            }
        }

        int port() {
            return settings.port();
        }

        @Override
        public void close() throws InterruptedException {
            agent.requestStop();
            thread.join(10_000);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        sshd = LocalSshd.start(tmp);
        backend = new LoopbackBackend();
        httpBody = new byte[2 * 1024 * 1024 + 123];
        new Random(3).nextBytes(httpBody);
        http = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        http.createContext("/stream", ex -> {
            ex.sendResponseHeaders(200, 0); // chunked
            try (OutputStream out = ex.getResponseBody()) {
                out.write("first\n".getBytes());
                out.flush();
                sleep(600);
                for (int off = 0; off < httpBody.length; off += 7001) {
                    out.write(httpBody, off, Math.min(7001, httpBody.length - off));
                    out.flush();
                }
            }
        });
        http.setExecutor(Executors.newFixedThreadPool(4));
        http.start();
        shared = Running.start(settings("shared", sshd.target(), backend.port()), tmp.resolve("shared"));
        sharedHttp = Running.start(settings("http", sshd.target(), http.getAddress().getPort()), tmp.resolve("http"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (shared != null) {
            shared.close();
        }
        if (sharedHttp != null) {
            sharedHttp.close();
        }
        http.stop(0);
        backend.close();
        sshd.close();
    }

    static TunnelSettings settings(String name, SshTarget target, int remotePort) throws IOException {
        return TunnelSettings.loopback(name, target, LocalSshd.freePort(), remotePort)
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1));
    }

    @Test
    void streamedHttpResponseArrivesByteExactAndUnbuffered() throws Exception {
        URL url = new URL("http://127.0.0.1:" + sharedHttp.port() + "/stream");
        var conn = (java.net.HttpURLConnection) url.openConnection();
        conn.setReadTimeout(20_000);
        try (InputStream in = conn.getInputStream()) {
            assertEquals(200, conn.getResponseCode());
            byte[] first = new byte[6];
            new DataInputStream(in).readFully(first);
            long firstAt = System.nanoTime();
            assertEquals("first\n", new String(first));
            assertArrayEquals(httpBody, in.readAllBytes());
            long gapMs = (System.nanoTime() - firstAt) / 1_000_000;
            assertTrue(gapMs >= 400, "first chunk was passed on before the server sent the rest (gap " + gapMs + " ms)");
        }
    }

    @Test
    void fiftyConcurrentClients() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int c = 0; c < 50; c++) {
                int seed = c;
                results.add(pool.submit(() -> {
                    try (Socket s = new Socket("127.0.0.1", shared.port())) {
                        s.setSoTimeout(20_000);
                        LoopbackBackend.sendLine(s.getOutputStream(), "ECHO");
                        Random r = new Random(seed);
                        for (int i = 0; i < 10; i++) {
                            byte[] msg = new byte[1 + r.nextInt(4000)];
                            r.nextBytes(msg);
                            s.getOutputStream().write(msg);
                            byte[] back = new byte[msg.length];
                            new DataInputStream(s.getInputStream()).readFully(back);
                            assertArrayEquals(msg, back);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : results) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void stalledClientDoesNotDelayOthers() throws Exception {
        try (Socket open = new Socket("127.0.0.1", shared.port());
             Socket stalled = new Socket("127.0.0.1", shared.port())) {
            open.setSoTimeout(5_000);
            LoopbackBackend.sendLine(open.getOutputStream(), "ECHO");
            roundTrip(open);
            LoopbackBackend.sendLine(stalled.getOutputStream(), "BULK -1"); // and never read
            Thread.sleep(700); // let every buffer on the way fill up
            long worst = 0;
            for (int i = 0; i < 20; i++) {
                worst = Math.max(worst, roundTrip(open));
                try (Socket fresh = new Socket("127.0.0.1", shared.port())) {
                    fresh.setSoTimeout(5_000);
                    LoopbackBackend.sendLine(fresh.getOutputStream(), "ECHO");
                    worst = Math.max(worst, roundTrip(fresh));
                }
            }
            assertTrue(worst < 1_000_000_000L, "worst round trip while a client is stalled: " + worst / 1_000_000 + " ms");
        }
    }

    static long roundTrip(Socket s) throws IOException {
        byte[] msg = "ping-200-bytes".repeat(14).getBytes();
        long t0 = System.nanoTime();
        s.getOutputStream().write(msg);
        byte[] back = new byte[msg.length];
        new DataInputStream(s.getInputStream()).readFully(back);
        assertArrayEquals(msg, back);
        return System.nanoTime() - t0;
    }

    @Test
    void reconnectsAfterSshdRestart() throws Exception {
        try (LocalSshd own = LocalSshd.start(tmp.resolve("restart"));
             Running r = Running.start(settings("restart", own.target(), backend.port()), tmp.resolve("restart-state"))) {
            echoOnce(r.port());
            own.restart();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                TunnelStatus st = new TunnelControl(EXEC).status(r.stateDir());
                if (st.restarts() >= 1 && st.up()) {
                    break;
                }
                assertTrue(System.nanoTime() < deadline, "tunnel did not come back: " + st + " " + r.log());
                Thread.sleep(50);
            }
            echoOnce(r.port());
        }
    }

    @Test
    void keepaliveNoticesAFrozenGuestAndTheTunnelRecovers() throws Exception {
        try (LocalSshd own = LocalSshd.start(tmp.resolve("freeze"))) {
            TunnelSettings base = settings("freeze", own.target(), backend.port());
            TunnelSettings s = new TunnelSettings(base.name(), base.target(), base.bindAddress(), base.port(), null, null,
                    base.remotePort(), false, base.ssh().withKeepalive(Duration.ofSeconds(1), 2).withConnectTimeout(Duration.ofSeconds(2)),
                    Duration.ofMillis(100), Duration.ofMillis(500));
            try (Running r = Running.start(s, tmp.resolve("freeze-state"))) {
                echoOnce(r.port());
                own.signal("STOP");
                try {
                    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                    while (new TunnelControl(EXEC).status(r.stateDir()).restarts() < 1) {
                        assertTrue(System.nanoTime() < deadline, "keepalive did not notice the frozen server: " + r.log());
                        Thread.sleep(100);
                    }
                } finally {
                    own.signal("CONT");
                }
                r.awaitUp(Duration.ofSeconds(20));
                echoOnce(r.port());
                assertTrue(r.log().contains("not responding"), r.log());
            }
        }
    }

    static void echoOnce(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            LoopbackBackend.sendLine(s.getOutputStream(), "ECHO");
            roundTrip(s);
        }
    }

    @Test
    void hostKeyMismatchStopsTheAgentWithSecurityError() throws Exception {
        Path other = tmp.resolve("other-host-key");
        new dev.vmbox.exec.ZtExecCommandRunner(dev.vmbox.log.EventLog.NONE, EXEC).run(
                dev.vmbox.exec.Command.of(Duration.ofSeconds(20), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()));
        SshTarget wrong = new SshTarget(sshd.host(), sshd.port(), sshd.user(), sshd.clientKey(),
                Files.readString(Path.of(other + ".pub")).strip());
        Path state = tmp.resolve("mismatch");
        TunnelAgent agent = new TunnelAgent(settings("mismatch", wrong, backend.port()), state, EXEC);
        VmboxException e = assertThrows(VmboxException.class, agent::run);
        assertEquals(ExitCode.SECURITY, e.exitCode());
        TunnelStatus st = new TunnelControl(EXEC).status(state);
        assertFalse(st.running());
        assertEquals("FAILED", st.phase());
        assertTrue(st.lastError().contains("host key"), st.lastError());
    }

    @Test
    void theHopToARemoteHostSurvivesTheSettingsFile() throws Exception {
        SshTarget t = sshd.target();
        dev.vmbox.ssh.JumpHost via = new dev.vmbox.ssh.JumpHost("gpu1", 2222, "ops", Path.of("/keys/id"), "/opt/ssh");
        TunnelSettings s = settings("hop", new SshTarget(t.host(), t.port(), t.user(), t.privateKey(), t.pinnedHostKey(), via),
                backend.port());
        Path file = tmp.resolve("hop-settings.json");
        s.write(file);
        assertEquals(via, TunnelSettings.read(file).target().jump());
        s = settings("direct", t, backend.port());
        s.write(file);
        assertEquals(null, TunnelSettings.read(file).target().jump());
    }

    @Test
    void portInUseIsAClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            TunnelSettings s = settings("taken", sshd.target(), backend.port()).withPort(taken.getLocalPort());
            VmboxException e = assertThrows(VmboxException.class, () -> new TunnelAgent(s, tmp.resolve("taken"), EXEC).run());
            assertEquals(ExitCode.IN_USE, e.exitCode());
            assertTrue(e.getMessage().contains("already in use") && e.hint().contains("--port"), e.getMessage());
        }
    }

    @Test
    void onlyLoopbackUnlessExposed() throws Exception {
        TunnelSettings s = settings("wide", sshd.target(), backend.port());
        VmboxException e = assertThrows(VmboxException.class,
                () -> new TunnelSettings(s.name(), s.target(), "0.0.0.0", s.port(), null, null, s.remotePort(), false, s.ssh(), null, null).validate());
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.hint().contains("--expose"));
        TunnelSettings exposed = s.withExpose("0.0.0.0");
        exposed.validate();
        assertTrue(exposed.exposureWarning().orElseThrow().contains("anyone"));
        assertTrue(s.exposureWarning().isEmpty());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> s.withExpose("example.org").validate()).exitCode());
    }

    @Test
    void unixSocketEndpointIsPrivate() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sock"));
        Path socket = dir.resolve("api.sock");
        TunnelSettings s = settings("sock", sshd.target(), backend.port()).withUnixSocket(socket);
        try (Running r = Running.start(s, tmp.resolve("sock-state"))) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                ch.write(ByteBuffer.wrap("ECHO\nhello".getBytes()));
                ByteBuffer back = ByteBuffer.allocate(5);
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (back.hasRemaining() && System.nanoTime() < deadline) {
                    ch.read(back);
                }
                assertEquals("hello", new String(back.array()));
            }
        }
    }

    @Test
    void inProcessTunnelStartsAndStops() throws Exception {
        TunnelSettings s = settings("inproc", sshd.target(), backend.port());
        Path state = tmp.resolve("inproc");
        try (InProcessTunnel t = InProcessTunnel.start(s, state, EXEC, Duration.ofSeconds(20))) {
            echoOnce(s.port());
            assertTrue(t.status(EXEC).up());
        }
        assertEquals("STOPPED", new TunnelControl(EXEC).status(state).phase());
        assertFalse(TunnelControl.endpointAccepts(s, Duration.ofMillis(300)));
    }

    @Test
    void settingsRoundTripThroughJson() throws Exception {
        TunnelSettings s = settings("json", sshd.target(), 11434).withUnixSocket(tmp.resolve("x.sock"));
        Path f = tmp.resolve("json/tunnel.settings.json");
        s.write(f);
        assertEquals(s, TunnelSettings.read(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test
    void detachedAgentStartsReportsAndStops() throws Exception {
        Path state = tmp.resolve("detached");
        TunnelSettings s = settings("detached", sshd.target(), backend.port());
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), AgentMain.class.getName(), state.toString());
        TunnelControl control = new TunnelControl(EXEC);
        TunnelStatus st = control.start(state, s, cmd, Duration.ofSeconds(40));
        try {
            assertTrue(st.up(), st.describe());
            assertTrue(st.describe().contains("up on 127.0.0.1:" + s.port()), st.describe());
            echoOnce(s.port());
            // own session (setsid): no controlling terminal, so closing the terminal sends it no hang-up
            String stat = Files.readString(Path.of("/proc/" + st.pid() + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertEquals(Long.toString(st.pid()), fields[3], "agent is a session leader");
            assertEquals("0", fields[4], "agent has no controlling terminal");
            assertEquals(st.pid(), control.start(state, s, cmd, Duration.ofSeconds(5)).pid(), "second start is a no-op");
            VmboxException twice = assertThrows(VmboxException.class, () -> new TunnelAgent(s, state, EXEC).run());
            assertTrue(twice.getMessage().contains("already running"), twice.getMessage());
            assertTrue(control.status(state).up(), "the running agent's state is untouched");
        } finally {
            assertTrue(control.stop(state, Duration.ofSeconds(10)));
        }
        TunnelStatus after = control.status(state);
        assertFalse(after.running());
        assertEquals("STOPPED", after.phase());
        assertFalse(Files.exists(new TunnelFiles(state).pid()));
        assertFalse(control.stop(state, Duration.ofSeconds(1)));
    }

    @Test
    void aTunnelThatDoesNotComeUpInTimeNamesItsLogAndTheAgentKeepsTrying() throws Exception {
        Path state = tmp.resolve("never");
        SshTarget t = sshd.target();
        TunnelSettings s = settings("never", new SshTarget(t.host(), LocalSshd.freePort(), t.user(), t.privateKey(),
                t.pinnedHostKey()), backend.port());
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), AgentMain.class.getName(), state.toString());
        TunnelControl control = new TunnelControl(EXEC);
        try {
            VmboxException e = assertThrows(VmboxException.class, () -> control.start(state, s, cmd, Duration.ofSeconds(3)));
            assertEquals(ExitCode.FAILED, e.exitCode());
            assertTrue(e.getMessage().startsWith("the tunnel did not come up on 127.0.0.1:" + s.port() + " within 3 s (last: "),
                    e.getMessage());
            assertTrue(e.hint().contains(new TunnelFiles(state).log().toString()), e.hint());
            assertTrue(control.status(state).running(), "the agent keeps trying in the background");
        } finally {
            assertTrue(control.stop(state, Duration.ofSeconds(10)));
        }
    }

    @Test
    void sshLeftBehindByAKilledAgentIsCleanedUp() throws Exception {
        Path state = tmp.resolve("orphan");
        TunnelSettings s = settings("orphan", sshd.target(), backend.port());
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), AgentMain.class.getName(), state.toString());
        TunnelControl control = new TunnelControl(EXEC);
        TunnelStatus st = control.start(state, s, cmd, Duration.ofSeconds(40));
        assertTrue(st.up(), st.describe());
        ProcessHandle agent = ProcessHandle.of(st.pid()).orElseThrow();
        agent.destroyForcibly(); // SIGKILL: no shutdown hook runs, ssh stays behind holding the port
        agent.onExit().get(10, TimeUnit.SECONDS);
        assertFalse(control.status(state).running());
        TunnelStatus again = control.start(state, s, cmd, Duration.ofSeconds(40));
        try {
            assertTrue(again.up(), again.describe());
            echoOnce(s.port());
        } finally {
            control.stop(state, Duration.ofSeconds(10));
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static byte[] drain(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }
}
