package dev.vmbox.app.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.app.tunnel.http.RuntimeStandIn;
import dev.vmbox.testing.LocalSshd;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The endpoint against another local user and other programs, with real components: a real sshd restarted under
 * the tunnel, squatters in their own JVMs (as user nobody through setpriv, and as this user) trying to bind the
 * port the whole time, a reader of another uid trying the Unix sockets, and the agent killed with SIGKILL.
 * Issue 15, item 1, and issue 13's lie (an orphaned ssh serving while status said down).
 */
@Timeout(180)
class TunnelAttackTest {
    @TempDir
    static Path tmp;
    static LocalSshd sshd;
    static RuntimeStandIn runtime;

    @BeforeAll
    static void start() throws IOException {
        // world-traversable above VMBOX_HOME, so what stops another uid is vmbox's own modes
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        sshd = LocalSshd.start(tmp);
        runtime = new RuntimeStandIn();
    }

    @AfterAll
    static void stop() {
        runtime.close();
        sshd.close();
    }

    static boolean root() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv"));
    }

    /** A {@link Squatter} in its own JVM: as user nobody when {@code otherUid}, else as this user. */
    static Process squatter(boolean otherUid, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (otherUid) {
            cmd.addAll(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData",
                "-XX:TieredStopAtLevel=1", "-Xshare:off", "-cp", squatterClasses().toString(), Squatter.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HOME", "/tmp");
        return pb.start();
    }

    private static Path squatterClasses;

    /**
     * A folder every user can read holding the squatter's classes (it uses the JDK alone): the checkout, and with it
     * target/test-classes, may sit in a folder only its owner can enter (a clone into {@code mktemp -d}), where user
     * nobody could not load the class. Made once per run, removed when the JVM exits.
     */
    static synchronized Path squatterClasses() throws IOException {
        if (squatterClasses == null) {
            Path dir = Files.createTempDirectory("vmbox-squatter");
            Path from = Path.of(Squatter.class.getProtectionDomain().getCodeSource().getLocation().getPath());
            Path pkg = Path.of(Squatter.class.getPackageName().replace('.', '/'));
            Path to = Files.createDirectories(dir.resolve(pkg));
            try (var classes = Files.list(from.resolve(pkg))) {
                for (Path c : classes.filter(f -> f.getFileName().toString().matches("Squatter(\\$.*)?\\.class")).toList()) {
                    Files.copy(c, to.resolve(c.getFileName()));
                }
            }
            for (Path d = to; d.startsWith(dir); d = d.getParent()) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            try (var files = Files.list(to)) {
                for (Path f : files.toList()) {
                    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var all = Files.walk(dir)) {
                    all.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (IOException ignored) {
                    // a temp folder of a few KB
                }
            }));
            squatterClasses = dir;
        }
        return squatterClasses;
    }

    static String awaitLine(Process p, String prefix) throws IOException {
        InputStream in = p.getInputStream();
        StringBuilder all = new StringBuilder();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                all.append(line).append('\n');
                if (line.toString().startsWith(prefix)) {
                    return line.toString();
                }
                line.setLength(0);
            } else {
                line.append((char) c);
            }
        }
        throw new IOException("no line " + prefix + " from the squatter: " + all + line);
    }

    @Test
    void squattersNeverGetThePortWhileSshdRestartsAndClientsNeverReachThem() throws Exception {
        try (AgentFixture agent = AgentFixture.start(tmp.resolve("home-squat"));
             LocalSshd own = LocalSshd.start(tmp.resolve("squat-sshd"))) {
            TunnelSettings s = AgentFixture.settings("squat", own.target(), runtime.port());
            agent.start(s);
            String key = agent.key("squat");
            List<Process> squatters = new ArrayList<>();
            if (root()) {
                squatters.add(squatter(true, "bind", "127.0.0.1", Integer.toString(s.port()), "14"));
                squatters.add(squatter(true, "bind", "::1", Integer.toString(s.port()), "14"));
            }
            squatters.add(squatter(false, "bind", "127.0.0.1", Integer.toString(s.port()), "14"));
            for (Process p : squatters) {
                awaitLine(p, "READY");
            }
            int answered = 0;
            for (int restart = 0; restart < 3; restart++) {
                own.restart();
                long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < deadline) {
                    HttpCall.Answer a = HttpCall.get(s.port(), "/api/tags", key, Map.of());
                    assertFalse(a.text().contains("squatter"), "a client reached the squatter");
                    if (a.status() == 200) {
                        answered++;
                    }
                    TunnelStatus st = agent.status("squat");
                    assertTrue(!st.up() || HttpCall.get(s.port(), "/", null, Map.of()).text().equals("Ollama is running"),
                            "UP only with the runtime behind it");
                }
            }
            for (Process p : squatters) {
                String result = awaitLine(p, "ATTEMPTS");
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertTrue(result.contains(" BOUND 0 "), "a squatter got the port: " + result);
                System.out.println("squatter (" + (squatters.indexOf(p) < 2 && root() ? "uid nobody" : "same uid") + "): " + result);
            }
            assertTrue(answered > 0, "clients were answered between the restarts");
            agent.awaitUp("squat", 3, Duration.ofSeconds(30));
            agent.stop("squat");
        }
    }

    @Test
    void aPortTakenByAnotherUserAtStartIsInUseAndNeverUp() throws Exception {
        assumeTrue(root(), "needs root to run the squatter as another uid");
        int port = LocalSshd.freePort();
        Process p = squatter(true, "bind", "127.0.0.1", Integer.toString(port), "20");
        try (AgentFixture agent = AgentFixture.start(tmp.resolve("home-taken"))) {
            awaitLine(p, "BOUND");
            TunnelSettings s = AgentFixture.settings("taken", sshd.target(), runtime.port()).withPort(port);
            VmboxException e = assertThrows(VmboxException.class, () -> agent.start(s));
            assertEquals(ExitCode.IN_USE, e.exitCode());
            assertFalse(agent.status("taken").up());
            assertEquals("FAILED", agent.status("taken").phase());
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anotherUidCannotOpenTheSocketsEvenWhenItsFoldersAreOpen() throws Exception {
        assumeTrue(root(), "needs root to try as another uid");
        try (AgentFixture agent = AgentFixture.start(tmp.resolve("home-sock"))) {
            agent.control.setWish(agent.stateDir("sock"), TunnelWish.NONE.withSocket(true));
            TunnelSettings s = AgentFixture.settings("sock", sshd.target(), runtime.port());
            agent.start(s);
            TunnelFiles f = new TunnelFiles(agent.stateDir("sock"));
            List<Path> sockets = List.of(f.apiSocket(), f.upstreamSocket(), new AgentFiles(agent.home).socket());
            for (Path socket : sockets) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)), socket.toString());
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
                assertTrue(connectAsNobody(socket).startsWith("REFUSED"), socket + " opened by another uid");
            }
            // even with every folder on the way opened up, the sockets' own mode (0600) keeps another uid out
            for (Path dir : List.of(agent.home, agent.home.resolve("sock"), f.dir(), new AgentFiles(agent.home).dir())) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            }
            for (Path socket : sockets) {
                String r = connectAsNobody(socket);
                assertTrue(r.startsWith("REFUSED") && r.contains("denied"), socket + ": " + r);
            }
            assertEquals(200, HttpCall.send(f.apiSocket().toString(), "GET", "/api/tags", agent.key("sock"), Map.of(), null).status());
            agent.stop("sock");
        }
    }

    static String connectAsNobody(Path socket) throws Exception {
        Process p = squatter(true, "connect-unix", socket.toString());
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    /** The real agent, detached, as {@code vmbox create} starts it. */
    static List<String> agentCommand() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC", "-Xmx32m",
                "-cp", System.getProperty("java.class.path"), "dev.vmbox.cli.Main", "tunnel", "run");
    }

    @Test
    void whenTheAgentIsKilledNothingServesStatusSaysSoAndTheNextAgentEndsItsSsh() throws Exception {
        Path home = tmp.resolve("home-kill");
        Path state = home.resolve("kill").resolve("tunnel");
        TunnelSettings s = AgentFixture.settings("kill", sshd.target(), runtime.port());
        ApiTunnel tunnel = new ApiTunnel(new TunnelControl(AgentFixture.EXEC), agentCommand());
        TunnelStatus st = tunnel.start(state, s, Duration.ofSeconds(60));
        assertTrue(st.up(), st.describe());
        String key = dev.vmbox.security.ApiKeys.read(new TunnelFiles(state).apiKey());
        assertEquals(200, HttpCall.get(s.port(), "/api/tags", key, Map.of()).status());
        // own session: no controlling terminal, so closing the terminal sends it no hang-up
        String stat = Files.readString(Path.of("/proc/" + st.pid() + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertEquals(Long.toString(st.pid()), fields[3], "agent is a session leader");
        assertEquals("0", fields[4], "agent has no controlling terminal");
        long sshPid = TunnelState.read(state).orElseThrow().sshPid();
        assertTrue(sshPid > 0 && ProcessHandle.of(sshPid).isPresent());

        ProcessHandle agent = ProcessHandle.of(st.pid()).orElseThrow();
        agent.destroyForcibly(); // SIGKILL: no shutdown hook; its ssh stays behind
        agent.onExit().get(10, TimeUnit.SECONDS);
        assertTrue(ProcessHandle.of(sshPid).map(ProcessHandle::isAlive).orElse(false), "the orphaned ssh still runs");
        TunnelStatus after = tunnel.status(state);
        assertFalse(after.running(), after.describe());
        assertEquals("tunnel not running", after.describe());
        assertThrows(IOException.class, () -> new Socket("127.0.0.1", s.port()).close(), "nothing serves the endpoint");

        TunnelStatus again = tunnel.start(state, s, Duration.ofSeconds(60));
        try {
            assertTrue(again.up(), again.describe());
            assertFalse(ProcessHandle.of(sshPid).map(ProcessHandle::isAlive).orElse(false), "the next agent ended the orphan by pid");
            assertEquals(200, HttpCall.get(s.port(), "/api/tags", key, Map.of()).status());
        } finally {
            assertTrue(tunnel.stop(state));
        }
        ProcessHandle second = ProcessHandle.of(again.pid()).orElse(null);
        if (second != null) {
            second.onExit().get(20, TimeUnit.SECONDS); // no tunnel is wanted: the agent ends by itself
        }
        assertFalse(tunnel.status(state).running());
        assertFalse(Files.exists(new AgentFiles(home).socket()), "the control socket went with it");
    }

    @Test
    void anSshOfAnotherProgramIsNeverKilledAsAnOrphan() throws Exception {
        Path state = tmp.resolve("home-orphan").resolve("x").resolve("tunnel");
        Files.createDirectories(state);
        try (ServerSocket decoy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Process other = new ProcessBuilder("sleep", "30").start();
            try {
                new TunnelState(1, "127.0.0.1:1", "UP", null, null, null, null, 0, other.pid()).write(state);
                assertFalse(Orphans.end(state), "the pid in the state file is not an ssh of this tunnel");
                assertTrue(other.isAlive());
            } finally {
                other.destroyForcibly();
            }
        }
    }
}
