package dev.vmbox.app.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.tunnel.http.RuntimeStandIn;
import dev.vmbox.runtime.RuntimeKind;
import dev.vmbox.ssh.JumpHost;
import dev.vmbox.ssh.SshTarget;
import dev.vmbox.testing.LocalSshd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

/**
 * The user's tunnel agent against a real sshd on 127.0.0.1, with a stand-in HTTP runtime behind it: what passes
 * (streams, many clients, a stalled client), what comes back by itself (sshd restarted or frozen), and what
 * never passes (no key, a web page, a foreign Host, a taken port, another host key).
 */
@Timeout(120)
class TunnelAgentTest {
    @TempDir
    static Path tmp;
    static LocalSshd sshd;
    static RuntimeStandIn runtime;
    static AgentFixture agent;
    static TunnelSettings shared;
    static String key;

    @BeforeAll
    static void start() {
        sshd = LocalSshd.start(tmp);
        runtime = new RuntimeStandIn();
        agent = AgentFixture.start(tmp.resolve("home"));
        shared = AgentFixture.settings("shared", sshd.target(), runtime.port());
        assertTrue(agent.start(shared).up());
        key = agent.key("shared");
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        runtime.close();
        sshd.close();
    }

    static String endpoint(TunnelSettings s) {
        return "127.0.0.1:" + s.port();
    }

    @Test
    void aRequestWithTheKeyReachesTheRuntimeAndItsAnswerComesBackWhole() throws Exception {
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new Random(5).nextBytes(big);
        HttpCall.Answer a = HttpCall.send(endpoint(shared), "POST", "/echo", key, Map.of(), big);
        assertEquals(200, a.status());
        assertArrayEquals(big, a.body());
        HttpCall.Answer bulk = HttpCall.get(shared.port(), "/bulk?n=5000000", key, Map.of());
        assertEquals(5_000_000, bulk.body().length);
    }

    @Test
    void refusedRequestsNeverReachTheRuntime() throws Exception {
        int before = runtime.seen().size();
        assertEquals(401, HttpCall.get(shared.port(), "/api/tags", null, Map.of()).status());
        assertEquals(401, HttpCall.get(shared.port(), "/api/tags", "vmbox-wrong", Map.of()).status());
        assertEquals(403, HttpCall.send(endpoint(shared), "POST", "/api/generate", key,
                Map.of("Origin", "http://evil.example", "Content-Type", "text/plain"), "{}".getBytes()).status());
        assertEquals(403, HttpCall.send("127.0.0.1:" + shared.port(), "GET", "/api/tags", key,
                Map.of("Host", "evil.example:" + shared.port()), null).status());
        assertEquals(403, HttpCall.get(shared.port(), "/api/tags", key, Map.of("Sec-Fetch-Site", "cross-site")).status());
        assertEquals(before, runtime.seen().size(), "the runtime saw none of them: " + runtime.seen());
        HttpCall.Answer pub = HttpCall.get(shared.port(), "/", null, Map.of());
        assertEquals("Ollama is running", pub.text(), "the health path needs no key");
    }

    @Test
    void localhostOnTheIpv6LoopbackIsHeldToo() throws Exception {
        try (ServerSocket squat = new ServerSocket()) {
            assertThrows(IOException.class, () -> squat.bind(new java.net.InetSocketAddress(InetAddress.getByName("::1"), shared.port())),
                    "[::1]:PORT is held by the agent, so 'localhost' cannot lead elsewhere");
        }
        assertEquals(200, HttpCall.send("[::1]:" + shared.port(), "GET", "/api/tags", key, Map.of(), null).status());
    }

