package dev.vmbox.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.exec.BackgroundProcess;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandResult;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.testing.LocalSshd;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reaching a guest through the host it runs on (a remote libvirt host), for real: one local sshd plays the
 * libvirt host (the jump), another the guest; JSch, the interactive ssh argv and the tunnel's forward all go
 * through {@code ssh -W} to the jump, and vmbox's pins still apply to the guest behind it.
 *
 * <p>The jump is reached the way libvirt's URI says (user, port, {@code keyfile}, {@code command}); here the
 * command is a small wrapper that gives ssh this test's known_hosts, as a person's ~/.ssh would.
 */
@Timeout(120)
class JumpHostTest {
    static final Executables EXEC = Executables.fromEnvironment(System.getenv());
    static final ZtExecCommandRunner RUNNER = new ZtExecCommandRunner(EventLog.NONE, EXEC);
    static final SshClient CLIENT = new SshClient(EventLog.NONE, EXEC);

    @TempDir
    static Path tmp;
    static LocalSshd jump;
    static LocalSshd guest;
    static Path knownHosts;

    @BeforeAll
    static void start() throws IOException {
        jump = LocalSshd.start(tmp.resolve("jump"));
        guest = LocalSshd.start(tmp.resolve("guest"));
        knownHosts = tmp.resolve("state/known_hosts");
        guest.target().hostKey().writeKnownHosts(knownHosts);
    }

    @AfterAll
    static void stop() {
        guest.close();
        jump.close();
    }

