package dev.vmbox.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vmbox.ExitCode;
import dev.vmbox.VmboxException;
import dev.vmbox.log.EventLog;
import dev.vmbox.testing.LocalSshd;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** SSH exec, SFTP and host-key pinning against a real OpenSSH sshd on 127.0.0.1. */
@Timeout(60)
class SshClientTest {
    @TempDir
    static Path tmp;
    static LocalSshd sshd;
    static final SshClient CLIENT = new SshClient(EventLog.NONE);

    @BeforeAll
    static void start() {
        sshd = LocalSshd.start(tmp);
    }

    @AfterAll
    static void stop() {
        sshd.close();
    }

    @Test
    void execReturnsOutputAndExitStatus() {
        try (SshSession s = CLIENT.connect(sshd.target(), SshOptions.defaults())) {
            ExecResult ok = s.exec("echo hello; echo oops >&2", Duration.ofSeconds(10));
            assertEquals(0, ok.exitStatus());
            assertEquals("hello\n", ok.stdout());
            assertEquals("oops\n", ok.stderr());
            assertEquals(42, s.exec("exit 42", Duration.ofSeconds(10)).exitStatus());
            VmboxException e = assertThrows(VmboxException.class, () -> s.execChecked("echo bad >&2; exit 3", Duration.ofSeconds(10)));
            assertEquals(ExitCode.FAILED, e.exitCode());
            assertTrue(e.getMessage().contains("exit status 3") && e.getMessage().contains("bad"), e.getMessage());
        }
    }

    @Test
    void execStreamsStdinAndOutput() {
        try (SshSession s = CLIENT.connect(sshd.target(), SshOptions.defaults())) {
            byte[] input = new byte[300_000];
            new Random(1).nextBytes(input);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int status = s.exec("cat", new ByteArrayInputStream(input), out, null, Duration.ofSeconds(20));
            assertEquals(0, status);
            assertArrayEquals(input, out.toByteArray());

            List<Long> arrivals = new ArrayList<>();
            long t0 = System.nanoTime();
            s.exec("echo a; sleep 0.4; echo b", null, new java.io.OutputStream() {
                @Override
                public void write(int b) {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    synchronized (arrivals) {
                        arrivals.add((System.nanoTime() - t0) / 1_000_000);
                    }
                }
            }, null, Duration.ofSeconds(10));
            assertTrue(arrivals.size() >= 2 && arrivals.get(arrivals.size() - 1) - arrivals.get(0) >= 250,
                    "first line was passed on while the command still ran (arrivals in ms: " + arrivals + ")");
        }
    }

