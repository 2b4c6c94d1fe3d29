package dev.vmbox.testing;

import dev.vmbox.exec.BackgroundProcess;
import dev.vmbox.exec.Command;
import dev.vmbox.exec.CommandRunner;
import dev.vmbox.exec.Executables;
import dev.vmbox.exec.ZtExecCommandRunner;
import dev.vmbox.log.EventLog;
import dev.vmbox.ssh.SshTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
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

/**
 * Test fixture: a real OpenSSH {@code sshd} (/usr/sbin/sshd) on 127.0.0.1 and a free port, with a temporary
 * config, a fresh ed25519 host key and a fresh ed25519 client key authorized for the current user.
 * It runs in the foreground ({@code -D -e}) as a child of the test JVM and is stopped by its pid.
 *
 * <pre>
 * try (LocalSshd sshd = LocalSshd.start(tempDir)) {
 *     SshTarget t = sshd.target();
 * }
 * </pre>
 * Extra sshd_config lines can be given to {@link #start(Path, List)}. {@link #restart()} stops it and starts it
 * again on the same port with the same keys; {@link #stop()} leaves it down.
 */
public final class LocalSshd implements AutoCloseable {
    public static final Path SSHD = Path.of("/usr/sbin/sshd");

    private static final Executables EXECUTABLES = Executables.fromEnvironment(
            Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin"));
    private static final CommandRunner RUNNER = new ZtExecCommandRunner(EventLog.NONE, EXECUTABLES);

    private final Path dir;
    private final int port;
    private final Path config;
    private final Path clientKey;
    private String hostPublicKey;
    private final String clientPublicKey;
    private BackgroundProcess process;

    private LocalSshd(Path dir, int port, Path config, Path clientKey, String hostPublicKey, String clientPublicKey) {
        this.dir = dir;
        this.port = port;
        this.config = config;
        this.clientKey = clientKey;
        this.hostPublicKey = hostPublicKey;
        this.clientPublicKey = clientPublicKey;
    }

    public static LocalSshd start(Path parent) {
        return start(parent, List.of());
    }

    public static LocalSshd start(Path parent, List<String> extraConfig) {
        try {
            Path dir = Files.createDirectories(parent.resolve("sshd"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Path hostKey = dir.resolve("host_ed25519");
            Path clientKey = dir.resolve("client_ed25519");
            keygen(hostKey);
            keygen(clientKey);
            String hostPub = Files.readString(hostKey.resolveSibling("host_ed25519.pub")).strip();
            String clientPub = Files.readString(clientKey.resolveSibling("client_ed25519.pub")).strip();
            Path authorized = dir.resolve("authorized_keys");
            Files.writeString(authorized, clientPub + "\n");
            Files.setPosixFilePermissions(authorized, PosixFilePermissions.fromString("rw-------"));
            Path privsep = Path.of("/run/sshd");
            if (!Files.isDirectory(privsep)) {
                Files.createDirectories(privsep);
                Files.setPosixFilePermissions(privsep, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            int port = freePort();
            StringBuilder cfg = new StringBuilder();
            for (String line : List.of(
                    "Port " + port,
                    "ListenAddress 127.0.0.1",
                    "HostKey " + hostKey,
                    "PidFile none",
                    "AuthorizedKeysFile " + authorized,
                    "StrictModes no",
                    "UsePAM no",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PermitRootLogin prohibit-password",
                    "AllowTcpForwarding local",
                    "AllowStreamLocalForwarding no",
                    "X11Forwarding no",
                    "PrintMotd no",
                    "MaxStartups 100",
                    "MaxSessions 100",
                    "LogLevel ERROR",
                    "Subsystem sftp internal-sftp")) {
                cfg.append(line).append('\n');
            }
            for (String line : extraConfig) {
                cfg.append(line).append('\n');
            }
            Path config = dir.resolve("sshd_config");
            Files.writeString(config, cfg.toString());
            LocalSshd sshd = new LocalSshd(dir, port, config, clientKey, hostPub, clientPub);
            sshd.startProcess();
            return sshd;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void keygen(Path file) {
        RUNNER.run(Command.of(Duration.ofSeconds(20), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "vmbox-test",
                "-f", file.toString()));
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private void startProcess() {
        process = BackgroundProcess.start(List.of(SSHD.toString(), "-D", "-e", "-f", config.toString()), Map.of(),
                dir.resolve("sshd.log"), EXECUTABLES);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("sshd exited: " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                sleep(20);
            }
        }
        throw new IllegalStateException("sshd did not listen on port " + port + " within 10 s: " + log());
    }

    /** Stops sshd (SIGTERM by pid; established sessions are closed too). */
    public void stop() {
        if (process != null) {
            // sshd -D keeps per-connection children; stop() kills the whole tree so sessions drop as on a reboot
            process.stop(Duration.ofSeconds(3));
            process = null;
        }
    }

    /**
     * Plays a freshly provisioned guest: sshd restarts on the same port with the host key and the one
     * authorized key that vmbox put into the guest's cloud-config.
     */
    public void useGuestKeys(String hostPrivateKey, String hostPublicKeyLine, String authorizedKey) {
        try {
            Path hostKey = dir.resolve("host_ed25519");
            Files.writeString(hostKey, hostPrivateKey.endsWith("\n") ? hostPrivateKey : hostPrivateKey + "\n");
            Files.setPosixFilePermissions(hostKey, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(dir.resolve("host_ed25519.pub"), hostPublicKeyLine + "\n");
            Path authorized = dir.resolve("authorized_keys");
            Files.writeString(authorized, authorizedKey + "\n");
            // sshd reads authorized_keys as the login user, who is not root here
            Files.setPosixFilePermissions(authorized, PosixFilePermissions.fromString("rw-r--r--"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            this.hostPublicKey = hostPublicKeyLine;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        restart();
    }

    /** Stops and starts sshd again on the same port with the same keys. */
    public void restart() {
        stop();
        startProcess();
    }

    /** Sends {@code kill -SIG} to sshd and all its session processes (e.g. STOP to freeze, CONT to resume). */
    public void signal(String sig) {
        List<String> argv = new java.util.ArrayList<>(List.of("kill", "-" + sig, Long.toString(process.pid())));
        ProcessHandle.of(process.pid()).ifPresent(h -> h.descendants().forEach(d -> argv.add(Long.toString(d.pid()))));
        RUNNER.run(Command.of(Duration.ofSeconds(10), argv));
    }

    public long pid() {
        return process.pid();
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("sshd.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    public String user() {
        return System.getProperty("user.name");
    }

    public Path clientKey() {
        return clientKey;
    }

    public String clientPublicKey() {
        return clientPublicKey;
    }

    /** The host's public key line, {@code ssh-ed25519 AAAA... comment}. */
    public String hostPublicKey() {
        return hostPublicKey;
    }

    public Path dir() {
        return dir;
    }

    /**
     * An ssh program for this sshd, as a libvirt URI's {@code command=} names it: the system ssh with no user
     * config, trusting exactly this server's host key (as a person's ~/.ssh/known_hosts would) and appending each
     * call's arguments to {@code callLog}, so a test can prove which connections went through it.
     */
    public Path sshCommandTrustingThis(Path wrapper, Path callLog) {
        Path kh = wrapper.resolveSibling(wrapper.getFileName() + ".known_hosts");
        try {
            Files.writeString(kh, "[127.0.0.1]:" + port + " " + hostPublicKey + "\n");
            Files.writeString(wrapper, "#!/bin/sh\necho \"$*\" >> " + callLog + "\nexec ssh -F none -o UserKnownHostsFile=" + kh
                    + " -o GlobalKnownHostsFile=none -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes \"$@\"\n");
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return wrapper;
    }

    public SshTarget target() {
        return new SshTarget(host(), port, user(), clientKey, hostPublicKey);
    }

    @Override
    public void close() {
        stop();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