    @Test
    void streamedAnswersArriveAsTheyAreSent() throws Exception {
        try (Socket s = new Socket("127.0.0.1", shared.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET /stream?n=2&delay=700 HTTP/1.1\r\nHost: " + endpoint(shared) + "\r\nAuthorization: Bearer "
                    + key + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            long t0 = System.nanoTime();
            readUntil(in, "data: 0");
            long first = (System.nanoTime() - t0) / 1_000_000;
            readUntil(in, "data: 1");
            long second = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(second - first >= 500, "first event at " + first + " ms, second at " + second + " ms");
        }
    }

    static void readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.ISO_8859_1).contains(marker)) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed before " + marker);
            }
            b.write(c);
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
                    try (DuplexRequest d = new DuplexRequest(shared.port(), key, 10_000)) {
                        Random r = new Random(seed);
                        for (int i = 0; i < 10; i++) {
                            byte[] msg = new byte[1 + r.nextInt(4000)];
                            r.nextBytes(msg);
                            d.roundTrip(msg);
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
    void aStalledClientDoesNotDelayOthers() throws Exception {
        try (DuplexRequest open = new DuplexRequest(shared.port(), key, 10_000); Socket stalled = new Socket("127.0.0.1", shared.port())) {
            open.roundTrip("warm".getBytes());
            stalled.getOutputStream().write(("GET /bulk?n=-1 HTTP/1.1\r\nHost: " + endpoint(shared) + "\r\nAuthorization: Bearer "
                    + key + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII)); // and never read
            Thread.sleep(700); // every buffer on the way fills up
            double worst = 0;
            byte[] msg = "ping-200-bytes".repeat(14).getBytes();
            for (int i = 0; i < 20; i++) {
                worst = Math.max(worst, open.roundTrip(msg));
                try (DuplexRequest fresh = new DuplexRequest(shared.port(), key, 10_000)) {
                    worst = Math.max(worst, fresh.roundTrip(msg));
                }
            }
            assertTrue(worst < 1000, "worst round trip while a client is stalled: " + worst + " ms");
        }
    }

    @Test
    void reconnectsAfterSshdRestartAndKeepsTheEndpoint() throws Exception {
        try (LocalSshd own = LocalSshd.start(tmp.resolve("restart"))) {
            TunnelSettings s = AgentFixture.settings("restart", own.target(), runtime.port());
            agent.start(s);
            String k = agent.key("restart");
            assertEquals(200, HttpCall.get(s.port(), "/api/tags", k, Map.of()).status());
            own.restart();
            agent.awaitUp("restart", 1, Duration.ofSeconds(30));
            assertEquals(200, HttpCall.get(s.port(), "/api/tags", k, Map.of()).status());
            agent.stop("restart");
        }
    }

    @Test
    void keepaliveNoticesAFrozenGuestAndTheTunnelRecovers() throws Exception {
        try (LocalSshd own = LocalSshd.start(tmp.resolve("freeze"))) {
            TunnelSettings base = AgentFixture.settings("freeze", own.target(), runtime.port());
            TunnelSettings s = base.withSsh(base.ssh().withKeepalive(Duration.ofSeconds(1), 2).withConnectTimeout(Duration.ofSeconds(2)))
                    .withBackoff(Duration.ofMillis(100), Duration.ofMillis(500));
            agent.start(s);
            own.signal("STOP");
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (agent.status("freeze").restarts() < 1) {
                    assertTrue(System.nanoTime() < deadline, "keepalive did not notice the frozen server: " + agent.log("freeze"));
                    Thread.sleep(100);
                }
            } finally {
                own.signal("CONT");
            }
            agent.awaitUp("freeze", 1, Duration.ofSeconds(30));
            assertEquals(200, HttpCall.get(s.port(), "/", null, Map.of()).status());
            assertTrue(agent.log("freeze").contains("not responding"), agent.log("freeze"));
            agent.stop("freeze");
        }
    }

    @Test
    void hostKeyMismatchStopsTheTunnelWithASecurityErrorAndReleasesTheEndpoint() throws Exception {
        Path other = tmp.resolve("other-host-key");
        new dev.vmbox.exec.ZtExecCommandRunner(dev.vmbox.log.EventLog.NONE, AgentFixture.EXEC).run(
                dev.vmbox.exec.Command.of(Duration.ofSeconds(20), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()));
        SshTarget wrong = new SshTarget(sshd.host(), sshd.port(), sshd.user(), sshd.clientKey(),
                Files.readString(Path.of(other + ".pub")).strip());
        TunnelSettings s = AgentFixture.settings("mismatch", wrong, runtime.port());
        VmboxException e = assertThrows(VmboxException.class, () -> agent.start(s));
        assertEquals(ExitCode.SECURITY, e.exitCode(), e.getMessage());
        TunnelStatus st = agent.status("mismatch");
        assertFalse(st.up());
        assertEquals("FAILED", st.phase());
        assertTrue(st.lastError().contains("host key"), st.lastError());
        try (ServerSocket free = new ServerSocket(s.port(), 1, InetAddress.getByName("127.0.0.1"))) {
            assertEquals(s.port(), free.getLocalPort(), "the endpoint is released");
        }
    }

    @Test
    void aPortTakenByAnotherProgramIsInUseAndNeverUp() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            TunnelSettings s = AgentFixture.settings("taken", sshd.target(), runtime.port()).withPort(taken.getLocalPort());
            VmboxException e = assertThrows(VmboxException.class, () -> agent.start(s));
            assertEquals(ExitCode.IN_USE, e.exitCode());
            assertTrue(e.getMessage().contains("already in use") && e.hint().contains("--port"), e.getMessage());
            assertFalse(agent.status("taken").up());
        }
    }

    @Test
    void aRuntimeThatDoesNotAnswerIsNeverUp() throws Exception {
        int closed = LocalSshd.freePort();
        TunnelSettings s = AgentFixture.settings("silent", sshd.target(), closed);
        VmboxException e = assertThrows(VmboxException.class, () -> agent.control.start(agent.stateDir("silent"), s,
                List.of("/bin/false"), Duration.ofSeconds(4)));
        assertEquals(ExitCode.FAILED, e.exitCode());
        assertTrue(e.getMessage().startsWith("the tunnel did not come up on 127.0.0.1:" + s.port() + " within 4 s"), e.getMessage());
        assertTrue(e.hint().contains(new TunnelFiles(agent.stateDir("silent")).log().toString()), e.hint());
        TunnelStatus st = agent.status("silent");
        assertTrue(st.running() && !st.up(), "the agent keeps trying, and says it is not up: " + st);
        assertEquals(502, HttpCall.get(s.port(), "/api/tags", agent.key("silent"), Map.of()).status(),
                "a client gets a clear 502, not a hang");
        assertTrue(agent.stop("silent"));
    }

    @Test
    void onlyLoopbackUnlessExposed() {
        TunnelSettings s = AgentFixture.settings("wide", sshd.target(), runtime.port());
        VmboxException e = assertThrows(VmboxException.class, () -> s.withBind("0.0.0.0").validate());
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.hint().contains("--expose"));
        TunnelSettings exposed = s.withExpose("0.0.0.0");
        exposed.validate();
        assertTrue(exposed.exposureWarning().orElseThrow().contains("anyone"));
        assertTrue(s.exposureWarning().isEmpty());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> s.withExpose("example.org").validate()).exitCode());
    }

    @Test
    void theUnixSocketEndpointIsPrivateAndServesCurl() throws Exception {
        TunnelSettings s = AgentFixture.settings("sock", sshd.target(), runtime.port());
        agent.control.setWish(agent.stateDir("sock"), TunnelWish.NONE.withSocket(true));
        TunnelStatus st = agent.start(s);
        Path socket = new TunnelFiles(agent.stateDir("sock")).apiSocket();
        assertEquals(socket.toString(), st.endpoint());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
        assertEquals(200, HttpCall.send(socket.toString(), "GET", "/api/tags", agent.key("sock"), Map.of(), null).status());
        assertEquals(401, HttpCall.send(socket.toString(), "GET", "/api/tags", null, Map.of(), null).status());
        if (Files.isExecutable(Path.of("/usr/bin/curl"))) {
            Process p = new ProcessBuilder("curl", "-s", "--unix-socket", socket.toString(), "-H", "Authorization: Bearer "
                    + agent.key("sock"), "http://localhost/api/tags").redirectErrorStream(true).start();
            assertEquals("{\"models\":[]}", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        agent.stop("sock");
        assertFalse(Files.exists(socket), "the socket is removed with the tunnel");
    }

    @Test
    void theHopToARemoteHostSurvivesTheSettingsFileWithAllItsSettings() throws Exception {
        SshTarget t = sshd.target();
        JumpHost via = new JumpHost("gpu1", 2222, "ops", Path.of("/keys/id"), "/opt/ssh", Path.of("/etc/vmbox/known hosts"));
        TunnelSettings s = AgentFixture.settings("hop", new SshTarget(t.host(), t.port(), t.user(), t.privateKey(),
                t.pinnedHostKey(), via), runtime.port());
        Path file = tmp.resolve("hop-settings.json");
        s.write(file);
        assertEquals(via, TunnelSettings.read(file).target().jump(), "known_hosts=, keyfile, port and command all kept");
        assertEquals(s, TunnelSettings.read(file));
        TunnelSettings sock = s.withUnixSocket(tmp.resolve("x.sock")).withApiKeyFile(tmp.resolve("k"));
        sock.write(file);
        assertEquals(sock, TunnelSettings.read(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void aSecondStartWithTheSameSettingsKeepsTheTunnelAndANewPortMovesIt() throws Exception {
        TunnelSettings s = AgentFixture.settings("move", sshd.target(), runtime.port());
        agent.start(s);
        TunnelStatus again = agent.start(s);
        assertEquals(0, again.restarts());
        TunnelSettings moved = s.withPort(LocalSshd.freePort());
        agent.start(moved);
        assertEquals(200, HttpCall.get(moved.port(), "/api/tags", agent.key("move"), Map.of()).status());
        try (ServerSocket free = new ServerSocket(s.port(), 1, InetAddress.getByName("127.0.0.1"))) {
            assertNotEquals(0, free.getLocalPort(), "the old port is released");
        }
        agent.stop("move");
    }

    @Test
    void theKeyCanBeTurnedOffAndTheWebChecksStay() throws Exception {
        TunnelSettings s = AgentFixture.settings("nokey", sshd.target(), runtime.port());
        agent.control.setWish(agent.stateDir("nokey"), TunnelWish.NONE.withKeyOff(true));
        agent.start(s);
        assertEquals(200, HttpCall.get(s.port(), "/api/tags", null, Map.of()).status());
        assertEquals(403, HttpCall.get(s.port(), "/api/tags", null, Map.of("Origin", "null")).status());
        agent.stop("nokey");
    }

    @Test
    void aVmboxHomeWithASpaceKeepsItsPins() throws Exception {
        Path home = tmp.resolve("home with space %h");
        try (AgentFixture spaced = AgentFixture.start(home)) {
            Path keyCopy = Files.createDirectories(home.resolve("spaced").resolve("ssh key dir")).resolve("id_ed25519");
            Files.copy(sshd.clientKey(), keyCopy);
            Files.setPosixFilePermissions(keyCopy, PosixFilePermissions.fromString("rw-------"));
            SshTarget t = sshd.target();
            TunnelSettings s = AgentFixture.settings("spaced", new SshTarget(t.host(), t.port(), t.user(), keyCopy, t.pinnedHostKey()),
                    runtime.port());
            assertTrue(spaced.start(s).up(), spaced.log("spaced"));
            assertEquals(200, HttpCall.get(s.port(), "/api/tags", spaced.key("spaced"), Map.of()).status());
            spaced.stop("spaced");
        }
    }
}