    /** An ssh "command" (the libvirt URI parameter) trusting exactly {@code hostKeyLine} for the jump. */
    static Path sshTrusting(String name, String hostKeyLine) throws IOException {
        Path kh = tmp.resolve(name + ".known_hosts");
        Files.writeString(kh, hostKeyLine == null ? "" : "[127.0.0.1]:" + jump.port() + " " + hostKeyLine + "\n");
        Path wrapper = tmp.resolve(name + ".ssh");
        Files.writeString(wrapper, "#!/bin/sh\nexec ssh -F none -o UserKnownHostsFile=" + kh
                + " -o GlobalKnownHostsFile=none -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        return wrapper;
    }

    static JumpHost jumpHost(Path command, Path key) {
        return new JumpHost("127.0.0.1", jump.port(), jump.user(), key, command.toString());
    }

    static SshTarget viaJump(JumpHost j, String pinnedHostKey) {
        return new SshTarget("127.0.0.1", guest.port(), guest.user(), guest.clientKey(), pinnedHostKey, j);
    }

    @Test
    void argvAndProxyCommandAreQuotedAndExpandNothing() {
        JumpHost j = new JumpHost("gpu1", 2222, "admin", Path.of("/keys/it's%h"), "ssh");
        List<String> argv = j.streamArgv("127.0.0.1", 20022, Duration.ofSeconds(15));
        assertEquals(List.of("ssh", "-p", "2222", "-l", "admin", "-o", "IdentityFile=\"/keys/it's%%h\"", "-T", "-e", "none", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", "ClearAllForwardings=yes", "-o", "ForwardAgent=no", "-o", "ForwardX11=no", "-o", "ConnectTimeout=15",
                "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3", "-W", "127.0.0.1:20022", "--", "gpu1"), argv);
        String pc = j.proxyCommand("127.0.0.1", 20022, Duration.ofSeconds(15));
        assertTrue(pc.startsWith("'ssh' '-p' '2222'"), pc);
        assertTrue(pc.contains("'IdentityFile=\"/keys/it'\\''s%%%%h\"'"), pc);
        JumpHost withKnownHosts = new JumpHost("gpu1", 0, null, null, "ssh", Path.of("/etc/vmbox hosts/known_hosts"));
        assertTrue(withKnownHosts.streamArgv("127.0.0.1", 1, Duration.ofSeconds(1))
                .contains("UserKnownHostsFile=\"/etc/vmbox hosts/known_hosts\""), "quoted: one file, not two");
        assertEquals(List.of("ssh", "-T", "-e", "none"), JumpHost.of("gpu1").streamArgv("::1", 1, Duration.ofSeconds(1))
                .subList(0, 4));
        assertTrue(JumpHost.of("gpu1").streamArgv("::1", 22, Duration.ofSeconds(1)).contains("[::1]:22"));
        assertEquals("::1", new JumpHost("[::1]", 0, null, null, null).address());
    }

    @Test
    void hostileJumpValuesAreRefused() {
        for (String host : List.of("-oProxyCommand=x", "a b", "h;rm", "")) {
            assertThrows(VmboxException.class, () -> JumpHost.of(host), host);
        }
        assertThrows(VmboxException.class, () -> new JumpHost("h", 0, "-l", null, null));
        assertThrows(VmboxException.class, () -> new JumpHost("h", 0, null, null, "ssh; rm -rf /"));
        assertThrows(VmboxException.class, () -> new JumpHost("h", 70000, null, null, null));
        assertEquals("ssh", new JumpHost("h", 0, null, null, " ").command());
        assertThrows(VmboxException.class, () -> new JumpHost("h", 0, null, Path.of("id"), null), "relative key");
        assertThrows(VmboxException.class, () -> new JumpHost("h", 0, null, Path.of("/k\\\"x"), null), "quote");
        assertThrows(VmboxException.class, () -> new JumpHost("h", 0, null, Path.of("/k\nx"), null), "newline");
        assertThrows(VmboxException.class, () -> new JumpHost("h", 0, null, Path.of("/k/${HOME}"), null), "variable");
        assertThrows(VmboxException.class, () -> new JumpHost("h", 0, null, null, "bin/ssh"), "relative program");
    }

    @Test
    void aHostThatForbidsForwardingSaysSoAtOnce() throws IOException {
        try (LocalSshd closed = LocalSshd.start(tmp.resolve("closed"), List.of("Match all", "AllowTcpForwarding no"))) {
            Path kh = tmp.resolve("closed.known_hosts");
            Files.writeString(kh, "[127.0.0.1]:" + closed.port() + " " + closed.hostPublicKey() + "\n");
            Path wrapper = tmp.resolve("closed.ssh");
            Files.writeString(wrapper, "#!/bin/sh\nexec ssh -F none -o UserKnownHostsFile=" + kh
                    + " -o GlobalKnownHostsFile=none -o IdentitiesOnly=yes \"$@\"\n");
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
            JumpHost j = new JumpHost("127.0.0.1", closed.port(), closed.user(), closed.clientKey(), wrapper.toString());
            VmboxException e = assertThrows(VmboxException.class, () -> CLIENT.connect(viaJump(j, guest.hostPublicKey()),
                    SshOptions.defaults()));
            assertTrue(e instanceof HopFailedException, e.toString());
            assertTrue(e.getMessage().contains("does not allow forwarding"), e.getMessage());
            assertTrue(e.hint().contains("AllowTcpForwarding"), e.hint());
        }
    }

    @Test
    void jschReachesTheGuestThroughTheJumpWithItsPinnedKey() throws IOException {
        JumpHost j = jumpHost(sshTrusting("ok", jump.hostPublicKey()), jump.clientKey());
        try (SshSession s = CLIENT.connect(viaJump(j, guest.hostPublicKey()), SshOptions.defaults())) {
            assertEquals("through", s.exec("echo through", Duration.ofSeconds(20)).stdout().strip());
        }
        // proof the hop is used: with the jump down, the same target cannot be reached
        jump.stop();
        try {
            VmboxException e = assertThrows(VmboxException.class, () -> CLIENT.connect(viaJump(j, guest.hostPublicKey()),
                    SshOptions.defaults().withConnectAttempts(1)));
            assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
            assertTrue(e.getMessage().contains("127.0.0.1:" + jump.port()), e.getMessage());
        } finally {
            jump.restart();
        }
    }

    /**
     * A guest that hangs behind a live jump host (its sshd frozen with SIGSTOP, the jump's {@code ssh -W} still
     * up) is noticed by the keepalive within about interval &times; (countMax + 1), not at the command's own
     * deadline: the hop has no socket whose SO_TIMEOUT would wake JSch's read loop, and its
     * {@link IdleTimeoutInputStream} does. Before the freeze the session idles for several intervals and stays
     * up: probes the guest answers keep it.
     */
    @Test
    void keepaliveThroughTheJumpNoticesAFrozenGuest() throws Exception {
        JumpHost j = jumpHost(sshTrusting("frozen", jump.hostPublicKey()), jump.clientKey());
        // a guest of its own, so that freezing it cannot disturb the other tests
        try (LocalSshd frozen = LocalSshd.start(tmp.resolve("frozen-guest"))) {
            SshTarget t = new SshTarget("127.0.0.1", frozen.port(), frozen.user(), frozen.clientKey(), frozen.hostPublicKey(), j);
            Duration interval = Duration.ofSeconds(1);
            Duration deadline = Duration.ofSeconds(100);
            SshOptions options = new SshOptions(Duration.ofSeconds(15), deadline, interval, 2, 1);
            try (SshSession s = CLIENT.connect(t, options)) {
                Thread.sleep(interval.toMillis() * 5);
                assertTrue(s.isConnected(), "answered probes keep an idle session up");
                assertEquals("alive", s.exec("echo alive", Duration.ofSeconds(30)).stdout().strip());

                CompletableFuture<Void> started = new CompletableFuture<>();
                OutputStream out = new OutputStream() {
                    @Override
                    public void write(int b) {
                        if (b == '\n') {
                            started.complete(null);
                        }
                    }
                };
                CompletableFuture<Object> running = CompletableFuture.supplyAsync(() -> {
                    try {
                        return s.exec("echo started; sleep 90", null, out, OutputStream.nullOutputStream(), deadline);
                    } catch (RuntimeException e) {
                        return e;
                    }
                });
                started.get(30, TimeUnit.SECONDS);
                frozen.signal("STOP");
                try {
                    long t0 = System.nanoTime();
                    Object result;
                    try {
                        result = running.get(30, TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        throw new AssertionError("the frozen guest was not noticed within 30 s (the command's deadline is "
                                + deadline.toSeconds() + " s)");
                    }
                    Duration took = Duration.ofNanos(System.nanoTime() - t0);
                    assertTrue(result instanceof VmboxException, String.valueOf(result));
                    assertEquals(ExitCode.UNAVAILABLE, ((VmboxException) result).exitCode(), String.valueOf(result));
                    assertTrue(((VmboxException) result).getMessage().contains("was lost"), String.valueOf(result));
                    assertFalse(s.isConnected());
                    assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "noticed after " + took);
                    // the session's end killed the hop
                    String hop = "127.0.0.1:" + frozen.port();
                    long gone = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (hopRunning(hop) && System.nanoTime() < gone) {
                        Thread.sleep(50);
                    }
                    assertFalse(hopRunning(hop), "the ssh -W hop ended with the session");
                } finally {
                    frozen.signal("CONT");
                }
            }
        }
    }

    /** Whether a child of this JVM still runs {@code ssh -W target}. */
    private static boolean hopRunning(String target) {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .anyMatch(p -> p.info().arguments().map(a -> List.of(a).contains(target)).orElse(false));
    }

    @Test
    void aWrongGuestKeyBehindTheJumpIsStillRefused() throws IOException {
        JumpHost j = jumpHost(sshTrusting("ok2", jump.hostPublicKey()), jump.clientKey());
        VmboxException e = assertThrows(VmboxException.class, () -> CLIENT.connect(viaJump(j, jump.hostPublicKey()),
                SshOptions.defaults()));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().contains("does not match the pinned key"), e.getMessage());
    }