    @Test
    void execTimeoutKillsTheCommand() throws Exception {
        try (SshSession s = CLIENT.connect(sshd.target(), SshOptions.defaults())) {
            long t0 = System.nanoTime();
            VmboxException e = assertThrows(VmboxException.class, () -> s.exec("sleep 31.5", Duration.ofMillis(500)));
            assertEquals(ExitCode.TIMEOUT, e.exitCode());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
            String left = "";
            for (int i = 0; i < 100; i++) {
                left = s.exec("pgrep -f '^sleep 31.5' || true", Duration.ofSeconds(10)).stdout().strip();
                if (left.isEmpty()) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals("", left, "the remote command was killed");
            assertEquals(0, s.exec("true", Duration.ofSeconds(10)).exitStatus(), "session still usable");
        }
    }

    @Test
    void uploadVerifiesChecksumAndSetsMode() throws Exception {
        Path local = tmp.resolve("model.bin");
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(data);
        Files.write(local, data);
        Path remoteDir = Files.createDirectories(tmp.resolve("guest"));
        String remote = remoteDir.resolve("model with space.bin").toString();
        List<long[]> progress = new ArrayList<>();
        try (SshSession s = CLIENT.connect(sshd.target(), SshOptions.defaults())) {
            String sha = s.upload(local, remote, 0640, (done, total) -> progress.add(new long[] {done, total}), Duration.ofSeconds(30));
            assertEquals(64, sha.length());
        }
        assertArrayEquals(data, Files.readAllBytes(Path.of(remote)));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(remote))));
        assertEquals(data.length, progress.get(progress.size() - 1)[0]);
        try (var files = Files.list(remoteDir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void uploadToMissingFolderFailsClearly() throws Exception {
        Path local = Files.writeString(tmp.resolve("small.txt"), "x");
        try (SshSession s = CLIENT.connect(sshd.target(), SshOptions.defaults())) {
            VmboxException e = assertThrows(VmboxException.class,
                    () -> s.upload(local, tmp.resolve("no/such/dir/f").toString(), 0644, null, Duration.ofSeconds(10)));
            assertEquals(ExitCode.FAILED, e.exitCode());
        }
    }

    @Test
    void wrongHostKeyIsRefusedAsSecurityError() throws Exception {
        Path other = tmp.resolve("otherkey");
        new dev.vmbox.exec.ZtExecCommandRunner(EventLog.NONE, dev.vmbox.exec.Executables.fromEnvironment(System.getenv()))
                .run(dev.vmbox.exec.Command.of(Duration.ofSeconds(20), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()));
        String wrongKey = Files.readString(Path.of(other + ".pub")).strip();
        SshTarget t = new SshTarget(sshd.host(), sshd.port(), sshd.user(), sshd.clientKey(), wrongKey);
        VmboxException e = assertThrows(VmboxException.class, () -> CLIENT.connect(t, SshOptions.defaults()));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertTrue(e.getMessage().contains("does not match the pinned key"), e.getMessage());
        assertTrue(e.getMessage().contains(PinnedHostKey.parse(sshd.hostPublicKey()).fingerprint()), e.getMessage());
    }

    @Test
    void privateKeyReadableByOthersIsRefused() throws Exception {
        Path key = tmp.resolve("loose_key");
        Files.copy(sshd.clientKey(), key);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        SshTarget t = new SshTarget(sshd.host(), sshd.port(), sshd.user(), key, sshd.hostPublicKey());
        VmboxException e = assertThrows(VmboxException.class, () -> CLIENT.connect(t, SshOptions.defaults()));
        assertEquals(ExitCode.SECURITY, e.exitCode());
        assertFalse(e.getMessage().contains("PRIVATE KEY"));
    }

    @Test
    void unknownClientKeyIsRefused() throws Exception {
        Path other = tmp.resolve("stranger");
        new dev.vmbox.exec.ZtExecCommandRunner(EventLog.NONE, dev.vmbox.exec.Executables.fromEnvironment(System.getenv()))
                .run(dev.vmbox.exec.Command.of(Duration.ofSeconds(20), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()));
        SshTarget t = new SshTarget(sshd.host(), sshd.port(), sshd.user(), other, sshd.hostPublicKey());
        VmboxException e = assertThrows(VmboxException.class, () -> CLIENT.connect(t, SshOptions.defaults()));
        assertEquals(ExitCode.SECURITY, e.exitCode());
    }

    @Test
    void closedPortIsUnavailableAfterBoundedRetries() throws Exception {
        int port = LocalSshd.freePort();
        SshTarget t = new SshTarget("127.0.0.1", port, sshd.user(), sshd.clientKey(), sshd.hostPublicKey());
        long t0 = System.nanoTime();
        VmboxException e = assertThrows(VmboxException.class, () -> CLIENT.connect(t, SshOptions.defaults().withConnectAttempts(2)));
        assertEquals(ExitCode.UNAVAILABLE, e.exitCode());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
    }

    @Test
    void keepaliveDetectsAFrozenServer() throws Exception {
        // a dedicated sshd so freezing it (SIGSTOP on its session process) cannot disturb the other tests
        try (LocalSshd frozen = LocalSshd.start(tmp.resolve("frozen"))) {
            SshSession s = CLIENT.connect(frozen.target(), SshOptions.defaults().withKeepalive(Duration.ofMillis(300), 2));
            assertEquals("ok\n", s.exec("echo ok", Duration.ofSeconds(10)).stdout());
            frozen.signal("STOP");
            try {
                long deadline = System.nanoTime() + 8_000_000_000L;
                while (s.isConnected() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertFalse(s.isConnected(), "keepalive dropped the dead connection");
            } finally {
                frozen.signal("CONT");
                s.close();
            }
        }
    }

    @Test
    void pinnedKeyParsing() {
        PinnedHostKey k = PinnedHostKey.parse(sshd.hostPublicKey());
        assertEquals("ssh-ed25519", k.type());
        assertTrue(k.fingerprint().startsWith("SHA256:"));
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> PinnedHostKey.parse("ssh-ed25519 !!!")).exitCode());
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> PinnedHostKey.parse("ssh-dss AAAA")).exitCode());
        String mislabeled = "ecdsa-sha2-nistp256 " + sshd.hostPublicKey().split(" ")[1];
        assertEquals(ExitCode.BAD_INPUT, assertThrows(VmboxException.class, () -> PinnedHostKey.parse(mislabeled)).exitCode());
    }
}