    @Test
    void anUnknownJumpHostKeyIsASecurityError() throws IOException {
        JumpHost j = jumpHost(sshTrusting("unknown", null), jump.clientKey());
        VmboxException e = assertThrows(VmboxException.class, () -> CLIENT.connect(viaJump(j, guest.hostPublicKey()),
                SshOptions.defaults()));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().contains("127.0.0.1:" + jump.port()), e.getMessage());
        assertTrue(e.hint().contains("known_hosts"), e.hint());
    }

    @Test
    void aRefusedLoginAtTheJumpSaysSoOnce() throws IOException {
        JumpHost j = jumpHost(sshTrusting("refused", jump.hostPublicKey()), guest.clientKey().resolveSibling("nope"));
        Files.copy(tmp.resolve("guest/sshd/host_ed25519"), guest.clientKey().resolveSibling("nope"));
        VmboxException e = assertThrows(VmboxException.class, () -> CLIENT.connect(viaJump(j, guest.hostPublicKey()),
                SshOptions.defaults()));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(e.getMessage().contains("cannot reach the VM's host") && e.getMessage().contains("Permission denied"),
                e.getMessage());
        assertTrue(e instanceof HopFailedException, "a wait loop stops at once instead of logging in again and again");
    }

    @Test
    void theUrisKnownHostsFileMayHaveASpaceInItsPath() throws Exception {
        Path kh = Files.createDirectories(tmp.resolve("uri known hosts %d")).resolve("known_hosts");
        Files.writeString(kh, "[127.0.0.1]:" + jump.port() + " " + jump.hostPublicKey() + "\n");
        JumpHost j = new JumpHost("127.0.0.1", jump.port(), jump.user(), jump.clientKey(), "ssh", kh);
        List<String> argv = SshCommandLine.interactive(viaJump(j, guest.hostPublicKey()), knownHosts, SshOptions.defaults(),
                List.of("echo", "through"));
        CommandResult r = RUNNER.run(Command.of(Duration.ofSeconds(30), argv));
        assertEquals("through", r.stdout().strip());
    }

    @Test
    void systemSshAndTheTunnelForwardGoThroughTheJump() throws Exception {
        JumpHost j = jumpHost(sshTrusting("cli", jump.hostPublicKey()), jump.clientKey());
        SshTarget t = viaJump(j, guest.hostPublicKey());
        List<String> argv = SshCommandLine.interactive(t, knownHosts, SshOptions.defaults(), List.of("echo", "$((6*7))"));
        assertTrue(argv.stream().anyMatch(a -> a.startsWith("ProxyCommand='" + j.command() + "'")), argv.toString());
        CommandResult r = RUNNER.run(Command.of(Duration.ofSeconds(30), argv));
        assertEquals("42", r.stdout().strip());

        try (ServerSocket api = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket c = api.accept(); OutputStream out = c.getOutputStream()) {
                    out.write("model api\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the test fails on the client side
                }
            });
            server.setDaemon(true);
            server.start();
            Path local = tmp.resolve("forward.sock");
            List<String> fwd = SshCommandLine.forward(t, knownHosts, SshOptions.defaults(), local, "127.0.0.1",
                    api.getLocalPort());
            try (BackgroundProcess p = BackgroundProcess.start(fwd, Map.of(), tmp.resolve("forward.log"), EXEC)) {
                String got = null;
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (got == null && System.nanoTime() < deadline) {
                    try (java.nio.channels.SocketChannel s = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                        s.connect(java.net.UnixDomainSocketAddress.of(local));
                        try (InputStream in = java.nio.channels.Channels.newInputStream(s)) {
                            got = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                        }
                    } catch (IOException notYet) {
                        Thread.sleep(200);
                    }
                }
                assertEquals("model api\n", got, Files.readString(tmp.resolve("forward.log")));
            }
        }
    }
}
